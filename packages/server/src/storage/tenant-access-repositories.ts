import {
  type AdminUserRepository,
  type ApiKeyRepository,
  ChurnError,
  type StorageV1,
  type TenantRepository,
} from '@churn/core';
import { type ColumnType, type Kysely, type Selectable, sql } from 'kysely';
import type { FieldEncryptor } from '../encryption/field-encryptor.js';
import { isEncryptedValue } from '../encryption/field-encryptor.js';
import { markChanged } from './cached-reads.js';
import type { Database, NullableTimestamp, TimestampWithDefault } from './database.js';
import { mapStorageError } from './map-storage-error.js';
import { guarded, newId, notFound, toJson } from './storage-helpers.js';
import {
  createAdminUserRepository,
  createApiKeyRepository,
  createTenantRepository,
} from './tenant-repositories.js';
import { tenantRows } from './tenant-rows.js';

/** The columns and tables migration `002_tenant_access` adds. */
export type TenantAccessTables = {
  tenants: {
    allowed_origins: ColumnType<string[], string | undefined, string>;
    identity_secret: string | null;
  };
  usage_counters: {
    tenant_id: string;
    period_start: Date;
    turns: ColumnType<number, number | undefined, number>;
    updated_at: TimestampWithDefault;
  };
  admin_sessions: {
    id: string;
    tenant_id: string;
    admin_user_id: string;
    token_hash: string;
    created_at: TimestampWithDefault;
    expires_at: Date;
    revoked_at: NullableTimestamp;
  };
};

/** The schema of `001_initial` plus `002_tenant_access`. */
export type TenantAccessDatabase = Database & TenantAccessTables;

/** What a tenant keeps for access control, beside its {@link TenantRecord}. */
export interface TenantAccessSettings {
  /** Origins allowed to embed the widget, like `https://shop.example.com`. */
  allowedOrigins: string[];
  /** The secret customer identity tokens are signed with; absent until one is set. */
  identitySecret?: string;
}

/** A row of `usage_counters` after counting. */
export interface UsageCount {
  /** Turns counted in the period, this one included when it was allowed. */
  used: number;
  /** The tenant's monthly quota. */
  quota: number;
  /** Whether the turn was counted (false: the quota was already used up). */
  allowed: boolean;
}

/** One admin sign-in: the refresh token's hash and its lifetime. */
export interface AdminSessionRecord {
  id: string;
  tenantId: string;
  adminUserId: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt?: Date;
}

/** An admin session joined with its user, as the access-token check needs it. */
export interface ActiveAdminSession extends AdminSessionRecord {
  role: string;
}

/**
 * Storage for tenant administration and identity (migration `002_tenant_access`): allowed
 * origins and identity secrets of tenants, API-key lookups that honour scheduled
 * revocations, monthly usage counters, and admin sessions.
 */
