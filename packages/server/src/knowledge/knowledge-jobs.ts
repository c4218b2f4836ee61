import {
  type IngestLimits,
  type IngestReport,
  type IngestSource,
  ingest,
  type KnowledgeBase,
} from '@churn/core';
import { type ColumnType, type Kysely, type RawBuilder, sql } from 'kysely';
import type { ChurnLogger } from '../http/error-to-response.js';
import type { Database, JsonObjectValue } from '../storage/database.js';

/** `knowledge_ingest_jobs` (migration 007; the lease columns and `input`, migration 008). */
export interface KnowledgeIngestJobsTable {
  id: string;
  tenant_id: string;
  status: ColumnType<string, string | undefined, string>;
  source: ColumnType<JsonObjectValue, string, string>;
  progress: ColumnType<JsonObjectValue, string | undefined, string>;
  report: ColumnType<unknown[], string | undefined, string>;
  error: string | null;
  created_by: string | null;
  created_at: ColumnType<Date, Date | undefined, Date>;
  started_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  finished_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** The claim running the job (`running`), else null. */
  lease_owner: ColumnType<string | null, string | null | undefined, string | null>;
  /** Until when the claim holds the job; past it, any instance may claim it. */
  lease_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** How many times the job was claimed. */
  attempts: ColumnType<number, number | undefined, number>;
  /** The ingest sources to run (`IngestSource[]`), until the job is done. */
  input: ColumnType<unknown[] | null, string | null | undefined, string | null>;
}

/** The server's tables and the jobs table. */
export type JobsDatabase = Database & { knowledge_ingest_jobs: KnowledgeIngestJobsTable };

/** What an ingest job reads: the source as the console gave it (files without their content). */
export type JobSource =
  | { kind: 'site'; url: string; maxPages?: number; maxDepth?: number }
  | { kind: 'files'; files: { name: string; bytes: number }[] };

/** Progress of a job while it runs. */
export interface JobProgress {
  pagesSeen: number;
  documentsWritten: number;
  skipped: number;
  total?: number;
}

