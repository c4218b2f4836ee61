import type { IngestSource } from '@churn/core';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../storage/database.js';
import { type JobProgress, type JobSource, jobsDb, leaseInterval } from './knowledge-jobs.js';

/**
 * A job claimed by this process: it runs it while it holds the lease (`owner`), and every
 * write it makes is conditional on still holding it.
 */
export interface ClaimedJob {
  id: string;
  tenantId: string;
  /** This claim's token, in `lease_owner`. */
  owner: string;
  /** The claim's number: 1 the first time, 2 when resumed once, and so on. */
  attempts: number;
  source: JobSource;
  /** What to ingest; `undefined` for a job stored before migration 008 (see `sourcesOf`). */
  input: IngestSource[] | undefined;
  total: number | undefined;
}

/** A job's progress at the start of a claim: nothing seen yet, the same total. */
const freshProgress = sql<string>`jsonb_strip_nulls(jsonb_build_object(
  'pagesSeen', 0, 'documentsWritten', 0, 'skipped', 0, 'total', progress -> 'total'))`;

function toClaimed(row: {
  id: string;
  tenant_id: string;
  lease_owner: string | null;
  attempts: number;
  source: unknown;
  input: unknown[] | null;
  progress: unknown;
}): ClaimedJob {
  const total = (row.progress as Partial<JobProgress>).total;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    owner: row.lease_owner ?? '',
    attempts: row.attempts,
    source: row.source as JobSource,
    input: row.input === null ? undefined : (row.input as IngestSource[]),
    total: typeof total === 'number' ? total : undefined,
  };
}

const claimedColumns = [
  'id',
  'tenant_id',
  'lease_owner',
  'attempts',
  'source',
  'input',
  'progress',
] as const;

/**
 * Claims one `queued` job by id for the process that accepted it: `running`, leased for
 * `leaseMs`, one more attempt, progress reset. `undefined` when it is no longer queued
 * (another instance took it first).
 */
export async function claimJob(
  db: Kysely<Database>,
  options: { tenantId: string; jobId: string; leaseMs: number },
): Promise<ClaimedJob | undefined> {
  const row = await jobsDb(db)
    .updateTable('knowledge_ingest_jobs')
    .set((eb) => ({
      status: 'running',
      lease_owner: `lease_${crypto.randomUUID()}`,
      lease_until: sql<Date>`now() + ${leaseInterval(options.leaseMs)}`,
      attempts: eb('attempts', '+', 1),
      progress: freshProgress,
      error: null,
      started_at: sql<Date>`now()`,
    }))
    .where('tenant_id', '=', options.tenantId)
    .where('id', '=', options.jobId)
    .where('status', '=', 'queued')
    .returning(claimedColumns)
    .executeTakeFirst();
  return row ? toClaimed(row) : undefined;
}

/**
 * Claims up to `limit` jobs whose lease ran out: `running` ones whose process stopped
 * (it no longer renews the lease) and `queued` ones whose process stopped before it started
 * them, oldest first, below `maxAttempts`. Atomic: on PostgreSQL concurrent instances skip
 * each other's rows (`FOR UPDATE SKIP LOCKED`) and the lease is re-checked on the locked
 * row, so a job is claimed by one instance at a time; PGlite has one connection.
 */
export async function claimStoppedJobs(
  db: Kysely<Database>,
  options: { leaseMs: number; maxAttempts: number; limit: number },
): Promise<ClaimedJob[]> {
  const jobs = jobsDb(db);
  const rows = await jobs
    .updateTable('knowledge_ingest_jobs')
    .set((eb) => ({
      status: 'running',
      lease_owner: sql<string>`'lease_' || gen_random_uuid()`,
      lease_until: sql<Date>`now() + ${leaseInterval(options.leaseMs)}`,
      attempts: eb('attempts', '+', 1),
      progress: freshProgress,
      error: null,
      started_at: sql<Date>`now()`,
    }))
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('knowledge_ingest_jobs')
        .select('id')
        .where('status', 'in', ['queued', 'running'])
        .where((where) =>
          where.or([where('lease_until', 'is', null), where('lease_until', '<', sql<Date>`now()`)]),
        )
        .where('attempts', '<', options.maxAttempts)
        .orderBy('created_at')
        .orderBy('id')
        .limit(options.limit)
        .forUpdate()
        .skipLocked(),
    )
    .returning(claimedColumns)
    .execute();
  return rows.map(toClaimed);
}

/**
 * Marks `failed` the `running` jobs whose lease ran out after `maxAttempts` claims: their
 * process stopped every time, so running them again would likely stop this one too.
 * Answers the ids.
 */
export async function failExhaustedJobs(
  db: Kysely<Database>,
  options: { maxAttempts: number },
): Promise<string[]> {
  const rows = await jobsDb(db)
    .updateTable('knowledge_ingest_jobs')
    .set({
      status: 'failed',
      error: sql<string>`'The ingest stopped before finishing ' || attempts || ' times (the process running it ended each time, for example out of memory or killed), so it is not run again. Check the server logs, then start the source again, smaller if it is large (fewer pages or files).'`,
      finished_at: sql<Date>`now()`,
      lease_owner: null,
      lease_until: null,
      input: null,
    })
    .where('status', '=', 'running')
    .where('lease_until', '<', sql<Date>`now()`)
    .where('attempts', '>=', options.maxAttempts)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

/** Extends the lease of a claim. `false` when the claim lost the job (its lease ran out and another instance took it). */
export async function renewLease(
  db: Kysely<Database>,
  job: ClaimedJob,
  leaseMs: number,
): Promise<boolean> {
  const row = await jobsDb(db)
    .updateTable('knowledge_ingest_jobs')
    .set({ lease_until: sql<Date>`now() + ${leaseInterval(leaseMs)}` })
    .where('id', '=', job.id)
    .where('lease_owner', '=', job.owner)
    .where('status', '=', 'running')
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Hands a claimed job back (this process is closing): `queued`, claimable by any instance
 * at once, and the attempt does not count.
 */
export async function releaseJob(db: Kysely<Database>, job: ClaimedJob): Promise<void> {
  await jobsDb(db)
    .updateTable('knowledge_ingest_jobs')
    .set((eb) => ({
      status: 'queued',
      lease_owner: null,
      lease_until: sql<Date>`now()`,
      attempts: eb('attempts', '-', 1),
    }))
    .where('id', '=', job.id)
    .where('lease_owner', '=', job.owner)
    .where('status', '=', 'running')
    .execute();
}

/**
 * What a claimed job ingests: its stored `input`, else (a job stored before migration 008)
 * the crawl its `source` describes. `undefined` for uploaded files that were not kept.
 */
export function sourcesOf(job: ClaimedJob): IngestSource[] | undefined {
  if (job.input) return job.input;
  if (job.source.kind !== 'site') return undefined;
  const { url, maxPages, maxDepth } = job.source;
  return [
    {
      type: 'crawl',
      url,
      ...(maxPages === undefined ? {} : { maxPages }),
      ...(maxDepth === undefined ? {} : { maxDepth }),
    },
  ];
}
