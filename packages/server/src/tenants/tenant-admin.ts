import { randomBytes } from 'node:crypto';
import type {
  AdminUserRecord,
  ApiKeyRecord,
  ApiKeyScope,
  StorageV1,
  TenantRecord,
} from '@churn/core';
import { HttpError } from '../http/http-error.js';
import { generateApiKey } from '../identity/api-key.js';

type JsonObject = NonNullable<TenantRecord['customBranding']>;

import { hashPassword } from '../identity/password-hash.js';
import {
  type TenantAccessSettings,
  tenantAccessStoreOf,
  tenantAccessTransaction,
} from '../storage/tenant-access-repositories.js';
import type { CreateTenantInput, UpdateTenantInput } from './tenant-schemas.js';

/** A tenant as the API shows it: settings, never secrets. */
export interface TenantView {
  id: string;
  name: string;
  usageQuota: number;
  customBranding?: JsonObject;
  allowedOrigins: string[];
  /** Whether customer identity tokens can be verified (an identity secret is set). */
  hasIdentitySecret: boolean;
  createdAt: string;
  updatedAt: string;
}

/** An API key as the API shows it: its prefix, never the key or its hash. */
export interface ApiKeyView {
  id: string;
  name?: string;
  scope: ApiKeyScope;
  /** The visible start of the key, like `sk_live_4f2aQx`. */
  prefix: string;
  /** `active`, `expiring` (revocation scheduled by a rotation) or `revoked`. */
  status: 'active' | 'expiring' | 'revoked';
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

/** A key just created: `key` is shown this once and cannot be read again. */
export interface RevealedApiKey {
  apiKey: ApiKeyView;
  key: string;
}

/** An admin user as the API shows it (no password hash). */
export interface AdminUserView {
  id: string;
  tenantId: string;
  name: string;
  email: string;
  role: AdminUserRecord['role'];
  hasPassword: boolean;
  lastLoginTime?: string;
  createdAt: string;
  updatedAt: string;
}

/** What creating a tenant reveals, once. */
export interface CreatedTenant {
  tenant: TenantView;
  /** For the tenant's servers. */
  secretKey: RevealedApiKey;
  /** For the widget. */
  publishableKey: RevealedApiKey;
  /** Signs customer identity tokens on the tenant's backend. */
  identitySecret: string;
  adminUser?: AdminUserView;
}

/** A new identity secret: `cis_` and 32 random bytes in base64url. */
export function generateIdentitySecret(): string {
  return `cis_${randomBytes(32).toString('base64url')}`;
}

/** The API view of a tenant. */
export function toTenantView(tenant: TenantRecord, settings: TenantAccessSettings): TenantView {
  return {
    id: tenant.id,
    name: tenant.name,
    usageQuota: tenant.usageQuota,
    ...(tenant.customBranding ? { customBranding: tenant.customBranding } : {}),
    allowedOrigins: settings.allowedOrigins,
    hasIdentitySecret: settings.identitySecret !== undefined,
    createdAt: tenant.createdAt.toISOString(),
    updatedAt: tenant.updatedAt.toISOString(),
  };
}

/** The API view of an API key at `now`. */
export function toApiKeyView(key: ApiKeyRecord, now: Date = new Date()): ApiKeyView {
  const status =
    key.revokedAt === undefined ? 'active' : key.revokedAt > now ? 'expiring' : 'revoked';
  return {
    id: key.id,
    ...(key.name ? { name: key.name } : {}),
    scope: key.scope,
    prefix: key.prefix,
    status,
    createdAt: key.createdAt.toISOString(),
    ...(key.lastUsedAt ? { lastUsedAt: key.lastUsedAt.toISOString() } : {}),
    ...(key.revokedAt ? { revokedAt: key.revokedAt.toISOString() } : {}),
  };
}

/** The API view of an admin user. */
export function toAdminUserView(user: AdminUserRecord): AdminUserView {
  return {
    id: user.id,
    tenantId: user.tenantId,
    name: user.name,
    email: user.email,
    role: user.role,
    hasPassword: user.passwordHash !== undefined,
    ...(user.lastLoginTime ? { lastLoginTime: user.lastLoginTime.toISOString() } : {}),
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

function tenantNotFound(tenantId: string): HttpError {
  return new HttpError(
    404,
    'not_found',
    `No tenant "${tenantId}": check the id (GET /api/tenants or \`churn tenants list\`).`,
  );
}

/**
 * Creates a tenant with a secret key, a publishable key and an identity secret (and its
 * first admin user when `admin` is given), in one transaction. The keys and the secret
 * are in the answer only: store them now.
 */
export async function createTenant(
  storage: StorageV1,
  input: CreateTenantInput,
): Promise<CreatedTenant> {
  const secret = generateApiKey('secret');
  const publishable = generateApiKey('publishable');
  const identitySecret = generateIdentitySecret();
  const passwordHash = input.admin?.password ? await hashPassword(input.admin.password) : undefined;
  return tenantAccessTransaction(storage, async ({ tenants, apiKeys, adminUsers, access }) => {
    const tenant = await tenants.create({
      ...(input.id ? { id: input.id } : {}),
      name: input.name,
      ...(input.usageQuota === undefined ? {} : { usageQuota: input.usageQuota }),
      ...(input.customBranding ? { customBranding: input.customBranding as JsonObject } : {}),
    });
    const settings = await access.updateSettings({
      tenantId: tenant.id,
      allowedOrigins: input.allowedOrigins ?? [],
      identitySecret,
    });
    const secretKey = await apiKeys.create({
      tenantId: tenant.id,
      scope: 'secret',
      name: 'Default secret key',
      prefix: secret.prefix,
      keyHash: secret.keyHash,
    });
    const publishableKey = await apiKeys.create({
      tenantId: tenant.id,
      scope: 'publishable',
      name: 'Default publishable key',
      prefix: publishable.prefix,
      keyHash: publishable.keyHash,
    });
    const adminUser = input.admin
      ? await adminUsers.create({
          tenantId: tenant.id,
          name: input.admin.name,
          email: input.admin.email,
          role: input.admin.role,
          ...(passwordHash ? { passwordHash } : {}),
        })
      : undefined;
    const fresh = (await tenants.get({ tenantId: tenant.id })) ?? tenant;
    return {
      tenant: toTenantView(fresh, settings),
      secretKey: { apiKey: toApiKeyView(secretKey), key: secret.key },
      publishableKey: { apiKey: toApiKeyView(publishableKey), key: publishable.key },
      identitySecret,
      ...(adminUser ? { adminUser: toAdminUserView(adminUser) } : {}),
    };
  });
}

/** A tenant's view, or `undefined` when it does not exist. */
export async function findTenant(
  storage: StorageV1,
  tenantId: string,
): Promise<TenantView | undefined> {
  const [tenant, settings] = await Promise.all([
    storage.tenants.get({ tenantId }),
    tenantAccessStoreOf(storage).getSettings({ tenantId }),
  ]);
  return tenant && settings ? toTenantView(tenant, settings) : undefined;
}

/** A tenant's view. @throws HttpError 404 when it does not exist. */
export async function getTenant(storage: StorageV1, tenantId: string): Promise<TenantView> {
  const tenant = await findTenant(storage, tenantId);
  if (!tenant) throw tenantNotFound(tenantId);
  return tenant;
}

/** Tenants, oldest first. */
export async function listTenants(
  storage: StorageV1,
  page: { limit?: number; offset?: number } = {},
): Promise<TenantView[]> {
  const tenants = await storage.tenants.list(page);
  const access = tenantAccessStoreOf(storage);
  return Promise.all(
    tenants.map(async (tenant) =>
      toTenantView(
        tenant,
        (await access.getSettings({ tenantId: tenant.id })) ?? { allowedOrigins: [] },
      ),
    ),
  );
}

/** Changes a tenant's settings in one transaction. @throws HttpError 404 when it does not exist. */
export async function updateTenant(
  storage: StorageV1,
  tenantId: string,
  changes: UpdateTenantInput,
): Promise<TenantView> {
  return tenantAccessTransaction(storage, async ({ tenants, access }) => {
    const existing = await tenants.get({ tenantId });
    if (!existing) throw tenantNotFound(tenantId);
    const tenantChanges = {
      ...(changes.name === undefined ? {} : { name: changes.name }),
      ...(changes.usageQuota === undefined ? {} : { usageQuota: changes.usageQuota }),
      ...(changes.customBranding === undefined
        ? {}
        : { customBranding: changes.customBranding as JsonObject | null }),
    };
    const tenant =
      Object.keys(tenantChanges).length > 0
        ? await tenants.update({ tenantId, changes: tenantChanges })
        : existing;
    const settings =
      changes.allowedOrigins === undefined
        ? await access.getSettings({ tenantId })
        : await access.updateSettings({ tenantId, allowedOrigins: changes.allowedOrigins });
    const fresh = (await tenants.get({ tenantId })) ?? tenant;
    return toTenantView(fresh, settings ?? { allowedOrigins: [] });
  });
}

/**
 * Deletes a tenant and, by cascade, everything it owns: keys, admin users and sessions,
 * customers, conversations and messages, documents and chunks, analytics, usage counters.
 *
 * @returns whether a tenant was deleted.
 */
export async function deleteTenant(storage: StorageV1, tenantId: string): Promise<boolean> {
  return storage.tenants.delete({ tenantId });
}

/** Creates an API key; the key is in the answer only. */
export async function createApiKey(
  storage: StorageV1,
  options: { tenantId: string; scope: ApiKeyScope; name?: string | undefined },
): Promise<RevealedApiKey> {
  const generated = generateApiKey(options.scope);
  const record = await storage.apiKeys.create({
    tenantId: options.tenantId,
    scope: options.scope,
    ...(options.name ? { name: options.name } : {}),
    prefix: generated.prefix,
    keyHash: generated.keyHash,
  });
  return { apiKey: toApiKeyView(record), key: generated.key };
}

/** A tenant's API keys (with revoked ones when asked), oldest first. */
export async function listApiKeys(
  storage: StorageV1,
  options: { tenantId: string; includeRevoked?: boolean; limit?: number; offset?: number },
): Promise<ApiKeyView[]> {
  const now = new Date();
  const keys = await storage.apiKeys.list({
    tenantId: options.tenantId,
    includeRevoked: true,
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(options.offset === undefined ? {} : { offset: options.offset }),
  });
  return keys
    .map((key) => toApiKeyView(key, now))
    .filter((key) => options.includeRevoked || key.status !== 'revoked');
}

function keyNotFound(id: string): HttpError {
  return new HttpError(
    404,
    'not_found',
    `No API key "${id}" in this tenant: list the keys with GET /api/keys or \`churn keys list\`.`,
  );
}

/** Revokes an API key now (idempotent). @throws HttpError 404 for a key of no (or another) tenant. */
export async function revokeApiKey(
  storage: StorageV1,
  options: { tenantId: string; id: string; now?: Date },
): Promise<ApiKeyView> {
  const now = options.now ?? new Date();
  const existing = await storage.apiKeys.get({ tenantId: options.tenantId, id: options.id });
  if (!existing) throw keyNotFound(options.id);
  await tenantAccessStoreOf(storage).revokeApiKey({
    tenantId: options.tenantId,
    id: options.id,
    at: now,
  });
  const revoked = await storage.apiKeys.get({ tenantId: options.tenantId, id: options.id });
  return toApiKeyView(revoked ?? existing, now);
}

/**
 * Rotates an API key: a new key of the same scope and name, and the old one revoked, at
 * once or after `gracePeriodSeconds` (so servers can switch without downtime).
 *
 * @throws HttpError 404 for an unknown key, 409 for a key already revoked.
 */
export async function rotateApiKey(
  storage: StorageV1,
  options: { tenantId: string; id: string; gracePeriodSeconds?: number; now?: Date },
): Promise<{ apiKey: ApiKeyView; key: string; previous: ApiKeyView }> {
  const now = options.now ?? new Date();
  const generated = generateApiKey('secret');
  return tenantAccessTransaction(storage, async ({ apiKeys, access }) => {
    const existing = await apiKeys.get({ tenantId: options.tenantId, id: options.id });
    if (!existing) throw keyNotFound(options.id);
    if (existing.revokedAt && existing.revokedAt <= now) {
      throw new HttpError(
        409,
        'conflict',
        `API key "${options.id}" is already revoked: create a new key with POST /api/keys instead.`,
      );
    }
    const fresh = existing.scope === 'secret' ? generated : generateApiKey(existing.scope);
    const created = await apiKeys.create({
      tenantId: options.tenantId,
      scope: existing.scope,
      ...(existing.name ? { name: existing.name } : {}),
      prefix: fresh.prefix,
      keyHash: fresh.keyHash,
    });
    const revokeAt = new Date(now.getTime() + (options.gracePeriodSeconds ?? 0) * 1000);
    await access.revokeApiKey({ tenantId: options.tenantId, id: options.id, at: revokeAt });
    const previous =
      (await apiKeys.get({ tenantId: options.tenantId, id: options.id })) ?? existing;
    return {
      apiKey: toApiKeyView(created, now),
      key: fresh.key,
      previous: toApiKeyView(previous, now),
    };
  });
}

/**
 * Replaces the tenant's identity secret. Tokens and hashes signed with the old one stop
 * working at once. The new secret is in the answer only.
 */
export async function rotateIdentitySecret(
  storage: StorageV1,
  options: { tenantId: string },
): Promise<{ identitySecret: string }> {
  const identitySecret = generateIdentitySecret();
  await tenantAccessStoreOf(storage).updateSettings({
    tenantId: options.tenantId,
    identitySecret,
  });
  return { identitySecret };
}
