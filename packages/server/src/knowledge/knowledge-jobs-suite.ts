import type { IngestSource } from '@churn/core';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminTokenFor,
  bearer,
  startConsoleServer,
} from '../admin-conversations/console-test-helpers.js';
import { createTestTenant, type TestTenant, waitFor } from '../chat/chat-test-helpers.js';
import type { Database } from '../storage/database.js';
import type { PostgresStorage } from '../storage/postgres-storage.js';
import { startHelpSite } from './help-site-test-helpers.js';
import { claimStoppedJobs } from './knowledge-job-leases.js';
import { resolveIngestSettings } from './knowledge-job-runner.js';
import { jobsDb, type KnowledgeJob } from './knowledge-jobs.js';

const files: IngestSource[] = [
  {
    type: 'text',
    id: 'upload:update-card.md',
    sourceId: 'upload:update-card.md',
    content:
      '# Update your card\n\n## Steps\n\nOpen Settings, choose Billing and click Update card.',
    format: 'markdown',
  },
  {
    type: 'text',
    id: 'upload:webhooks.md',
    sourceId: 'upload:webhooks.md',
    content: '# Webhooks\n\nVerify the signature header before trusting a payload.',
    format: 'markdown',
  },
];

/** Ingest jobs that outlive their process (leases, resume, attempts), against one storage. */
export function describeKnowledgeJobResume(
  name: string,
  openStorage: () => Promise<PostgresStorage>,
): void {
  describe(`knowledge ingest job resume (${name})`, () => {
    let storage: PostgresStorage;
    let db: Kysely<Database>;
    let tenant: TestTenant;
    let developer: string;
    let site: Awaited<ReturnType<typeof startHelpSite>>;
    let siteUrl: string;
    const knowledge = { allowPrivateNetwork: true, limits: { delayMs: 0 } } as const;

    beforeAll(async () => {
      storage = await openStorage();
      db = storage.db;
      tenant = await createTestTenant(storage, 'Acme');
      developer = await adminTokenFor(storage, tenant.tenant.id, 'developer');
      // Pages answer slowly, so a crawl can be caught midway.
      site = await startHelpSite({ delayMs: 400 });
      siteUrl = site.url;
    });

    afterAll(async () => {
      await site?.close();
    });

    /** A handler that resumes stopped jobs every 50 ms, its storage opened by one request. */
    const startResumer = async (settings: { maxAttempts?: number } = {}) => {
      const server = await startConsoleServer({
        storage,
        knowledge: { ...knowledge, resumeIntervalMs: 50, ...settings },
      });
      expect((await call(server.url, '/api/knowledge/jobs')).status).toBe(200);
      return server;
    };
    const call = (base: string, path: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: bearer(developer),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const jobOf = async (base: string, id: string): Promise<KnowledgeJob> => {
      const response = await call(base, `/api/knowledge/jobs/${id}`);
      return ((await response.json()) as { job: KnowledgeJob }).job;
    };
    const finished = async (base: string, id: string): Promise<KnowledgeJob> => {
      let job: KnowledgeJob | undefined;
      await waitFor(async () => {
        job = await jobOf(base, id);
        return job.status === 'succeeded' || job.status === 'failed';
      }, 20_000);
      return job!;
    };
    /** The tenant's documents and chunks, by source. */
    const stored = async (sourceIds: string[]) => {
      const documents = await db
        .selectFrom('documents')
        .select(['id', 'source_id'])
        .where('tenant_id', '=', tenant.tenant.id)
        .where('source_id', 'in', sourceIds)
        .execute();
      const chunks =
        documents.length === 0
          ? []
          : await db
              .selectFrom('chunks')
              .select('id')
              .where('tenant_id', '=', tenant.tenant.id)
              .where(
                'document_id',
                'in',
                documents.map((document) => document.id),
              )
              .execute();
      return { documents: documents.length, chunks: chunks.length };
    };
    /** A job row as a process that stopped would leave it. */
    const insertJob = async (row: {
      status: 'queued' | 'running';
      leaseSeconds: number;
      attempts: number;
      input?: IngestSource[];
    }): Promise<string> => {
      const id = `job_${crypto.randomUUID()}`;
      await jobsDb(db)
        .insertInto('knowledge_ingest_jobs')
        .values({
          id,
          tenant_id: tenant.tenant.id,
          status: row.status,
          source: JSON.stringify({
            kind: 'files',
            files: (row.input ?? files).map((file) => ({ name: String(file.sourceId), bytes: 1 })),
          }),
          progress: JSON.stringify({ pagesSeen: 1, documentsWritten: 1, skipped: 0, total: 2 }),
          input: JSON.stringify(row.input ?? files),
          lease_owner: row.status === 'running' ? 'lease_stopped-process' : null,
          lease_until: sql<Date>`now() + ${row.leaseSeconds} * interval '1 second'`,
          attempts: row.attempts,
          started_at: row.status === 'running' ? new Date() : null,
        })
        .execute();
      return id;
    };

    it('a job left running by a stopped process is finished by another handler, its documents stored once', async () => {
      // A first handler ingests the files: the documents are written...
      const first = await startConsoleServer({
        storage,
        knowledge: { ...knowledge, resume: false },
      });
      const started = await call(first.url, '/api/knowledge/sources', {
        kind: 'files',
        files: [
          { name: 'update-card.md', content: String((files[0] as { content: string }).content) },
          { name: 'webhooks.md', content: String((files[1] as { content: string }).content) },
        ],
      });
      expect(started.status).toBe(202);
      const { job } = (await started.json()) as { job: KnowledgeJob };
      expect(await finished(first.url, job.id)).toMatchObject({
        status: 'succeeded',
        attempts: 1,
      });
      await first.close();
      const before = await stored(['upload:update-card.md', 'upload:webhooks.md']);
      expect(before.documents).toBe(2);
      // ...then its process "stops" before it records the end: the row says running, with a
      // lease that ran out and the input still there.
      await jobsDb(db)
        .updateTable('knowledge_ingest_jobs')
        .set({
          status: 'running',
          lease_owner: 'lease_stopped-process',
          lease_until: sql<Date>`now() - interval '1 second'`,
          input: JSON.stringify(files),
          report: '[]',
          finished_at: null,
        })
        .where('id', '=', job.id)
        .execute();

      const second = await startResumer();
      try {
        const done = await finished(second.url, job.id);
        expect(done).toMatchObject({
          status: 'succeeded',
          attempts: 2,
          error: null,
          progress: { total: 2 },
        });
        expect(done.finishedAt).not.toBeNull();
        // Nothing was written twice: the same two documents and chunks, found unchanged.
        expect(await stored(['upload:update-card.md', 'upload:webhooks.md'])).toEqual(before);
        expect(done.report).toEqual([
          expect.objectContaining({ added: 0, unchanged: 1 }),
          expect.objectContaining({ added: 0, unchanged: 1 }),
        ]);
        const row = await jobsDb(db)
          .selectFrom('knowledge_ingest_jobs')
          .select(['input', 'lease_owner', 'lease_until'])
          .where('id', '=', job.id)
          .executeTakeFirstOrThrow();
        expect(row).toEqual({ input: null, lease_owner: null, lease_until: null });
      } finally {
        await second.close();
      }
    });

    it('a crawl whose handler closes midway is handed back and finished by another handler', async () => {
      const first = await startConsoleServer({
        storage,
        knowledge: { ...knowledge, resume: false },
      });
      const started = await call(first.url, '/api/knowledge/sources', {
        kind: 'site',
        url: siteUrl,
        maxPages: 10,
      });
      const { job } = (await started.json()) as { job: KnowledgeJob };
      await waitFor(async () => (await jobOf(first.url, job.id)).status === 'running');
      await first.close();
      const handedBack = await jobsDb(db)
        .selectFrom('knowledge_ingest_jobs')
        .select(['status', 'attempts', 'lease_owner'])
        .where('id', '=', job.id)
        .executeTakeFirstOrThrow();
      // Closing is not a crash: the attempt does not count.
      expect(handedBack).toEqual({ status: 'queued', attempts: 0, lease_owner: null });

      const second = await startResumer();
      try {
        const done = await finished(second.url, job.id);
        expect(done).toMatchObject({
          status: 'succeeded',
          attempts: 1,
          progress: { documentsWritten: 3 },
        });
        const urls = ['', 'billing', 'refunds'].map((path) => `${siteUrl}${path}`);
        const documents = await db
          .selectFrom('documents')
          .select('source_url')
          .where('tenant_id', '=', tenant.tenant.id)
          .where('source_url', 'in', urls)
          .execute();
        expect(documents.map((document) => document.source_url).sort()).toEqual(urls.sort());
      } finally {
        await second.close();
      }
    });

    it('leaves a job whose lease is live to the instance running it', async () => {
      const live = await insertJob({ status: 'running', leaseSeconds: 3600, attempts: 1 });
      const stopped = await insertJob({ status: 'running', leaseSeconds: -1, attempts: 1 });
      const server = await startResumer();
      try {
        // The stopped one is resumed and finished: the resume passes ran meanwhile.
        expect(await finished(server.url, stopped)).toMatchObject({
          status: 'succeeded',
          attempts: 2,
        });
        const row = await jobsDb(db)
          .selectFrom('knowledge_ingest_jobs')
          .select(['status', 'attempts', 'lease_owner'])
          .where('id', '=', live)
          .executeTakeFirstOrThrow();
        expect(row).toEqual({
          status: 'running',
          attempts: 1,
          lease_owner: 'lease_stopped-process',
        });
      } finally {
        await server.close();
        await jobsDb(db).deleteFrom('knowledge_ingest_jobs').where('id', '=', live).execute();
      }
    });

    it('marks failed a job that stopped as many times as it may start, with what to do', async () => {
      const exhausted = await insertJob({ status: 'running', leaseSeconds: -1, attempts: 3 });
      const lastChance = await insertJob({ status: 'running', leaseSeconds: -1, attempts: 2 });
      const server = await startResumer({ maxAttempts: 3 });
      try {
        const failed = await finished(server.url, exhausted);
        expect(failed.status).toBe('failed');
        expect(failed.attempts).toBe(3);
        expect(failed.error).toMatch(/stopped before finishing 3 times/);
        expect(failed.error).toMatch(/start the source again/);
        expect(failed.finishedAt).not.toBeNull();
        // One attempt left: it runs a third time.
        expect(await finished(server.url, lastChance)).toMatchObject({
          status: 'succeeded',
          attempts: 3,
        });
      } finally {
        await server.close();
      }
    });

    it('gives a stopped job to one claimer only, however many ask at once', async () => {
      const id = await insertJob({ status: 'running', leaseSeconds: -1, attempts: 1 });
      const claims = await Promise.all(
        Array.from({ length: 4 }, () =>
          claimStoppedJobs(db, { leaseMs: 60_000, maxAttempts: 3, limit: 5 }),
        ),
      );
      const winners = claims.flat().filter((job) => job.id === id);
      expect(winners).toHaveLength(1);
      expect(winners[0]).toMatchObject({ attempts: 2, tenantId: tenant.tenant.id });
      expect(winners[0]!.owner).toMatch(/^lease_/);
      // The winner's lease is live now: nobody else takes it.
      expect(
        (await claimStoppedJobs(db, { leaseMs: 60_000, maxAttempts: 3, limit: 5 })).map(
          (job) => job.id,
        ),
      ).not.toContain(id);
      await jobsDb(db).deleteFrom('knowledge_ingest_jobs').where('id', '=', id).execute();
    });

    it('refuses lease settings out of range, saying which', () => {
      expect(() => resolveIngestSettings({ leaseMs: 10 })).toThrow(/leaseMs.*at least 1000/s);
      expect(() => resolveIngestSettings({ maxAttempts: 0 })).toThrow(/maxAttempts/);
      expect(resolveIngestSettings({})).toMatchObject({
        resume: true,
        leaseMs: 60_000,
        resumeIntervalMs: 30_000,
        maxAttempts: 3,
      });
    });
  });
}
