import type { StorageV1 } from '@churn/core';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { HttpError } from '../http/http-error.js';
import type { RouteContext } from '../http/router.js';
import { authenticateRoute } from '../identity/authenticate.js';
import type { Principal } from '../identity/principal.js';
import { checkAndCountUsage } from '../tenants/usage-quota.js';

/** Establishes who is calling from a request's credentials (throws 401 when it cannot). */
export type ChatAuthenticator = (context: RouteContext<ChurnHandlerState>) => Promise<Principal>;

/**
 * Counts one chat turn against the tenant's monthly quota; throws `quota_exceeded` (429)
 * when the quota is used up.
 */
export type ChatUsageCounter = (options: { storage: StorageV1; tenantId: string }) => Promise<void>;

/** A principal that belongs to a tenant (every one but the platform operator). */
export type TenantPrincipal = Exclude<Principal, { kind: 'platform' }>;

/**
 * The default authenticator: the identity module's `authenticate` (publishable key with an
 * optional customer token or HMAC, visitor id header; secret key; admin token).
 */
export const defaultChatAuthenticator: ChatAuthenticator = (context) => authenticateRoute(context);

/** The default usage counter: the tenants module's monthly quota (one turn per message). */
export const defaultChatUsageCounter: ChatUsageCounter = async (options) => {
  await checkAndCountUsage(options);
};

/**
 * The one place the chat API authenticates a request: a principal of a tenant, or 401/403.
 * The platform operator has no tenant, so it cannot chat.
 */
export async function authenticateChatRequest(
  context: RouteContext<ChurnHandlerState>,
  authenticate: ChatAuthenticator,
): Promise<TenantPrincipal> {
  const principal = await authenticate(context);
  if (principal.kind === 'platform') {
    throw new HttpError(
      403,
      'forbidden',
      'The platform key administers tenants; chat with a tenant key (publishable or secret).',
    );
  }
  return principal;
}