export interface TenantAccessStore {
  /** The access settings of a tenant, or `undefined` when the tenant does not exist. */
  getSettings(options: { tenantId: string }): Promise<TenantAccessSettings | undefined>;
  /** Changes the access settings given (`identitySecret: null` clears it). */
  updateSettings(options: {
    tenantId: string;
    allowedOrigins?: string[];
    identitySecret?: string | null;
  }): Promise<TenantAccessSettings>;
  /** Whether at least one tenant allows `origin` (for CORS preflights, which carry no key). */
  isOriginAllowedByAnyTenant(options: { origin: string }): Promise<boolean>;
  /**
   * The API key with this hash that is not revoked at `now`: a key whose revocation is
   * scheduled (a rotation's grace period) still works until then.
   */
  findUsableApiKey(options: { keyHash: string; now: Date }): Promise<
    | {
        id: string;
        tenantId: string;
        scope: string;
        lastUsedAt?: Date;
        /** A revocation scheduled after `now` (a rotation's grace period). */
        revokedAt?: Date;
      }
    | undefined
  >;
  /**
   * Revokes an API key at `at` (now or later). An earlier revocation time wins, so a key
   * revoked now stays revoked even when a later revocation was scheduled.
   */
  revokeApiKey(options: { tenantId: string; id: string; at: Date }): Promise<void>;
  /**
   * Counts `turns` chat turns for the period starting at `periodStart`, unless that would
   * pass the tenant's quota; atomic under concurrent requests. `undefined`: no such tenant.
   */
  countUsage(options: {
    tenantId: string;
    periodStart: Date;
    turns: number;
  }): Promise<UsageCount | undefined>;
  /** Turns counted in a period (0 when none). */
  getUsage(options: { tenantId: string; periodStart: Date }): Promise<number>;
  createAdminSession(options: {
    id?: string;
    tenantId: string;
    adminUserId: string;
    tokenHash: string;
    expiresAt: Date;
  }): Promise<AdminSessionRecord>;
  /** The session with this refresh-token hash, revoked or not (revoked ones reveal reuse). */
  findAdminSessionByHash(options: { tokenHash: string }): Promise<AdminSessionRecord | undefined>;
  /** The session if it is neither revoked nor expired at `now`, with its user's current role. */
  findActiveAdminSession(options: {
    tenantId: string;
    adminUserId: string;
    id: string;
    now: Date;
  }): Promise<ActiveAdminSession | undefined>;
  /** Revokes one session; answers whether this call revoked it (false: it already was). */
  revokeAdminSession(options: { tenantId: string; id: string; at: Date }): Promise<boolean>;
  /** Revokes every session of an admin user (sign out everywhere, password change). */
  revokeAdminSessions(options: { tenantId: string; adminUserId: string; at: Date }): Promise<void>;
}

function toSession(row: Selectable<TenantAccessTables['admin_sessions']>): AdminSessionRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    adminUserId: row.admin_user_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    ...(row.revoked_at ? { revokedAt: row.revoked_at } : {}),
  };
}

