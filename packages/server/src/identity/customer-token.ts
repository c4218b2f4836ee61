import { createHmac, timingSafeEqual } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { HttpError } from '../http/http-error.js';

/** Longest lifetime {@link signCustomerToken} accepts: 30 days. */
export const maxCustomerTokenSeconds = 30 * 24 * 60 * 60;
/** Clock skew tolerated when checking `exp` and `iat`: 30 seconds. */
export const customerTokenClockTolerance = 30;

/** Settings of {@link signCustomerToken}. */
export interface SignCustomerTokenOptions {
  /** The Churn tenant the customer belongs to (the `tid` claim). */
  tenantId: string;
  /** Your id of the customer (the `sub` claim): the same id you give Churn for that customer. */
  customerId: string;
  /** The tenant's identity secret (`cis_...`), from tenant creation or its rotation. */
  secret: string;
  /** How long the token is valid, 1 s to 30 days. Default 3600 (one hour). */
  expiresInSeconds?: number;
  /** The signing time. Default now. */
  now?: Date;
}

function keyOf(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

function invalid(message: string, cause?: unknown): HttpError {
  return new HttpError(401, 'unauthorized', message, cause === undefined ? {} : { cause });
}

/**
 * Signs a customer identity token on the tenant's backend: a JWT (HS256) with `sub` (the
 * customer id), `tid` (the tenant id), `iat` and `exp`, signed with the tenant's identity
 * secret. Send it to the page, which hands it to the widget; the widget sends it as the
 * `x-churn-customer-token` header. Never send the secret itself to a browser.
 *
 * @example
 * import { signCustomerToken } from '@churn/server';
 *
 * const token = await signCustomerToken({
 *   tenantId: process.env.CHURN_TENANT_ID!,
 *   customerId: user.id,
 *   secret: process.env.CHURN_IDENTITY_SECRET!,
 *   expiresInSeconds: 3600,
 * });
 */
export async function signCustomerToken(options: SignCustomerTokenOptions): Promise<string> {
  const lifetime = options.expiresInSeconds ?? 3600;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > maxCustomerTokenSeconds) {
    throw new RangeError(
      `expiresInSeconds must be a whole number from 1 to ${maxCustomerTokenSeconds} (30 days), got ${lifetime}.`,
    );
  }
  if (options.customerId === '' || options.tenantId === '') {
    throw new TypeError('signCustomerToken needs a tenantId and a customerId.');
  }
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  return new SignJWT({ tid: options.tenantId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.customerId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + lifetime)
    .sign(keyOf(options.secret));
}

/** A verified customer identity. */
export interface VerifiedCustomer {
  /** The customer id the tenant signed. */
  customerId: string;
  /** When the proof stops being valid; absent for HMAC hashes, which do not expire. */
  expiresAt?: Date;
}

/**
 * Verifies a customer identity token from {@link signCustomerToken} (or any HS256 JWT with
 * `sub` and `exp`, signed with the tenant's identity secret). A `tid` claim, when present,
 * must be this tenant's id.
 *
 * @throws HttpError 401 `unauthorized` saying what is wrong (expired, bad signature, wrong
 *   tenant, malformed), never which secret was expected.
 */
export async function verifyCustomerToken(
  token: string,
  options: { secret: string; tenantId: string; now?: Date },
): Promise<VerifiedCustomer> {
  let payload: { sub?: unknown; tid?: unknown; exp?: unknown };
  try {
    ({ payload } = await jwtVerify(token, keyOf(options.secret), {
      algorithms: ['HS256'],
      requiredClaims: ['sub', 'exp'],
      clockTolerance: customerTokenClockTolerance,
      ...(options.now ? { currentDate: options.now } : {}),
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) {
      throw invalid(
        'The customer identity token has expired: have your backend sign a fresh one (signCustomerToken) and pass it to the widget.',
        error,
      );
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      throw invalid(
        `The customer identity token is missing a claim or has a wrong one (${error.claim}): it needs "sub" (the customer id) and "exp".`,
        error,
      );
    }
    throw invalid(
      'The customer identity token is not valid for this tenant: sign it with HS256 and the tenant identity secret (signCustomerToken), and check that the secret was not rotated since.',
      error,
    );
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    throw invalid('The customer identity token has no customer id: set "sub" to the customer id.');
  }
  if (payload.tid !== undefined && payload.tid !== options.tenantId) {
    throw invalid(
      'The customer identity token was signed for another tenant ("tid"): sign it with this tenant id.',
    );
  }
  return {
    customerId: payload.sub,
    ...(typeof payload.exp === 'number' ? { expiresAt: new Date(payload.exp * 1000) } : {}),
  };
}

/**
 * The HMAC variant of a customer identity: hex HMAC-SHA256 of the customer id, keyed with
 * the tenant's identity secret. Send the customer id and this hash as the
 * `x-churn-customer-id` and `x-churn-customer-hash` headers. It never expires: prefer
 * {@link signCustomerToken} unless your stack cannot sign JWTs.
 *
 * @example
 * const hash = customerHash(user.id, process.env.CHURN_IDENTITY_SECRET!);
 */
export function customerHash(customerId: string, secret: string): string {
  return createHmac('sha256', secret).update(customerId, 'utf8').digest('hex');
}

/** Whether `hash` is {@link customerHash} of `customerId` with `secret`, compared in constant time. */
export function verifyCustomerHash(customerId: string, hash: string, secret: string): boolean {
  if (!/^[0-9a-f]{64}$/i.test(hash)) return false;
  const expected = Buffer.from(customerHash(customerId, secret), 'hex');
  return timingSafeEqual(expected, Buffer.from(hash.toLowerCase(), 'hex'));
}
