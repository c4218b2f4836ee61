import { type Kysely, sql } from 'kysely';

/**
 * Migration 004: support operations (feedback, escalations, analytics, A/B tests).
 *
 * - `ab_tests.definition`: what each variant changes and its share of the traffic, as
 *   JSON (`{ control, description?, variants: [{ name, weight, settings }] }`); the
 *   `variants` column keeps the names, so the assignment rows' check still holds.
 * - `idx_analytics_tenant_metric_recorded_at`: the series query reads one tenant's metric
 *   over a period (`GET /api/analytics/series`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('ab_tests')
    .addColumn('definition', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema
    .alterTable('ab_tests')
    .addCheckConstraint('ab_tests_definition_check', sql`jsonb_typeof(definition) = 'object'`)
    .execute();
  await db.schema
    .createIndex('idx_analytics_tenant_metric_recorded_at')
    .on('analytics')
    .columns(['tenant_id', 'metric_name', 'recorded_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idx_analytics_tenant_metric_recorded_at').execute();
  await db.schema.alterTable('ab_tests').dropColumn('definition').execute();
}