function toOrigins(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

/**
 * The associated data `tenants.identity_secret` is encrypted with: the column and the
 * tenant id, so a value copied to another tenant does not decrypt.
 */
export function identitySecretContext(tenantId: string): string {
  return `tenants.identity_secret:${tenantId}`;
}

const storageEncryptors = new WeakMap<object, FieldEncryptor>();

/**
 * Sets the encryptor of `tenants.identity_secret` for a storage (the handler does it with
 * its operations encryptor once the storage is open). Without one, identity secrets are
 * written in plaintext (read as legacy values; `rotateEncryption` encrypts them) and an
 * encrypted one cannot be read.
 */
export function useIdentitySecretEncryptor(storage: StorageV1, encryptor: FieldEncryptor): void {
  storageEncryptors.set(storage, encryptor);
}

/** The encryptor set with {@link useIdentitySecretEncryptor}, if any. */
export function identitySecretEncryptorOf(storage: StorageV1): FieldEncryptor | undefined {
  return storageEncryptors.get(storage);
}

/**
 * The {@link TenantAccessStore} over a Kysely handle of the Churn schema. `encryptor`
 * (answered on each use, so it can be set after the store is made) encrypts
 * `tenants.identity_secret` at rest.
 */
export function createTenantAccessStore(
  db: Kysely<Database>,
  options: { encryptor?: () => FieldEncryptor | undefined } = {},
): TenantAccessStore {
  const access = db.withTables<TenantAccessTables>();
  const sessions = tenantRows(access, 'admin_sessions', toSession);
  function sealSecret(tenantId: string, secret: string | null): string | null {
    const encryptor = options.encryptor?.();
    return secret === null || !encryptor
      ? secret
      : encryptor.encrypt(secret, identitySecretContext(tenantId));
  }
  function openSecret(tenantId: string, stored: string | null): { identitySecret?: string } {
    if (!stored) return {};
    if (!isEncryptedValue(stored)) return { identitySecret: stored };
    const encryptor = options.encryptor?.();
    if (!encryptor) {
      throw new ChurnError(
        'configuration',
        'The identity secret of this tenant is encrypted, but no encryption key is available here: open the storage through createChurnHandler (or call useIdentitySecretEncryptor) with the CHURN_ENCRYPTION_KEY it was encrypted with.',
      );
    }
    return { identitySecret: encryptor.decrypt(stored, identitySecretContext(tenantId)) };
  }
  async function getUsage(options: { tenantId: string; periodStart: Date }): Promise<number> {
    const row = await access
      .selectFrom('usage_counters')
      .select('turns')
      .where('tenant_id', '=', options.tenantId)
      .where('period_start', '=', options.periodStart)
      .executeTakeFirst();
    return row ? Number(row.turns) : 0;
  }
  return guarded<TenantAccessStore>({
    async getSettings({ tenantId }) {
      const row = await access
        .selectFrom('tenants')
        .select(['allowed_origins', 'identity_secret'])
        .where('id', '=', tenantId)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        allowedOrigins: toOrigins(row.allowed_origins),
        ...openSecret(tenantId, row.identity_secret),
      };
    },
    async updateSettings({ tenantId, allowedOrigins, identitySecret }) {
      const row = await access
        .updateTable('tenants')
        .set({
          ...(allowedOrigins === undefined ? {} : { allowed_origins: toJson(allowedOrigins) }),
          ...(identitySecret === undefined
            ? {}
            : { identity_secret: sealSecret(tenantId, identitySecret) }),
          updated_at: sql<Date>`now()`,
        })
        .where('id', '=', tenantId)
        .returning(['allowed_origins', 'identity_secret'])
        .executeTakeFirst();
      if (!row) throw notFound('tenant', tenantId);
      return {
        allowedOrigins: toOrigins(row.allowed_origins),
        ...openSecret(tenantId, row.identity_secret),
      };
    },
    async isOriginAllowedByAnyTenant({ origin }) {
      const row = await access
        .selectFrom('tenants')
        .select('id')
        .where(sql<boolean>`allowed_origins @> ${toJson([origin])}::jsonb`)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
    async findUsableApiKey({ keyHash, now }) {
      const row = await access
        .selectFrom('api_keys')
        .select(['id', 'tenant_id', 'scope', 'last_used_at', 'revoked_at'])
        .where('key_hash', '=', keyHash)
        .where((where) =>
          where.or([where('revoked_at', 'is', null), where('revoked_at', '>', now)]),
        )
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        id: row.id,
        tenantId: row.tenant_id,
        scope: row.scope,
        ...(row.last_used_at ? { lastUsedAt: row.last_used_at } : {}),
        ...(row.revoked_at ? { revokedAt: row.revoked_at } : {}),
      };
    },
    async revokeApiKey({ tenantId, id, at }) {
      markChanged('api-keys', tenantId);
      const result = await access
        .updateTable('api_keys')
        .set({
          revoked_at: sql<Date>`least(coalesce(revoked_at, ${at}::timestamptz), ${at}::timestamptz)`,
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw notFound('API key', id);
    },
    async countUsage({ tenantId, periodStart, turns }) {
      // One statement: the insert creates the month's row, the conflict branch adds to it,
      // and the `where` re-checked on the locked row keeps concurrent turns under the quota.
      const counted = await sql<{ turns: number; quota: number }>`
        insert into usage_counters as counter (tenant_id, period_start, turns)
        select tenant.id, ${periodStart}::timestamptz, ${turns}::integer
          from tenants as tenant
          where tenant.id = ${tenantId} and tenant.usage_quota >= ${turns}::integer
        on conflict (tenant_id, period_start) do update
          set turns = counter.turns + excluded.turns, updated_at = now()
          where counter.turns + excluded.turns
            <= (select usage_quota from tenants where id = counter.tenant_id)
        returning counter.turns,
          (select usage_quota from tenants where id = counter.tenant_id) as quota`.execute(access);
      const row = counted.rows[0];
      if (row) return { used: Number(row.turns), quota: Number(row.quota), allowed: true };
      const tenant = await access
        .selectFrom('tenants')
        .select('usage_quota')
        .where('id', '=', tenantId)
        .executeTakeFirst();
      if (!tenant) return undefined;
      const used = await getUsage({ tenantId, periodStart });
      return { used, quota: Number(tenant.usage_quota), allowed: false };
    },
    getUsage,
    async createAdminSession(session) {
      return sessions.insert({
        id: session.id ?? newId(),
        tenant_id: session.tenantId,
        admin_user_id: session.adminUserId,
        token_hash: session.tokenHash,
        expires_at: session.expiresAt,
      });
    },
    async findAdminSessionByHash({ tokenHash }) {
      const row = await access
        .selectFrom('admin_sessions')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row ? toSession(row) : undefined;
    },
    async findActiveAdminSession({ tenantId, adminUserId, id, now }) {
      const row = await access
        .selectFrom('admin_sessions')
        .innerJoin('admin_users', (join) =>
          join
            .onRef('admin_users.tenant_id', '=', 'admin_sessions.tenant_id')
            .onRef('admin_users.id', '=', 'admin_sessions.admin_user_id'),
        )
        .selectAll('admin_sessions')
        .select('admin_users.role')
        .where('admin_sessions.tenant_id', '=', tenantId)
        .where('admin_sessions.admin_user_id', '=', adminUserId)
        .where('admin_sessions.id', '=', id)
        .where('admin_sessions.revoked_at', 'is', null)
        .where('admin_sessions.expires_at', '>', now)
        .executeTakeFirst();
      return row ? { ...toSession(row), role: row.role } : undefined;
    },
    async revokeAdminSession({ tenantId, id, at }) {
      const result = await access
        .updateTable('admin_sessions')
        .set({ revoked_at: at })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async revokeAdminSessions({ tenantId, adminUserId, at }) {
      await access
        .updateTable('admin_sessions')
        .set({ revoked_at: at })
        .where('tenant_id', '=', tenantId)
        .where('admin_user_id', '=', adminUserId)
        .where('revoked_at', 'is', null)
        .execute();
    },
  });
}

const stores = new WeakMap<object, TenantAccessStore>();

/**
 * The {@link TenantAccessStore} of a storage opened by `@churn/server` (PostgreSQL or
 * PGlite). Tenant administration and identity need the tables of migration
 * `002_tenant_access`, which the `StorageV1` contract does not cover yet.
 *
 * @throws ChurnError `configuration` for a storage without a Kysely handle (`db`).
 */
export function tenantAccessStoreOf(storage: StorageV1): TenantAccessStore {
  const cached = stores.get(storage);
  if (cached) return cached;
  const db = (storage as { db?: { selectFrom?: unknown } }).db;
  if (typeof db?.selectFrom !== 'function') {
    throw new ChurnError(
      'configuration',
      `Tenants, API keys and sign-in need the storage of @churn/server (createStorage, createPostgresStorage or createPGliteStorage); the "${storage.provider}" storage given to createChurnHandler has no database handle.`,
    );
  }
  const store = createTenantAccessStore(db as unknown as Kysely<Database>, {
    encryptor: () => storageEncryptors.get(storage),
  });
  stores.set(storage, store);
  return store;
}

/** What {@link tenantAccessTransaction} hands its callback: one transaction's repositories. */
export interface TenantAccessRepositories {
  tenants: TenantRepository;
  apiKeys: ApiKeyRepository;
  adminUsers: AdminUserRepository;
  access: TenantAccessStore;
}

/**
 * Runs `run` in one transaction over the tenant tables and the tables of migration
 * `002_tenant_access`: everything it changes is committed together, or nothing is.
 */
export async function tenantAccessTransaction<T>(
  storage: StorageV1,
  run: (repositories: TenantAccessRepositories) => Promise<T>,
): Promise<T> {
  tenantAccessStoreOf(storage);
  const db = (storage as unknown as { db: Kysely<Database> }).db;
  try {
    return await db.transaction().execute((transaction) =>
      run({
        tenants: createTenantRepository(transaction),
        apiKeys: createApiKeyRepository(transaction),
        adminUsers: createAdminUserRepository(transaction),
        access: createTenantAccessStore(transaction, {
          encryptor: () => storageEncryptors.get(storage),
        }),
      }),
    );
  } catch (error) {
    throw ChurnError.isInstance(error) ? error : mapStorageError(error);
  }
}
