import type {
  AdminUserRecord,
  AdminUserRepository,
  ApiKeyRecord,
  ApiKeyRepository,
  ApiKeyScope,
  TenantRecord,
  TenantRepository,
} from '@churn/core';
import { type Kysely, type Selectable, sql } from 'kysely';
import { markChanged } from './cached-reads.js';
import type { AdminUsersTable, ApiKeysTable, Database, TenantsTable } from './database.js';
import {
  compact,
  fromJson,
  guarded,
  type JsonObject,
  newId,
  notFound,
  optional,
  page,
  toJson,
} from './storage-helpers.js';
import { tenantRows } from './tenant-rows.js';

function toTenant(row: Selectable<TenantsTable>): TenantRecord {
  return compact({
    id: row.id,
    name: row.name,
    usageQuota: row.usage_quota,
    customBranding:
      row.custom_branding === null ? undefined : fromJson<JsonObject>(row.custom_branding),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

/** Tenants over Kysely. */
export function createTenantRepository(db: Kysely<Database>): TenantRepository {
  return guarded<TenantRepository>({
    async create(tenant) {
      const row = await db
        .insertInto('tenants')
        .values({
          id: tenant.id ?? newId(),
          name: tenant.name,
          usage_quota: tenant.usageQuota,
          custom_branding:
            tenant.customBranding === undefined ? null : toJson(tenant.customBranding),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toTenant(row);
    },
    async get({ tenantId }) {
      const row = await db
        .selectFrom('tenants')
        .selectAll()
        .where('id', '=', tenantId)
        .executeTakeFirst();
      return row ? toTenant(row) : undefined;
    },
    async list(options = {}) {
      const { limit, offset } = page(options);
      const rows = await db
        .selectFrom('tenants')
        .selectAll()
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map(toTenant);
    },
    async update({ tenantId, changes }) {
      const row = await db
        .updateTable('tenants')
        .set(
          compact({
            name: changes.name,
            usage_quota: changes.usageQuota,
            custom_branding:
              changes.customBranding === undefined
                ? undefined
                : changes.customBranding === null
                  ? null
                  : toJson(changes.customBranding),
            updated_at: sql<Date>`now()`,
          }),
        )
        .where('id', '=', tenantId)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw notFound('tenant', tenantId);
      return toTenant(row);
    },
    async delete({ tenantId }) {
      markChanged('api-keys', tenantId);
      markChanged('ab-tests', tenantId);
      const result = await db.deleteFrom('tenants').where('id', '=', tenantId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  });
}

function toApiKey(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return compact({
    id: row.id,
    tenantId: row.tenant_id,
    name: optional(row.name),
    scope: row.scope as ApiKeyScope,
    prefix: row.prefix,
    keyHash: row.key_hash,
    createdAt: row.created_at,
    lastUsedAt: optional(row.last_used_at),
    revokedAt: optional(row.revoked_at),
  });
}

/** API keys over Kysely. */
export function createApiKeyRepository(db: Kysely<Database>): ApiKeyRepository {
  const rows = tenantRows(db, 'api_keys', toApiKey);
  return guarded<ApiKeyRepository>({
    async create(apiKey) {
      return rows.insert({
        id: apiKey.id ?? newId(),
        tenant_id: apiKey.tenantId,
        name: apiKey.name ?? null,
        scope: apiKey.scope,
        prefix: apiKey.prefix,
        key_hash: apiKey.keyHash,
      });
    },
    get: rows.get,
    async findActiveByHash({ keyHash }) {
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('key_hash', '=', keyHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return row ? toApiKey(row) : undefined;
    },
    async list(options) {
      return rows.list(options, (query) => {
        let filtered = query;
        if (!options.includeRevoked) filtered = filtered.where('revoked_at', 'is', null);
        return filtered.orderBy('created_at').orderBy('id');
      });
    },
    async markUsed({ tenantId, id, at }) {
      const result = await db
        .updateTable('api_keys')
        .set({ last_used_at: at ?? new Date() })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw notFound('API key', id);
    },
    async revoke({ tenantId, id, at }) {
      markChanged('api-keys', tenantId);
      return rows.update(
        { tenantId, id },
        { revoked_at: sql<Date>`coalesce(revoked_at, ${at ?? new Date()})` },
        'API key',
      );
    },
    async delete(key) {
      markChanged('api-keys', key.tenantId);
      return rows.remove(key);
    },
  });
}

function toAdminUser(row: Selectable<AdminUsersTable>): AdminUserRecord {
  return compact({
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    email: row.email,
    role: row.role as AdminUserRecord['role'],
    passwordHash: optional(row.password_hash),
    lastLoginTime: optional(row.last_login_time),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

/** Admin users over Kysely. */
export function createAdminUserRepository(db: Kysely<Database>): AdminUserRepository {
  const rows = tenantRows(db, 'admin_users', toAdminUser);
  return guarded<AdminUserRepository>({
    async create(adminUser) {
      return rows.insert({
        id: adminUser.id ?? newId(),
        tenant_id: adminUser.tenantId,
        name: adminUser.name,
        email: adminUser.email,
        role: adminUser.role,
        password_hash: adminUser.passwordHash ?? null,
        last_login_time: adminUser.lastLoginTime ?? null,
      });
    },
    get: rows.get,
    async findByEmail({ tenantId, email }) {
      const row = await db
        .selectFrom('admin_users')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where(sql`lower(email)`, '=', email.toLowerCase())
        .executeTakeFirst();
      return row ? toAdminUser(row) : undefined;
    },
    async list(options) {
      return rows.list(options, (query) => query.orderBy('created_at').orderBy('id'));
    },
    async update({ tenantId, id, changes }) {
      return rows.update(
        { tenantId, id },
        compact({
          name: changes.name,
          email: changes.email,
          role: changes.role,
          password_hash: changes.passwordHash,
          last_login_time: changes.lastLoginTime,
          updated_at: sql<Date>`now()`,
        }),
        'admin user',
      );
    },
    delete: rows.remove,
  });
}
