import type { AdminRole } from '@churn/core';

/**
 * Who is calling, as established from the request's credentials. Every route decides
 * what a principal may do; nothing tenant-scoped runs without a tenant id from here.
 */
export type Principal =
  | PublishableKeyPrincipal
  | SecretKeyPrincipal
  | AdminPrincipal
  | PlatformPrincipal;

/**
 * The widget: a tenant's publishable key (`pk_...`), maybe with a customer identity
 * token the tenant's backend signed. Without a verified customer it may only ask docs
 * questions; billing and a customer's own data need `customer`.
 */
export interface PublishableKeyPrincipal {
  kind: 'publishable';
  tenantId: string;
  apiKeyId: string;
  /** The verified end customer, when the request carried a valid identity token. */
  customer?: { id: string };
  /** A stable anonymous visitor id chosen by the widget (not a proof of anything). */
  visitorId?: string;
}

/** A tenant's own backend, with a secret key (`sk_...`): full access to that tenant. */
export interface SecretKeyPrincipal {
  kind: 'secret';
  tenantId: string;
  apiKeyId: string;
}

/** An operator signed in to the console with a short-lived token. */
export interface AdminPrincipal {
  kind: 'admin';
  tenantId: string;
  adminUserId: string;
  role: AdminRole;
}

/** The platform operator (creates and deletes tenants), with the platform key from configuration. */
export interface PlatformPrincipal {
  kind: 'platform';
}
