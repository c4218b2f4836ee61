import type { StorageV1 } from '@churn/core';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { HttpError } from '../http/http-error.js';
import type { RouteContext } from '../http/router.js';
import { tenantAccessStoreOf } from '../storage/tenant-access-repositories.js';
import { verifyAdminAccessToken } from './admin-token.js';
import { apiKeyScopeOf, hashApiKey } from './api-key.js';
import { findUsableApiKey, noteApiKeyUsed } from './api-key-cache.js';
import { verifyCustomerHash, verifyCustomerToken } from './customer-token.js';
import type { Principal, PublishableKeyPrincipal } from './principal.js';
import { secretsEqual } from './secret-compare.js';
import { resolveServerSecret } from './server-secret.js';

/** The header carrying a customer identity token (JWT) from the widget. */
export const customerTokenHeader = 'x-churn-customer-token';
/** The header carrying the customer id of the HMAC variant. */
export const customerIdHeader = 'x-churn-customer-id';
/** The header carrying `customerHash(customerId, identitySecret)` of the HMAC variant. */
export const customerHashHeader = 'x-churn-customer-hash';
/** The header carrying the widget's anonymous visitor id (not a proof of anything). */
export const visitorIdHeader = 'x-churn-visitor-id';

/** `lastUsedAt` of an API key is written at most this often (one write a minute, not one a request). */
const markUsedEveryMs = 60_000;

/** Settings of {@link authenticate}. */
export interface AuthenticateOptions {
  storage: StorageV1;
  /** The platform operator's key (option `platformKey` or env `CHURN_PLATFORM_KEY`). */
  platformKey?: string | undefined;
  /** The server secret admin tokens are signed with, or a function that resolves it. */
  secret?: string | (() => Promise<string>) | undefined;
  /** The time to check expiries against. Default now. */
  now?: Date;
}

function unauthorized(message: string): HttpError {
  return new HttpError(401, 'unauthorized', message, {
    headers: { 'www-authenticate': 'Bearer realm="churn"' },
  });
}

/** The bearer token of `Authorization: Bearer <token>`, or `undefined` without one. */
export function bearerToken(request: Request): string | undefined {
  const header = request.headers.get('authorization');
  if (header === null) return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match) {
    throw unauthorized(
      'The Authorization header must be "Bearer <key or token>": a publishable key (pk_live_...), a secret key (sk_live_...) or an admin access token.',
    );
  }
  return match[1];
}

function requestHosts(request: Request): Set<string> {
  const hosts = new Set<string>();
  const url = new URL(request.url);
  hosts.add(url.host.toLowerCase());
  const host = request.headers.get('host');
  if (host) hosts.add(host.toLowerCase());
  for (const forwarded of (request.headers.get('x-forwarded-host') ?? '').split(',')) {
    if (forwarded.trim() !== '') hosts.add(forwarded.trim().toLowerCase());
  }
  return hosts;
}

/**
 * The `Origin` of a browser request made from another site, or `undefined` for requests
 * without one (servers, curl) and same-origin requests. The origin `null` (sandboxed
 * frames, file pages) counts as another site.
 */
export function crossOrigin(request: Request): string | undefined {
  const origin = request.headers.get('origin');
  if (origin === null) return undefined;
  let host: string;
  try {
    host = new URL(origin).host.toLowerCase();
  } catch {
    return origin;
  }
  return requestHosts(request).has(host) ? undefined : origin;
}

function refuseBrowser(request: Request, what: string): void {
  const origin = crossOrigin(request);
  if (origin === undefined) return;
  throw new HttpError(
    403,
    'forbidden',
    `${what} must not be used from a web page (this request came from ${origin.slice(0, 200)}): keep it on your server. Pages use the publishable key (pk_live_...).`,
  );
}

