import { type Kysely, sql } from 'kysely';

/**
 * Migration 005: what integrations, their delivery outbox and retention need.
 *
 * - `integrations.webhook_url` may hold an encrypted value (`enc:v1:...`, AES-256-GCM):
 *   Slack and Discord webhook URLs carry their token in the path. `name` and
 *   `signing_secret` (encrypted; signs generic webhooks) are added.
 * - `integration_deliveries`: the durable outbox, one row per delivery of an escalation (or a
 *   test) to one integration, retried with backoff and dead-lettered after `max_attempts`.
 *   At most one row per escalation and integration.
 * - `retention_policies`: a tenant's retention periods (absent row: the seed's defaults).
 *
 * Every new row belongs to a tenant and goes when the tenant goes (`ON DELETE CASCADE`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('integrations')
    .dropConstraint('integrations_webhook_url_check')
    .execute();
  await db.schema
    .alterTable('integrations')
    .addCheckConstraint(
      'integrations_webhook_url_check',
      sql`(webhook_url is null
          or (webhook_url ~ '^https?://[^[:space:]]+$' and length(webhook_url) <= 500)
          or (webhook_url like 'enc:v1:%' and length(webhook_url) <= 2000))
        and (platform <> 'webhook' or webhook_url is not null)`,
    )
    .execute();
  await db.schema
    .alterTable('integrations')
    .addColumn('name', 'text')
    .addColumn('signing_secret', 'text')
    .execute();
  await db.schema
    .alterTable('integrations')
    .addCheckConstraint(
      'integrations_name_check',
      sql`name is null or (length(btrim(name)) > 0 and length(name) <= 100)`,
    )
    .execute();

  await db.schema
    .createTable('integration_deliveries')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('integration_id', 'text', (column) => column.notNull())
    .addColumn('escalation_id', 'text')
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('payload', 'jsonb')
    .addColumn('status', 'text', (column) => column.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (column) => column.notNull())
    .addColumn('next_attempt_at', 'timestamptz', (column) => column.notNull())
    .addColumn('locked_until', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('last_status_code', 'integer')
    .addColumn('ticket_id', 'text')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    .addColumn('delivered_at', 'timestamptz')
    .addForeignKeyConstraint(
      'integration_deliveries_tenant_fkey',
      ['tenant_id'],
      'tenants',
      ['id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'integration_deliveries_integration_fkey',
      ['tenant_id', 'integration_id'],
      'integrations',
      ['tenant_id', 'id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'integration_deliveries_escalation_fkey',
      ['tenant_id', 'escalation_id'],
      'escalations',
      ['tenant_id', 'id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addCheckConstraint(
      'integration_deliveries_kind_check',
      sql`kind in ('escalation', 'test') and (kind <> 'escalation' or escalation_id is not null)`,
    )
    .addCheckConstraint(
      'integration_deliveries_status_check',
      sql`status in ('pending', 'processing', 'delivered', 'dead')`,
    )
    .addCheckConstraint(
      'integration_deliveries_attempts_check',
      sql`attempts >= 0 and max_attempts between 1 and 100`,
    )
    .addUniqueConstraint('integration_deliveries_escalation_key', [
      'integration_id',
      'escalation_id',
    ])
    .execute();
  await db.schema
    .createIndex('idx_integration_deliveries_due')
    .on('integration_deliveries')
    .columns(['next_attempt_at'])
    .where(sql.ref('status'), 'in', sql`('pending', 'processing')`)
    .execute();
  await db.schema
    .createIndex('idx_integration_deliveries_integration')
    .on('integration_deliveries')
    .columns(['tenant_id', 'integration_id', 'created_at desc'])
    .execute();

  await db.schema
    .createTable('retention_policies')
    .addColumn('tenant_id', 'text', (column) =>
      column.primaryKey().references('tenants.id').onDelete('cascade'),
    )
    .addColumn('active_conversation_days', 'integer', (column) => column.notNull())
    .addColumn('closed_conversation_days', 'integer', (column) => column.notNull())
    .addColumn('analytics_days', 'integer', (column) => column.notNull())
    .addColumn('feedback_days', 'integer', (column) => column.notNull())
    .addColumn('ab_test_days', 'integer', (column) => column.notNull())
    .addColumn('delivery_log_days', 'integer', (column) => column.notNull())
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'retention_policies_days_check',
      sql`active_conversation_days between 1 and 36500 and closed_conversation_days between 1 and 36500
        and analytics_days between 1 and 36500 and feedback_days between 1 and 36500
        and ab_test_days between 1 and 36500 and delivery_log_days between 1 and 36500`,
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('retention_policies').execute();
  await db.schema.dropTable('integration_deliveries').execute();
  await db.schema.alterTable('integrations').dropConstraint('integrations_name_check').execute();
  await db.schema
    .alterTable('integrations')
    .dropColumn('name')
    .dropColumn('signing_secret')
    .execute();
  await db.schema
    .alterTable('integrations')
    .dropConstraint('integrations_webhook_url_check')
    .execute();
  await db.schema
    .alterTable('integrations')
    .addCheckConstraint(
      'integrations_webhook_url_check',
      sql`(webhook_url is null or (webhook_url ~ '^https?://[^[:space:]]+$' and length(webhook_url) <= 500))
        and (platform <> 'webhook' or webhook_url is not null)`,
    )
    .execute();
}
