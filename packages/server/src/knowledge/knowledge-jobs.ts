import {
  type IngestLimits,
  type IngestReport,
  type IngestSource,
  ingest,
  type KnowledgeBase,
  type StorageV1,
} from '@churn/core';
import type { ColumnType, Kysely } from 'kysely';
import type { ChurnLogger } from '../http/error-to-response.js';
import type { Database, JsonObjectValue } from '../storage/database.js';

/** `knowledge_ingest_jobs` (migration 007). */
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
}

type JobsDatabase = Database & { knowledge_ingest_jobs: KnowledgeIngestJobsTable };

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
}

/** The jobs table through the server storage's Kysely. */
export function jobsDb(db: Kysely<Database>): Kysely<JobsDatabase> {
  return db.withTables<{ knowledge_ingest_jobs: KnowledgeIngestJobsTable }>();
}

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
  };
}

/** Stores a new `queued` job. */
export async function createJob(
  db: Kysely<Database>,
  input: { tenantId: string; source: JobSource; createdBy: string | null; total?: number },
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
    })
    .returningAll()
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
    .selectAll()
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
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toJob);
}

async function updateJob(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  changes: {
    status?: KnowledgeJob['status'];
    progress?: JobProgress;
    report?: unknown[];
    error?: string | null;
    started_at?: Date;
    finished_at?: Date;
  },
): Promise<void> {
  await jobsDb(db)
    .updateTable('knowledge_ingest_jobs')
    .set({
      ...(changes.status ? { status: changes.status } : {}),
      ...(changes.progress ? { progress: JSON.stringify(changes.progress) } : {}),
      ...(changes.report ? { report: JSON.stringify(changes.report) } : {}),
      ...(changes.error === undefined ? {} : { error: changes.error }),
      ...(changes.started_at ? { started_at: changes.started_at } : {}),
      ...(changes.finished_at ? { finished_at: changes.finished_at } : {}),
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
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

/** Settings of the ingest jobs: the crawler's limits and SSRF guard. */
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
}

/**
 * Runs a job in the background of this process: `running`, progress written at most every
 * 250 ms while the core's ingest pipeline works, then `succeeded` with the per-source report
 * or `failed` with the error's message. Never rejects. A job whose process stops midway
 * stays `running` (no other instance resumes it): start it again.
 */
export async function runJob(options: {
  db: Kysely<Database>;
  storage: StorageV1;
  knowledgeBase: KnowledgeBase;
  tenantId: string;
  jobId: string;
  sources: IngestSource[];
  total?: number;
  settings: KnowledgeIngestSettings;
  logger: ChurnLogger;
}): Promise<void> {
  const { db, tenantId, jobId, knowledgeBase } = options;
  const progress: JobProgress = {
    pagesSeen: 0,
    documentsWritten: 0,
    skipped: 0,
    ...(options.total === undefined ? {} : { total: options.total }),
  };
  let lastWrite = 0;
  let writing: Promise<void> = Promise.resolve();
  try {
    await updateJob(db, tenantId, jobId, { status: 'running', started_at: new Date() });
    // Load the tenant's retrieval index first, so the documents added below join it.
    await knowledgeBase.search('index', { topK: 1 });
    const { store, embedder, vectorStore } = knowledgeBase.settings;
    const report = await ingest({
      tenantId,
      sources: options.sources,
      store,
      embedder,
      vectorStore,
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
          .then(() => updateJob(db, tenantId, jobId, { progress: snapshot }))
          .catch(() => {});
      },
    });
    await syncLexicalIndex(knowledgeBase, tenantId, report);
    await writing;
    progress.documentsWritten = report.totals.added + report.totals.updated;
    progress.skipped = report.totals.skipped;
    await updateJob(db, tenantId, jobId, {
      status: 'succeeded',
      progress,
      report: summarise(report),
      finished_at: new Date(),
    });
  } catch (error) {
    await writing;
    options.logger.warn('A knowledge ingest job failed.', { error, tenantId, jobId });
    await updateJob(db, tenantId, jobId, {
      status: 'failed',
      progress,
      error: error instanceof Error ? error.message : 'The ingest failed.',
      finished_at: new Date(),
    }).catch(() => undefined);
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
