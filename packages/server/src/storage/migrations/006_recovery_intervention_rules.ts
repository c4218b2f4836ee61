import { type Kysely, sql } from 'kysely';

/**
 * Migration 006: what payment recovery needs beyond 001.
 *
 * - `recovery_intervention_rules`: one row per tenant holding the rules that start a recovery
 *   conversation on their own when a webhook or the sync marks a customer at-risk (a failed
 *   payment above a value, a card expiring within N days that the card networks will likely
 *   not update), as a JSON object validated by the server (`PUT /api/intervention-rules`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('recovery_intervention_rules')
    .addColumn('tenant_id', 'text', (column) => column.primaryKey())
    .addColumn('rules', 'jsonb', (column) => column.notNull())
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addForeignKeyConstraint(
      'recovery_intervention_rules_tenant_fkey',
      ['tenant_id'],
      'tenants',
      ['id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addCheckConstraint(
      'recovery_intervention_rules_rules_check',
      sql`jsonb_typeof(rules) = 'object'`,
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('recovery_intervention_rules').execute();
}
