import { type Kysely, sql } from 'kysely';

/**
 * Migration 008: ingest jobs that outlive the process running them (docs/console-api.md).
 *
 * - `knowledge_ingest_jobs.lease_owner`, `lease_until`: the instance running a job and until
 *   when it holds it; the runner refreshes the lease while it works, and any instance claims
 *   a `running` job whose lease ran out (its process stopped) and runs it again.
 * - `attempts`: how many times the job was claimed; past the limit it is `failed`, so a
 *   source that crashes the process cannot restart forever.
 * - `input`: what the ingest reads (the crawl settings, the uploaded files' text), so another
 *   instance can run the job; cleared once the job is done.
 * - `idx_knowledge_ingest_jobs_claimable`: the unfinished jobs, for the periodic claim.
 *
 * Jobs left `running` by an earlier version (no lease) get one hour from their start before
 * another instance takes them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('knowledge_ingest_jobs')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'timestamptz')
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('input', 'jsonb')
    .execute();
  await sql`
    update knowledge_ingest_jobs
    set lease_until = coalesce(started_at, created_at) + interval '1 hour',
      attempts = 1
    where status = 'running'`.execute(db);
  await db.schema
    .createIndex('idx_knowledge_ingest_jobs_claimable')
    .on('knowledge_ingest_jobs')
    .columns(['status', 'lease_until'])
    .where(sql.ref('status'), 'in', sql`('queued', 'running')`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idx_knowledge_ingest_jobs_claimable').execute();
  await db.schema
    .alterTable('knowledge_ingest_jobs')
    .dropColumn('input')
    .dropColumn('attempts')
    .dropColumn('lease_until')
    .dropColumn('lease_owner')
    .execute();
}
