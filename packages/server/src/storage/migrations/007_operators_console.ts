import { type Kysely, sql } from 'kysely';

/**
 * Migration 007: what the operators' console needs (docs/console-api.md).
 *
 * - `customers.risk_severity_rank`: `risk_severity` as a number (low 1, medium 2, high 3,
 *   none 0), generated, so the customer list can sort by severity with an index.
 * - `idx_customers_tenant_<field>_id`: one index per sort field of `GET /api/customers`,
 *   ending with `id`, so keyset paging (`(field, id) > (cursor)`) reads one index range
 *   whatever the page, at 100k customers and more; `idx_customers_at_risk_<field>_id`, the
 *   same for at-risk customers only (partial), the console's main view.
 * - `knowledge_ingest_jobs`: ingest runs started from the console (a site to crawl, files),
 *   their progress while they run in the background and their report once done.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('customers')
    .addColumn('risk_severity_rank', 'smallint', (column) =>
      column
        .generatedAlwaysAs(
          sql`case risk_severity when 'high' then 3 when 'medium' then 2 when 'low' then 1 else 0 end`,
        )
        .stored()
        .notNull(),
    )
    .execute();
  const sorted: [string, string][] = [
    ['updated_at', 'updated_at'],
    ['account_value', 'account_value'],
    ['name', 'name'],
    ['severity', 'risk_severity_rank'],
    ['created_at', 'created_at'],
  ];
  for (const [name, column] of sorted) {
    await db.schema
      .createIndex(`idx_customers_tenant_${name}_id`)
      .on('customers')
      .columns(['tenant_id', column, 'id'])
      .execute();
    // The console's main view: at-risk customers, sorted; small next to the whole table.
    await db.schema
      .createIndex(`idx_customers_at_risk_${name}_id`)
      .on('customers')
      .columns(['tenant_id', column, 'id'])
      .where(sql.ref('account_status'), '=', 'at-risk')
      .execute();
  }

  await db.schema
    .createTable('knowledge_ingest_jobs')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull().defaultTo('queued'))
    .addColumn('source', 'jsonb', (column) => column.notNull())
    .addColumn('progress', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('report', 'jsonb', (column) => column.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('error', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addForeignKeyConstraint(
      'knowledge_ingest_jobs_tenant_fkey',
      ['tenant_id'],
      'tenants',
      ['id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addCheckConstraint(
      'knowledge_ingest_jobs_status_check',
      sql`status in ('queued', 'running', 'succeeded', 'failed')`,
    )
    .execute();
  await db.schema
    .createIndex('idx_knowledge_ingest_jobs_tenant_created')
    .on('knowledge_ingest_jobs')
    .columns(['tenant_id', 'created_at desc', 'id desc'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('knowledge_ingest_jobs').execute();
  for (const name of ['updated_at', 'account_value', 'name', 'severity', 'created_at']) {
    await db.schema.dropIndex(`idx_customers_tenant_${name}_id`).execute();
    await db.schema.dropIndex(`idx_customers_at_risk_${name}_id`).execute();
  }
  await db.schema.alterTable('customers').dropColumn('risk_severity_rank').execute();
}
