import { randomUUID } from 'node:crypto';
import { type AdminRole, adminRoles } from '@churn/core';
import { errors, jwtVerify, SignJWT } from 'jose';
import { HttpError } from '../http/http-error.js';

/** Lifetime of an admin access token: 15 minutes. */
export const adminAccessTokenSeconds = 15 * 60;
/** The `iss` of Churn's admin access tokens. */
export const adminTokenIssuer = 'churn';
/** The `aud` of Churn's admin access tokens. */
export const adminTokenAudience = 'churn-admin';

/** What an admin access token says (its claims, in words). */
export interface AdminAccessClaims {
  tenantId: string;
  adminUserId: string;
  role: AdminRole;
  /** The sign-in session it was issued for (revoked by sign-out and password changes). */
  sessionId: string;
  expiresAt: Date;
}

function keyOf(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/**
 * Signs a short-lived admin access token: a JWT (HS256, the server secret) with `sub` (the
 * admin user), `tid` (the tenant), `role`, `sid` (the session), `iss` `churn`, `aud`
 * `churn-admin` and a 15-minute `exp`.
 */
export async function signAdminAccessToken(options: {
  secret: string;
  tenantId: string;
  adminUserId: string;
  role: AdminRole;
  sessionId: string;
  now?: Date;
  expiresInSeconds?: number;
}): Promise<{ token: string; expiresAt: Date }> {
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const expiresAt = issuedAt + (options.expiresInSeconds ?? adminAccessTokenSeconds);
  const token = await new SignJWT({
    tid: options.tenantId,
    role: options.role,
    sid: options.sessionId,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(adminTokenIssuer)
    .setAudience(adminTokenAudience)
    .setSubject(options.adminUserId)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(keyOf(options.secret));
  return { token, expiresAt: new Date(expiresAt * 1000) };
}

/**
 * Verifies an admin access token from {@link signAdminAccessToken}.
 *
 * @throws HttpError 401 `unauthorized` when it is expired, forged or malformed.
 */
export async function verifyAdminAccessToken(
  token: string,
  options: { secret: string; now?: Date },
): Promise<AdminAccessClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keyOf(options.secret), {
      algorithms: ['HS256'],
      issuer: adminTokenIssuer,
      audience: adminTokenAudience,
      requiredClaims: ['sub', 'exp', 'tid', 'sid', 'role'],
      clockTolerance: 5,
      ...(options.now ? { currentDate: options.now } : {}),
    }));
  } catch (error) {
    throw new HttpError(
      401,
      'unauthorized',
      error instanceof errors.JWTExpired
        ? 'The admin access token has expired: get a new one with POST /api/auth/refresh (or sign in again).'
        : 'The bearer token is not a valid API key or admin access token: check the Authorization header ("Bearer <key or token>").',
      { cause: error },
    );
  }
  const { sub, tid, sid, role, exp } = payload;
  if (
    typeof sub !== 'string' ||
    typeof tid !== 'string' ||
    typeof sid !== 'string' ||
    typeof exp !== 'number' ||
    !adminRoles.includes(role as AdminRole)
  ) {
    throw new HttpError(401, 'unauthorized', 'The admin access token is malformed: sign in again.');
  }
  return {
    tenantId: tid,
    adminUserId: sub,
    role: role as AdminRole,
    sessionId: sid,
    expiresAt: new Date(exp * 1000),
  };
}