async function customerOf(
  request: Request,
  options: { storage: StorageV1; tenantId: string; now: Date | undefined },
): Promise<{ id: string } | undefined> {
  const token = request.headers.get(customerTokenHeader);
  const customerId = request.headers.get(customerIdHeader);
  const hash = request.headers.get(customerHashHeader);
  if (token === null && customerId === null && hash === null) return undefined;
  const settings = await tenantAccessStoreOf(options.storage).getSettings({
    tenantId: options.tenantId,
  });
  const secret = settings?.identitySecret;
  if (!secret) {
    throw unauthorized(
      'This tenant has no identity secret yet, so customer identities cannot be verified: create one with POST /api/tenant/identity-secret/rotate and sign tokens with it.',
    );
  }
  if (token !== null) {
    const verified = await verifyCustomerToken(token, {
      secret,
      tenantId: options.tenantId,
      ...(options.now ? { now: options.now } : {}),
    });
    return { id: verified.customerId };
  }
  if (customerId === null || hash === null || customerId === '') {
    throw unauthorized(
      `The HMAC identity needs both headers: ${customerIdHeader} (the customer id) and ${customerHashHeader} (customerHash(customerId, identitySecret)).`,
    );
  }
  if (!verifyCustomerHash(customerId, hash, secret)) {
    throw unauthorized(
      `${customerHashHeader} does not match ${customerIdHeader}: compute it with customerHash(customerId, identitySecret) on your server, with the current identity secret.`,
    );
  }
  return { id: customerId };
}

function visitorIdOf(request: Request): string | undefined {
  const visitorId = request.headers.get(visitorIdHeader);
  if (visitorId === null) return undefined;
  if (!/^[A-Za-z0-9_-]{8,128}$/.test(visitorId)) {
    throw new HttpError(
      400,
      'validation_failed',
      `${visitorIdHeader} must be 8 to 128 letters, digits, "_" or "-" (a random id the widget keeps).`,
    );
  }
  return visitorId;
}

/**
 * Establishes who is calling from `Authorization: Bearer <credential>`:
 *
 * - the platform key → `{ kind: 'platform' }`;
 * - a secret key `sk_live_...` → `{ kind: 'secret', tenantId }` (refused from web pages);
 * - a publishable key `pk_live_...` → `{ kind: 'publishable', tenantId }`, only from the
 *   tenant's allowed origins when the request has an `Origin`; with a verified customer
 *   when it carries `x-churn-customer-token` (a JWT) or `x-churn-customer-id` +
 *   `x-churn-customer-hash` (HMAC), anonymous without them;
 * - an admin access token (JWT) → `{ kind: 'admin', tenantId, adminUserId, role }`, with
 *   the user's current role; refused once its session is signed out.
 *
 * @throws HttpError 401 `unauthorized` for a missing, unknown, revoked, expired or forged
 *   credential or customer proof; 403 `forbidden` for a secret credential sent from a web
 *   page, or a publishable key used from an origin the tenant does not allow.
 */
