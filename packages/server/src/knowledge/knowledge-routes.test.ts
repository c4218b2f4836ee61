import type { StorageV1 } from '@churn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminTokenFor,
  bearer,
  startConsoleServer,
} from '../admin-conversations/console-test-helpers.js';
import { createTestTenant, type TestTenant, waitFor } from '../chat/chat-test-helpers.js';
import { createPGliteStorage } from '../storage/postgres-storage.js';
import { startHelpSite } from './help-site-test-helpers.js';

interface Job {
  id: string;
  status: string;
  progress: { pagesSeen: number; documentsWritten: number; skipped: number; total?: number };
  report: { skipped: { reason: string }[]; added: number }[];
  error: string | null;
}

describe('knowledge base routes (PGlite)', () => {
  let storage: StorageV1;
  let tenant: TestTenant;
  let other: TestTenant;
  let site: Awaited<ReturnType<typeof startHelpSite>>;
  let siteUrl: string;
  let server: Awaited<ReturnType<typeof startConsoleServer>>;
  let guarded: Awaited<ReturnType<typeof startConsoleServer>>;
  let developer: string;

  beforeAll(async () => {
    storage = await createPGliteStorage();
    tenant = await createTestTenant(storage, 'Acme');
    other = await createTestTenant(storage, 'Globex');
    site = await startHelpSite();
    siteUrl = site.url;
    // Tests crawl a loopback site: allowed here only; `guarded` keeps the default SSRF guard.
    server = await startConsoleServer({
      storage,
      knowledge: { allowPrivateNetwork: true, limits: { delayMs: 0 } },
    });
    guarded = await startConsoleServer({ storage });
    developer = await adminTokenFor(storage, tenant.tenant.id, 'developer');
  });

  afterAll(async () => {
    await server?.close();
    await guarded?.close();
    await site?.close();
    await storage?.close();
  });

  const call = (base: string, path: string, token: string, body?: unknown) =>
    fetch(`${base}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: bearer(token),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const finished = async (base: string, id: string, token = developer): Promise<Job> => {
    let job: Job | undefined;
    await waitFor(async () => {
      const response = await call(base, `/api/knowledge/jobs/${id}`, token);
      job = ((await response.json()) as { job: Job }).job;
      return job.status === 'succeeded' || job.status === 'failed';
    }, 20_000);
    return job!;
  };

  it('ingests uploaded files in a background job, then lists documents and chunks', async () => {
    const started = await call(server.url, '/api/knowledge/sources', developer, {
      kind: 'files',
      files: [
        {
          name: 'update-card.md',
          content:
            '# Update your card\n\n## Steps\n\nOpen Settings, choose Billing and click Update card.',
        },
        {
          name: 'webhooks.html',
          content: '<h1>Webhooks</h1><p>Verify the signature header before trusting a payload.</p>',
        },
      ],
    });
    expect(started.status).toBe(202);
    const { job } = (await started.json()) as { job: Job };
    expect(job).toMatchObject({ status: 'queued', progress: { total: 2 } });
    const done = await finished(server.url, job.id);
    expect(done).toMatchObject({ status: 'succeeded', progress: { documentsWritten: 2 } });
    expect(done.report.map((source) => source.added)).toEqual([1, 1]);

    const list = await call(server.url, '/api/knowledge/documents?q=card', developer);
    const { documents } = (await list.json()) as {
      documents: { id: string; title: string; chunkCount: number; tokenCount: number }[];
    };
    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({ title: 'Update your card' });
    expect(documents[0]!.chunkCount).toBeGreaterThan(0);
    expect(documents[0]!.tokenCount).toBeGreaterThan(0);

    const detail = await call(
      server.url,
      `/api/knowledge/documents/${encodeURIComponent(documents[0]!.id)}`,
      developer,
    );
    expect(detail.status).toBe(200);
    const { chunks } = (await detail.json()) as {
      chunks: { index: number; headingPath: string[]; content: string }[];
    };
    expect(chunks[0]).toMatchObject({ index: 0 });
    expect(chunks.map((chunk) => chunk.content).join(' ')).toMatch(/Update card/);

    // The other tenant sees none of it.
    const otherDeveloper = await adminTokenFor(storage, other.tenant.id, 'developer');
    const foreign = await call(
      server.url,
      `/api/knowledge/documents/${encodeURIComponent(documents[0]!.id)}`,
      otherDeveloper,
    );
    expect(foreign.status).toBe(404);
    const foreignJob = await call(server.url, `/api/knowledge/jobs/${job.id}`, otherDeveloper);
    expect(foreignJob.status).toBe(404);
    const foreignList = await call(server.url, '/api/knowledge/documents', otherDeveloper);
    expect(((await foreignList.json()) as { documents: unknown[] }).documents).toEqual([]);
  });

  it('crawls a site with progress, and answers a test question with scored chunks', async () => {
    const started = await call(server.url, '/api/knowledge/sources', developer, {
      kind: 'site',
      url: siteUrl,
      maxPages: 10,
    });
    expect(started.status).toBe(202);
    const { job } = (await started.json()) as { job: Job };
    const done = await finished(server.url, job.id);
    expect(done.status).toBe('succeeded');
    expect(done.progress.pagesSeen).toBeGreaterThanOrEqual(3);
    expect(done.progress.documentsWritten).toBe(3);
    const jobs = await call(server.url, '/api/knowledge/jobs', developer);
    expect(((await jobs.json()) as { jobs: Job[] }).jobs[0]!.id).toBe(job.id);

    const usageBefore = await storage.conversations.list({ tenantId: tenant.tenant.id });
    const asked = await call(server.url, '/api/knowledge/ask', developer, {
      question: 'How long do refunds take?',
    });
    expect(asked.status).toBe(200);
    const answer = (await asked.json()) as {
      answer: string;
      confidence: number;
      retrieved: {
        title: string;
        content: string;
        scores: { vector: number; keyword: number; rerank: number };
      }[];
    };
    expect(answer.answer.length).toBeGreaterThan(0);
    expect(answer.confidence).toBeGreaterThanOrEqual(0);
    expect(answer.retrieved[0]!.content).toMatch(/Refunds/);
    expect(answer.retrieved[0]!.scores).toEqual(
      expect.objectContaining({
        vector: expect.any(Number),
        keyword: expect.any(Number),
        rerank: expect.any(Number),
      }),
    );
    // A test question is not a customer conversation.
    expect(await storage.conversations.list({ tenantId: tenant.tenant.id })).toHaveLength(
      usageBefore.length,
    );
  });

  it('keeps the crawler’s SSRF guard on by default', async () => {
    const started = await call(guarded.url, '/api/knowledge/sources', developer, {
      kind: 'site',
      url: siteUrl,
    });
    expect(started.status).toBe(202);
    const { job } = (await started.json()) as { job: Job };
    const done = await finished(guarded.url, job.id);
    expect(done.progress.documentsWritten).toBe(0);
    const reasons = done.report.flatMap((source) => source.skipped.map((item) => item.reason));
    expect(done.status).toBe('succeeded');
    expect(reasons).toContain('private-address');
  });

  it('refuses writes to read-only roles and bad sources with clear messages', async () => {
    const agent = await adminTokenFor(storage, tenant.tenant.id, 'support-agent');
    const refused = await call(server.url, '/api/knowledge/sources', agent, {
      kind: 'site',
      url: siteUrl,
    });
    expect(refused.status).toBe(403);
    expect((await call(server.url, '/api/knowledge/documents', agent)).status).toBe(200);
    const badUrl = await call(server.url, '/api/knowledge/sources', developer, {
      kind: 'site',
      url: 'file:///etc/passwd',
    });
    expect(badUrl.status).toBe(400);
    expect(JSON.stringify(await badUrl.json())).toMatch(/http or https URL/);
    const badFile = await call(server.url, '/api/knowledge/sources', developer, {
      kind: 'files',
      files: [{ name: 'report.pdf', content: '%PDF' }],
    });
    expect(badFile.status).toBe(400);
    expect(JSON.stringify(await badFile.json())).toMatch(/\.md, \.markdown, \.html/);
    const badKind = await call(server.url, '/api/knowledge/sources', developer, { kind: 'ftp' });
    expect(badKind.status).toBe(400);
    const empty = await call(server.url, '/api/knowledge/ask', developer, { question: '' });
    expect(empty.status).toBe(400);
    const missing = await call(server.url, '/api/knowledge/jobs/job_nope', developer);
    expect(missing.status).toBe(404);
  });
});
