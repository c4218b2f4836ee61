import type { AdminUser } from '../../entities/admin-user.js';
import type { JsonObject, PageOptions } from './storage-v1.js';

/** A tenant: a company using Churn (support seed's TENANT; its `api_key` lives in `apiKeys`). */
export interface TenantRecord {
  id: string;
  name: string;
  /** Monthly usage limit. */
  usageQuota: number;
  /** Tenant-specific UI customisation (colours, logo, greeting). */
  customBranding?: JsonObject;
  createdAt: Date;
  updatedAt: Date;
}

/** What {@link TenantRepository.create} takes. `id` is generated when absent. */
export interface NewTenant {
  id?: string;
  name: string;
  /** Default 10000, as in the seed. */
  usageQuota?: number;
  customBranding?: JsonObject;
}

/** Changes to a tenant; `null` clears an optional field. */
export interface TenantChanges {
  name?: string;
  usageQuota?: number;
  customBranding?: JsonObject | null;
}

/** Tenants. Not tenant-scoped: for the platform operator and the key lookup. */
export interface TenantRepository {
  create(tenant: NewTenant): Promise<TenantRecord>;
  get(options: { tenantId: string }): Promise<TenantRecord | undefined>;
  list(options?: PageOptions): Promise<TenantRecord[]>;
  update(options: { tenantId: string; changes: TenantChanges }): Promise<TenantRecord>;
  /** Deletes the tenant and, by cascade, every row it owns. */
  delete(options: { tenantId: string }): Promise<boolean>;
}

/** Who may use an API key: `secret` keys stay on servers, `publishable` ones go in the widget. */
export type ApiKeyScope = 'secret' | 'publishable';

/**
 * An API key of a tenant. Only a hash of the key is stored (never the key), plus a
 * visible prefix (`sk_live_4f2a…`) so operators can tell keys apart.
 */
export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  name?: string;
  scope: ApiKeyScope;
  /** The first characters of the key, shown in the console. */
  prefix: string;
  /** A hash of the whole key (for example SHA-256, hex): the lookup key. */
  keyHash: string;
  createdAt: Date;
  lastUsedAt?: Date;
  revokedAt?: Date;
}

/** What {@link ApiKeyRepository.create} takes: hash the key before storing it. */
export interface NewApiKey {
  id?: string;
  tenantId: string;
  name?: string;
  scope: ApiKeyScope;
  prefix: string;
  keyHash: string;
}

/** API keys (the seed's `tenants.api_key`, as a table: several keys per tenant, revocable). */
export interface ApiKeyRepository {
  create(apiKey: NewApiKey): Promise<ApiKeyRecord>;
  get(options: { tenantId: string; id: string }): Promise<ApiKeyRecord | undefined>;
  /** The key with this hash, unless revoked. Not tenant-scoped: this is how a request finds its tenant. */
  findActiveByHash(options: { keyHash: string }): Promise<ApiKeyRecord | undefined>;
  list(
    options: { tenantId: string; includeRevoked?: boolean } & PageOptions,
  ): Promise<ApiKeyRecord[]>;
  /** Records a use of the key (`at` defaults to now). */
  markUsed(options: { tenantId: string; id: string; at?: Date }): Promise<void>;
  /** Revokes the key (idempotent: the first revocation time is kept). */
  revoke(options: { tenantId: string; id: string; at?: Date }): Promise<ApiKeyRecord>;
  delete(options: { tenantId: string; id: string }): Promise<boolean>;
}

/** An operator of a tenant: the core `AdminUser` plus its password hash and timestamps. */
export interface AdminUserRecord extends AdminUser {
  /** A password hash (scrypt, argon2...) or absent for single sign-on users. */
  passwordHash?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** What {@link AdminUserRepository.create} takes. Emails are unique per tenant, ignoring case. */
export interface NewAdminUser {
  id?: string;
  tenantId: string;
  name: string;
  email: string;
  role: AdminUser['role'];
  passwordHash?: string;
  lastLoginTime?: Date;
}

/** Changes to an admin user; `null` clears an optional field. */
export interface AdminUserChanges {
  name?: string;
  email?: string;
  role?: AdminUser['role'];
  passwordHash?: string | null;
  lastLoginTime?: Date | null;
}

/** Operators of a tenant. */
export interface AdminUserRepository {
  create(adminUser: NewAdminUser): Promise<AdminUserRecord>;
  get(options: { tenantId: string; id: string }): Promise<AdminUserRecord | undefined>;
  /** By email, ignoring letter case. */
  findByEmail(options: { tenantId: string; email: string }): Promise<AdminUserRecord | undefined>;
  list(options: { tenantId: string } & PageOptions): Promise<AdminUserRecord[]>;
  update(options: {
    tenantId: string;
    id: string;
    changes: AdminUserChanges;
  }): Promise<AdminUserRecord>;
  delete(options: { tenantId: string; id: string }): Promise<boolean>;
}