export async function authenticate(
  request: Request,
  options: AuthenticateOptions,
): Promise<Principal> {
  const token = bearerToken(request);
  if (token === undefined) {
    throw unauthorized(
      'This route needs credentials: send "Authorization: Bearer <key or token>" with a publishable key (pk_live_...) from the widget, a secret key (sk_live_...) from your server, or an admin access token from POST /api/auth/sign-in.',
    );
  }
  const now = options.now;

  if (options.platformKey && secretsEqual(token, options.platformKey)) {
    refuseBrowser(request, 'The platform key');
    return { kind: 'platform' };
  }

  const scope = apiKeyScopeOf(token);
  if (scope !== undefined) {
    const access = tenantAccessStoreOf(options.storage);
    const keyHash = hashApiKey(token);
    const key = await findUsableApiKey(options.storage, { keyHash, now: now ?? new Date() });
    if (!key || key.scope !== scope) {
      throw unauthorized(
        'The API key is not valid: it was revoked, rotated or never existed. Create a new key with POST /api/keys or `churn keys create`.',
      );
    }
    const usedAt = now ?? new Date();
    if (!key.lastUsedAt || usedAt.getTime() - key.lastUsedAt.getTime() > markUsedEveryMs) {
      noteApiKeyUsed(options.storage, keyHash, usedAt);
      await options.storage.apiKeys
        .markUsed({ tenantId: key.tenantId, id: key.id, at: usedAt })
        .catch(() => undefined);
    }
    if (scope === 'secret') {
      refuseBrowser(request, 'A secret key (sk_live_...)');
      return { kind: 'secret', tenantId: key.tenantId, apiKeyId: key.id };
    }
    const origin = request.headers.get('origin');
    if (origin !== null && crossOrigin(request) !== undefined) {
      const settings = await access.getSettings({ tenantId: key.tenantId });
      if (!settings?.allowedOrigins.includes(origin)) {
        throw new HttpError(
          403,
          'forbidden',
          `The origin ${origin.slice(0, 200)} may not use this tenant's widget: add it to the allowed origins (PATCH /api/tenant with {"allowedOrigins": [...]}, or \`churn tenants update --allowed-origin\`).`,
        );
      }
    }
    const customer = await customerOf(request, {
      storage: options.storage,
      tenantId: key.tenantId,
      now,
    });
    const visitorId = visitorIdOf(request);
    const principal: PublishableKeyPrincipal = {
      kind: 'publishable',
      tenantId: key.tenantId,
      apiKeyId: key.id,
      ...(customer ? { customer } : {}),
      ...(visitorId ? { visitorId } : {}),
    };
    return principal;
  }

  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token) && options.secret) {
    const secret = typeof options.secret === 'string' ? options.secret : await options.secret();
    const claims = await verifyAdminAccessToken(token, { secret, ...(now ? { now } : {}) });
    const session = await tenantAccessStoreOf(options.storage).findActiveAdminSession({
      tenantId: claims.tenantId,
      adminUserId: claims.adminUserId,
      id: claims.sessionId,
      now: now ?? new Date(),
    });
    if (!session) {
      throw unauthorized(
        'This admin session has ended (signed out, password changed or user removed): sign in again with POST /api/auth/sign-in.',
      );
    }
    refuseBrowserForAdmin(request);
    return {
      kind: 'admin',
      tenantId: claims.tenantId,
      adminUserId: claims.adminUserId,
      role: session.role as typeof claims.role,
    };
  }

  throw unauthorized(
    'The bearer token is not a valid API key or admin access token: check the Authorization header ("Bearer <key or token>").',
  );
}

function refuseBrowserForAdmin(request: Request): void {
  const origin = crossOrigin(request);
  if (origin === undefined) return;
  throw new HttpError(
    403,
    'forbidden',
    `Admin access tokens are accepted from the console's own origin only (this request came from ${origin.slice(0, 200)}): serve the console from the same origin as the API, or call through your server.`,
  );
}

const secrets = new WeakMap<ChurnHandlerState, Promise<string>>();

/**
 * The server secret of a handler: `state.secret` (option `secret` / env `CHURN_SECRET`),
 * else the one kept in the data folder (generated on first use).
 */
export function serverSecretOf(state: ChurnHandlerState): Promise<string> {
  let secret = secrets.get(state);
  if (!secret) {
    secret = resolveServerSecret({ secret: state.secret, dataDir: state.dataDir });
    secret.catch(() => secrets.delete(state));
    secrets.set(state, secret);
  }
  return secret;
}

/** {@link authenticate} with a route's request and the handler's storage, platform key and secret. */
export async function authenticateRoute(
  context: RouteContext<ChurnHandlerState>,
): Promise<Principal> {
  const { storage } = await context.state.services.load();
  return authenticate(context.request, {
    storage,
    platformKey: context.state.platformKey,
    secret: () => serverSecretOf(context.state),
  });
}
