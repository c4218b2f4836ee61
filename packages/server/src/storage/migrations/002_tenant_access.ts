import { type Kysely, sql } from 'kysely';

/**
 * Migration 002: what tenant administration and identity need beyond 001.
 *
 * - `tenants.allowed_origins`: origins allowed to embed the widget (CORS), a JSON array.
 * - `tenants.identity_secret`: the secret a tenant's backend signs customer identity tokens
 *   with (HMAC or JWT HS256). It has to be readable to verify signatures, so it is stored as
 *   is; see docs/security.md.
 * - `usage_counters`: chat turns per tenant per calendar month (UTC), for the usage quota.
 * - `admin_sessions`: one row per admin sign-in, holding a hash of the refresh token.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('tenants')
    .addColumn('allowed_origins', 'jsonb', (column) => column.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('identity_secret', 'text')
    .execute();
  await db.schema
    .alterTable('tenants')
    .addCheckConstraint(
      'tenants_allowed_origins_check',
      sql`jsonb_typeof(allowed_origins) = 'array'`,
    )
    .execute();
  await db.schema
    .alterTable('tenants')
    .addCheckConstraint(
      'tenants_identity_secret_check',
      sql`identity_secret is null or length(identity_secret) >= 32`,
    )
    .execute();

  await db.schema
    .createTable('usage_counters')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('period_start', 'timestamptz', (column) => column.notNull())
    .addColumn('turns', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('usage_counters_pkey', ['tenant_id', 'period_start'])
    .addForeignKeyConstraint(
      'usage_counters_tenant_fkey',
      ['tenant_id'],
      'tenants',
      ['id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addCheckConstraint('usage_counters_turns_check', sql`turns >= 0`)
    .execute();

  await db.schema
    .createTable('admin_sessions')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('admin_user_id', 'text', (column) => column.notNull())
    .addColumn('token_hash', 'text', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (column) => column.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .addForeignKeyConstraint(
      'admin_sessions_tenant_fkey',
      ['tenant_id'],
      'tenants',
      ['id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'admin_sessions_admin_user_fkey',
      ['tenant_id', 'admin_user_id'],
      'admin_users',
      ['tenant_id', 'id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addUniqueConstraint('admin_sessions_token_hash_key', ['token_hash'])
    .addCheckConstraint('admin_sessions_token_hash_check', sql`length(token_hash) >= 32`)
    .execute();
  await db.schema
    .createIndex('idx_admin_sessions_user')
    .on('admin_sessions')
    .columns(['tenant_id', 'admin_user_id'])
    .execute();
  await db.schema
    .createIndex('idx_admin_sessions_expires_at')
    .on('admin_sessions')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('admin_sessions').ifExists().execute();
  await db.schema.dropTable('usage_counters').ifExists().execute();
  await db.schema
    .alterTable('tenants')
    .dropColumn('identity_secret')
    .dropColumn('allowed_origins')
    .execute();
}