/** A job as `GET /api/knowledge/jobs/:id` shows it. */
export interface KnowledgeJob {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  source: JobSource;
  progress: JobProgress;
  report: unknown[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  /** How many times an instance started the job (more than 1: it was resumed). */
  attempts: number;
}

/** The jobs table through the server storage's Kysely. */
export function jobsDb(db: Kysely<Database>): Kysely<JobsDatabase> {
  return db.withTables<{ knowledge_ingest_jobs: KnowledgeIngestJobsTable }>();
}

/** The columns a job is shown with (never `input`, which can hold megabytes of uploads). */
export const jobColumns = [
  'id',
  'status',
  'source',
  'progress',
  'report',
  'error',
  'created_at',
  'started_at',
  'finished_at',
  'attempts',
] as const;

function toJob(row: {
  id: string;
  status: string;
  source: JsonObjectValue;
  progress: JsonObjectValue;
  report: unknown[];
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  attempts: number;
}): KnowledgeJob {
  const progress = row.progress as Partial<JobProgress>;
  return {
    id: row.id,
    status: row.status as KnowledgeJob['status'],
    source: row.source as unknown as JobSource,
    progress: {
      pagesSeen: progress.pagesSeen ?? 0,
      documentsWritten: progress.documentsWritten ?? 0,
      skipped: progress.skipped ?? 0,
      ...(progress.total === undefined ? {} : { total: progress.total }),
    },
    report: row.report,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at ? row.started_at.toISOString() : null,
    finishedAt: row.finished_at ? row.finished_at.toISOString() : null,
    error: row.error,
    attempts: row.attempts,
  };
}

/**
 * Stores a new `queued` job with what it ingests (`sources`, so any instance can run it),
 * reserved for `leaseMs` to the process that accepted it: it claims the job at once, and
 * another instance takes it only if it is still queued once that reservation ran out.
 */
export async function createJob(
  db: Kysely<Database>,
  input: {
    tenantId: string;
    source: JobSource;
    sources: IngestSource[];
    createdBy: string | null;
    total?: number;
    leaseMs: number;
  },
): Promise<KnowledgeJob> {
  const row = await jobsDb(db)
    .insertInto('knowledge_ingest_jobs')
    .values({
      id: `job_${crypto.randomUUID()}`,
      tenant_id: input.tenantId,
      source: JSON.stringify(input.source),
      progress: JSON.stringify({
        pagesSeen: 0,
        documentsWritten: 0,
        skipped: 0,
        ...(input.total === undefined ? {} : { total: input.total }),
      }),
      created_by: input.createdBy,
      input: JSON.stringify(input.sources),
      lease_until: sql<Date>`now() + ${leaseInterval(input.leaseMs)}`,
    })
    .returning(jobColumns)
    .executeTakeFirstOrThrow();
  return toJob(row);
}

/** One job of a tenant, or `undefined`. */
export async function getJob(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<KnowledgeJob | undefined> {
  const row = await jobsDb(db)
    .selectFrom('knowledge_ingest_jobs')
    .select(jobColumns)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toJob(row) : undefined;
}

/** A tenant's latest jobs, newest first. */
export async function listJobs(
  db: Kysely<Database>,
  tenantId: string,
  limit: number,
): Promise<KnowledgeJob[]> {
  const rows = await jobsDb(db)
    .selectFrom('knowledge_ingest_jobs')
    .select(jobColumns)
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toJob);
}

/**
 * Writes to a job this process claimed: nothing happens once the claim lost the job (its
 * lease ran out and another instance took it), so a late writer never overwrites the new run.
 * Answers whether the write happened.
 */
export async function updateClaimedJob(
  db: Kysely<Database>,
  job: { id: string; owner: string },
  changes: {
    status?: 'succeeded' | 'failed';
    progress?: JobProgress;
    report?: unknown[];
    error?: string | null;
  },
): Promise<boolean> {
  const done = changes.status !== undefined;
  const row = await jobsDb(db)
    .updateTable('knowledge_ingest_jobs')
    .set({
      ...(changes.status ? { status: changes.status } : {}),
      ...(changes.progress ? { progress: JSON.stringify(changes.progress) } : {}),
      ...(changes.report ? { report: JSON.stringify(changes.report) } : {}),
      ...(changes.error === undefined ? {} : { error: changes.error }),
      // A finished job frees its lease and drops its input (uploads can be megabytes).
      ...(done
        ? { finished_at: sql<Date>`now()`, lease_owner: null, lease_until: null, input: null }
        : {}),
    })
    .where('id', '=', job.id)
    .where('lease_owner', '=', job.owner)
    .where('status', '=', 'running')
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Per-source outcomes of an ingest run, for the job's `report`. */
function summarise(report: IngestReport): unknown[] {
  return report.sources.map((source) => ({
    sourceId: source.sourceId,
    sources: source.sources,
    complete: source.complete,
    added: source.added.length,
    updated: source.updated.length,
    unchanged: source.unchanged.length,
    removed: source.removed.length,
    chunksWritten: source.chunks.written,
    skipped: source.skipped.slice(0, 100).map((item) => ({
      location: item.location,
      reason: item.reason,
      message: item.message,
    })),
  }));
}

/** Settings of the ingest jobs: the crawler's limits and SSRF guard, and their leases. */
export interface KnowledgeIngestSettings {
  /**
   * Allow crawling private, loopback and link-local addresses. Default false: the crawler
   * refuses them (SSRF guard); turn on for an intranet or tests only.
   */
  allowPrivateNetwork?: boolean;
  /** Crawl limits (pages, depth, politeness delay...), over the core's defaults. */
  limits?: Partial<IngestLimits>;
  /** The fetch the crawler uses (tests). */
  fetch?: typeof globalThis.fetch;
  /**
   * Resume, in this process, the jobs of instances that stopped midway (their lease ran
   * out). Default true; false leaves them to other instances.
   */
  resume?: boolean;
  /**
   * How long a running job's lease lasts; the runner renews it every third of that. A job
   * whose process stopped is resumed once it runs out. Default 60 s (at least 1 s).
   */
  leaseMs?: number;
  /** How often this process looks for jobs to resume. Default 30 s (and once the storage opens). */
  resumeIntervalMs?: number;
  /**
   * How many times a job is started before it is `failed` instead of resumed again, so a
   * source that crashes the process cannot restart forever. Default 3.
   */
  maxAttempts?: number;
}

/** The ingest settings with every lease default filled in. */
export type ResolvedIngestSettings = KnowledgeIngestSettings &
  Required<
    Pick<KnowledgeIngestSettings, 'resume' | 'leaseMs' | 'resumeIntervalMs' | 'maxAttempts'>
  >;

/** A Postgres interval of `leaseMs` milliseconds, to add to `now()`. */
export function leaseInterval(leaseMs: number): RawBuilder<unknown> {
  return sql`(cast(${Math.round(leaseMs)} as integer) * interval '1 millisecond')`;
}

/** How a run ended: `aborted` when its signal stopped it (closing, or the lease was lost). */
export type JobOutcome = 'succeeded' | 'failed' | 'aborted';

/**
 * Runs a claimed job in the background of this process: progress written at most every
 * 250 ms while the core's ingest pipeline works, then `succeeded` with the per-source report
 * or `failed` with the error's message. Every write is conditional on the claim (see
 * {@link updateClaimedJob}). When `signal` aborts, the run stops and writes nothing more:
 * the caller hands the job back or leaves it to the instance that took it. Never rejects.
 */
export async function runJob(options: {
  db: Kysely<Database>;
  knowledgeBase: KnowledgeBase;
  job: { id: string; tenantId: string; owner: string };
  sources: IngestSource[];
  total?: number | undefined;
  settings: KnowledgeIngestSettings;
  logger: ChurnLogger;
  signal: AbortSignal;
}): Promise<JobOutcome> {
  const { db, job, knowledgeBase, signal } = options;
  const tenantId = job.tenantId;
  const progress: JobProgress = {
    pagesSeen: 0,
    documentsWritten: 0,
    skipped: 0,
    ...(options.total === undefined ? {} : { total: options.total }),
  };
  let lastWrite = 0;
  let writing: Promise<unknown> = Promise.resolve();
  try {
    // Load the tenant's retrieval index first, so the documents added below join it.
    await knowledgeBase.search('index', { topK: 1 });
    const { store, embedder, vectorStore } = knowledgeBase.settings;
    const report = await ingest({
      tenantId,
      sources: options.sources,
      store,
      embedder,
      vectorStore,
      signal,
      ...(options.settings.limits ? { limits: options.settings.limits } : {}),
      ...(options.settings.allowPrivateNetwork ? { allowPrivateNetwork: true } : {}),
      ...(options.settings.fetch ? { fetch: options.settings.fetch } : {}),
      onProgress: (event) => {
        progress.pagesSeen = event.processed;
        if (event.outcome === 'added' || event.outcome === 'updated')
          progress.documentsWritten += 1;
        if (event.outcome === 'skipped') progress.skipped += 1;
        const now = Date.now();
        if (now - lastWrite < 250) return;
        lastWrite = now;
        const snapshot = { ...progress };
        writing = writing
          .then(() => updateClaimedJob(db, job, { progress: snapshot }))
          .catch(() => {});
      },
    });
    await syncLexicalIndex(knowledgeBase, tenantId, report);
    await writing;
    if (signal.aborted) return 'aborted';
    progress.documentsWritten = report.totals.added + report.totals.updated;
    progress.skipped = report.totals.skipped;
    await updateClaimedJob(db, job, {
      status: 'succeeded',
      progress,
      report: summarise(report),
      error: null,
    });
    return 'succeeded';
  } catch (error) {
    await writing;
    if (signal.aborted) return 'aborted';
    options.logger.warn('A knowledge ingest job failed.', { error, tenantId, jobId: job.id });
    await updateClaimedJob(db, job, {
      status: 'failed',
      progress,
      error: error instanceof Error ? error.message : 'The ingest failed.',
    }).catch(() => undefined);
    return 'failed';
  }
}

/** What `KnowledgeBase.ingest` does after ingesting: the in-process BM25 index follows the changes. */
async function syncLexicalIndex(
  knowledgeBase: KnowledgeBase,
  tenantId: string,
  report: IngestReport,
): Promise<void> {
  const lexical = knowledgeBase.index.lexicalIndex;
  for (const source of report.sources) {
    for (const removed of source.removed) lexical.removeDocument(tenantId, removed.documentId);
  }
  const changed = report.sources.flatMap((source) =>
    [...source.added, ...source.updated].map((document) => document.documentId),
  );
  if (changed.length === 0) return;
  for (const documentId of changed) lexical.removeDocument(tenantId, documentId);
  const chunks = await knowledgeBase.settings.store.listChunks({ tenantId, documentIds: changed });
  lexical.add(
    tenantId,
    chunks.map((chunk) => ({
      id: chunk.id,
      documentId: chunk.documentId,
      content: chunk.content,
      metadata: chunk.metadata,
    })),
  );
}
