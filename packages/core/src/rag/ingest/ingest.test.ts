import { mkdir, mkdtemp, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../clock.js';
import type { EmbeddingModelV1 } from '../../embedding-model/v1/index.js';
import { ChurnError } from '../../errors/index.js';
import type { KnowledgeStoreV1 } from '../../knowledge-store/v1/index.js';
import { createMemoryKnowledgeStore } from '../../providers/memory/memory-knowledge-store.js';
import {
  createMemoryVectorStore,
  type MemoryVectorStore,
} from '../../providers/memory/memory-vector-store.js';
import { createOfflineEmbeddingModel } from '../../providers/offline/offline-embedding-model.js';
import type { VectorStoreV1 } from '../../vector-store/v1/index.js';
import { ingest } from './ingest.js';
import type { IngestOptions, IngestSourceReport } from './ingest-options.js';

const dimensions = 64;
const scrapedAt = new Date('2025-06-01T12:00:00.000Z');

/** The real offline embedder, recording every text it embeds and optionally failing. */
function recordingEmbedder(failWhen?: (value: string) => boolean) {
  const inner = createOfflineEmbeddingModel({ dimensions, maxEmbeddingsPerCall: 3 });
  const calls: string[][] = [];
  const embedder: EmbeddingModelV1 = {
    ...inner,
    async doEmbed(options) {
      calls.push(options.values);
      if (options.values.length > inner.maxEmbeddingsPerCall) throw new Error('batch too big');
      if (failWhen && options.values.some(failWhen))
        throw new Error('embedding service unavailable');
      return inner.doEmbed(options);
    },
  };
  return { embedder, calls, embedded: () => calls.flat() };
}

function setup() {
  return {
    store: createMemoryKnowledgeStore(),
    vectorStore: createMemoryVectorStore({ dimensions }),
  };
}

/** Every stored chunk has exactly one vector and every vector a stored chunk. */
async function expectInSync(
  store: KnowledgeStoreV1,
  vectorStore: MemoryVectorStore,
  tenantId: string,
) {
  const chunks = await store.listChunks({ tenantId });
  expect(vectorStore.size(tenantId)).toBe(chunks.length);
  const documents = await store.listDocuments({ tenantId });
  for (const document of documents) {
    const own = chunks.filter((chunk) => chunk.documentId === document.id);
    const [first] = own;
    if (!first) continue;
    const { matches } = await vectorStore.doQuery({
      namespace: tenantId,
      vector: first.embedding,
      topK: 1000,
      filter: { documentId: document.id },
    });
    expect(matches.map((match) => match.id).sort()).toEqual(own.map((chunk) => chunk.id).sort());
    for (const chunk of own) {
      expect(chunk.id).toBe(`${document.id}#${chunk.metadata.index}`);
      expect(chunk.tenantId).toBe(tenantId);
      expect(chunk.metadata.tenantId).toBe(tenantId);
    }
  }
}

function reasonsByLocation(report: IngestSourceReport): Record<string, string> {
  return Object.fromEntries(report.skipped.map((item) => [item.location, item.reason]));
}

describe('ingest: site crawl against a local server', () => {
  let server: Server;
  let origin: string;
  const requests: { path: string; userAgent: string; at: number }[] = [];

  const page = (title: string, body: string) =>
    `<!doctype html><html><head><title>${title}</title><script>var tracking = 1;</script></head><body><nav><a href="/">Home</a> Navigation menu</nav><main>${body}</main><footer>Copyright footer</footer></body></html>`;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = request.url ?? '/';
      requests.push({ path, userAgent: request.headers['user-agent'] ?? '', at: Date.now() });
      const send = (
        status: number,
        type: string,
        body: string | Buffer,
        headers: Record<string, string> = {},
      ) => {
        response.writeHead(status, { 'content-type': type, ...headers });
        response.end(body);
      };
      switch (path) {
        case '/robots.txt':
          return send(
            200,
            'text/plain',
            `User-agent: *\nDisallow: /private\n\nSitemap: ${origin}/sitemap.xml\n`,
          );
        case '/sitemap.xml':
          return send(
            200,
            'application/xml',
            `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${origin}/sitemap-pages.xml</loc></sitemap></sitemapindex>`,
          );
        case '/sitemap-pages.xml':
          return send(
            200,
            'application/xml',
            `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${origin}/docs/only-in-sitemap</loc><lastmod>2025-03-04</lastmod></url><url><loc>${origin}/docs/webhooks</loc></url><url><loc>https://elsewhere.example/page</loc></url></urlset>`,
          );
        case '/':
          return send(
            200,
            'text/html; charset=utf-8',
            page(
              'Acme Docs',
              `<h1>Acme documentation</h1><p>Start here.</p><ul>
              <li><a href="/docs/cards">Cards</a></li><li><a href="/docs/webhooks#verify">Webhooks</a></li>
              <li><a href="/private/secret">Secret</a></li><li><a href="/moved">Moved</a></li>
              <li><a href="/huge">Huge</a></li><li><a href="/logo.png">Logo</a></li>
              <li><a href="/broken">Broken</a></li><li><a href="/latin">Latin</a></li>
              <li><a href="/docs/latin1">Latin-1</a></li><li><a href="mailto:help@acme.test">Mail</a></li>
              <li><a href="https://external.example/">External</a></li></ul>`,
            ),
          );
        case '/docs/cards':
          return send(
            200,
            'text/html; charset=utf-8',
            page(
              'Updating an expiring card',
              `<h1>Updating an expiring card</h1><p>We email customers before a card expires.</p>
              <h2>Decline codes</h2><table><tr><th>Code</th><th>Meaning</th></tr><tr><td>expired_card</td><td>The card has expired</td></tr></table>
              <h2>Example</h2><pre><code class="language-js">await stripe.paymentMethods.attach(id, { customer });</code></pre>`,
            ),
            { 'last-modified': 'Tue, 04 Mar 2025 10:00:00 GMT' },
          );
        case '/docs/webhooks':
          return send(
            200,
            'text/html',
            page('Webhooks', '<h1>Webhooks</h1><p>Verify every event signature.</p>'),
          );
        case '/docs/only-in-sitemap':
          return send(
            200,
            'text/markdown; charset=utf-8',
            '# Refunds\n\nRefunds take 5 to 10 days.\n',
          );
        case '/docs/latin1':
          return send(
            200,
            'text/html; charset=iso-8859-1',
            Buffer.from(
              page('Café billing', '<p>Le café coûte 3 €? Non: 3 euros.</p>').replace('€', 'EUR'),
              'latin1',
            ),
          );
        case '/private/secret':
          return send(200, 'text/html', page('Secret', '<p>Never crawled.</p>'));
        case '/moved':
          response.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' });
          return response.end();
        case '/huge': {
          response.writeHead(200, { 'content-type': 'text/html' });
          for (let index = 0; index < 40; index++)
            response.write(`<p>${'filler text '.repeat(500)}</p>`);
          return response.end();
        }
        case '/logo.png':
          return send(200, 'image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
        case '/broken':
          return send(500, 'text/plain', 'internal error');
        case '/latin':
          return send(
            200,
            'text/html; charset=utf-8',
            Buffer.concat([Buffer.from('<p>caf'), Buffer.from([0xe9, 0xff]), Buffer.from('</p>')]),
          );
        default:
          return send(404, 'text/plain', 'not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  function crawlOptions(overrides: Partial<IngestOptions> = {}): IngestOptions {
    const { store, vectorStore } = setup();
    return {
      tenantId: 'acme',
      sources: [{ type: 'crawl', url: `${origin}/` }],
      store,
      vectorStore,
      embedder: recordingEmbedder().embedder,
      allowPrivateNetwork: true,
      limits: { maxBytesPerPage: 100_000, delayMs: 0, concurrency: 3 },
      clock: fixedClock(scrapedAt),
      ...overrides,
    };
  }

  it('crawls the origin, follows the sitemap index, honours robots.txt and skips bad pages with reasons', async () => {
    requests.length = 0;
    const options = crawlOptions();
    const report = await ingest(options);
    const [source] = report.sources;
    if (!source) throw new Error('no source report');

    expect(source.added.map((document) => new URL(document.sourceUrl).pathname).sort()).toEqual(
      ['/', '/docs/cards', '/docs/latin1', '/docs/only-in-sitemap', '/docs/webhooks'].sort(),
    );
    expect(reasonsByLocation(source)).toEqual({
      [`${origin}/private/secret`]: 'robots',
      [`${origin}/moved`]: 'cross-origin',
      [`${origin}/huge`]: 'too-large',
      [`${origin}/logo.png`]: 'not-text',
      [`${origin}/broken`]: 'http-status',
      [`${origin}/latin`]: 'encoding',
      'https://elsewhere.example/page': 'cross-origin',
    });
    expect(source.skipped.find((item) => item.reason === 'encoding')?.message).toMatch(
      /not valid UTF-8/,
    );
    // A 500 may be transient: the source was not seen whole, so nothing would be removed.
    expect(source.complete).toBe(false);

    // robots.txt first, the disallowed page never requested, our user agent on every request.
    expect(requests[0]?.path).toBe('/robots.txt');
    expect(requests.some((request) => request.path.startsWith('/private'))).toBe(false);
    expect(requests.every((request) => request.userAgent.startsWith('ChurnBot/'))).toBe(true);
    expect(requests.filter((request) => request.path === '/docs/webhooks')).toHaveLength(1);

    const documents = await options.store.listDocuments({ tenantId: 'acme' });
    const cards = documents.find((document) => document.sourceUrl === `${origin}/docs/cards`);
    expect(cards).toMatchObject({
      title: 'Updating an expiring card',
      docType: 'guide',
      category: 'cards',
      tenantId: 'acme',
      sourceId: `crawl:${origin}/`,
      lastUpdated: new Date('2025-03-04T10:00:00.000Z'),
      scrapedAt,
    });
    expect(cards?.content).toContain('| expired_card | The card has expired |');
    expect(cards?.content).toContain(
      '```js\nawait stripe.paymentMethods.attach(id, { customer });\n```',
    );
    expect(cards?.content).not.toMatch(/Navigation menu|Copyright footer|tracking/);
    expect(cards?.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const sitemapOnly = documents.find((document) =>
      document.sourceUrl.endsWith('/docs/only-in-sitemap'),
    );
    expect(sitemapOnly).toMatchObject({
      title: 'Refunds',
      category: 'payments',
      lastUpdated: new Date('2025-03-04T00:00:00.000Z'),
    });
    expect(
      documents.find((document) => document.sourceUrl.endsWith('/docs/latin1'))?.content,
    ).toContain('Le café coûte 3 EUR?');

    const cardChunks = await options.store.listChunks({
      tenantId: 'acme',
      documentIds: [cards?.id ?? ''],
    });
    expect(cardChunks.length).toBeGreaterThan(0);
    expect(cardChunks[0]?.metadata).toMatchObject({
      title: 'Updating an expiring card',
      sourceUrl: `${origin}/docs/cards`,
      docType: 'guide',
      category: 'cards',
      index: 0,
    });
    expect(cardChunks[0]?.metadata.headingPath[0]).toBe('Updating an expiring card');
    await expectInSync(options.store, options.vectorStore as MemoryVectorStore, 'acme');
  });

  it('waits between requests to the same host', async () => {
    requests.length = 0;
    await ingest(
      crawlOptions({ limits: { delayMs: 60, concurrency: 4, maxPages: 4, maxDepth: 1 } }),
    );
    expect(requests.length).toBeGreaterThanOrEqual(4);
    for (let index = 1; index < requests.length; index++) {
      const gap = (requests[index]?.at ?? 0) - (requests[index - 1]?.at ?? 0);
      // Arrival times carry a little jitter of their own.
      expect(gap).toBeGreaterThanOrEqual(50);
    }
  });

  it('stops at maxPages and maxDepth and then keeps what it did not see', async () => {
    const options = crawlOptions({ limits: { delayMs: 0, maxPages: 2, maxBytesPerPage: 100_000 } });
    const report = await ingest(options);
    const [source] = report.sources;
    expect(source?.added.length).toBeLessThanOrEqual(2);
    expect(
      source?.skipped.some((item) => item.reason === 'limit' && /maxPages/.test(item.message)),
    ).toBe(true);
    expect(source?.complete).toBe(false);

    const shallow = await ingest(
      crawlOptions({ sources: [{ type: 'crawl', url: `${origin}/`, maxDepth: 0 }] }),
    );
    expect(shallow.sources[0]?.added.map((document) => document.sourceUrl)).toEqual([`${origin}/`]);
  });

  it('refuses loopback addresses unless allowPrivateNetwork is set', async () => {
    requests.length = 0;
    const report = await ingest(
      crawlOptions({
        allowPrivateNetwork: false,
        sources: [
          { type: 'crawl', url: `${origin}/` },
          { type: 'url', url: `http://localhost:${new URL(origin).port}/docs/cards` },
          { type: 'url', url: `http://[::1]:${new URL(origin).port}/docs/cards` },
        ],
      }),
    );
    expect(report.sources.map((source) => source.skipped[0]?.reason)).toEqual([
      'private-address',
      'private-address',
      'private-address',
    ]);
    expect(report.sources[0]?.skipped[0]?.message).toMatch(/allowPrivateNetwork: true/);
    expect(report.totals.added).toBe(0);
    expect(requests).toHaveLength(0);
  });

  it('checks every redirect target, including IPv4-mapped IPv6 loopback', async () => {
    // A public address answered by an injected fetch: no network, no DNS.
    const fetched: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      const url = String(input);
      fetched.push(url);
      if (url.endsWith('/robots.txt')) return new Response('', { status: 404 });
      if (url.endsWith('/to-mapped'))
        return new Response(null, {
          status: 301,
          headers: { location: 'http://[::ffff:127.0.0.1]/x' },
        });
      return new Response(null, { status: 302, headers: { location: `${origin}/docs/cards` } });
    };
    const report = await ingest(
      crawlOptions({
        allowPrivateNetwork: false,
        fetch: fakeFetch,
        sources: [
          { type: 'url', url: 'http://93.184.216.34/start' },
          { type: 'url', url: 'http://93.184.216.34/to-mapped' },
        ],
      }),
    );
    expect(report.sources.map((source) => source.skipped.map((item) => item.reason))).toEqual([
      ['private-address'],
      ['private-address'],
    ]);
    expect(fetched.some((url) => url.startsWith(origin) || url.includes('[::ffff'))).toBe(false);
  });
});

describe('ingest: files, folders and strings', () => {
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'churn-ingest-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('ingests a folder of Markdown, HTML and text, skipping what it cannot read', async () => {
    const root = join(folder, 'site');
    await mkdir(join(root, 'api'), { recursive: true });
    await writeFile(
      join(root, 'billing.md'),
      '---\ntitle: "Billing overview"\ncategory: billing\n---\n# Plans\n\nMonthly and yearly plans.\n\n## Proration\n\nChanges are prorated.\n',
    );
    await writeFile(
      join(root, 'faq.html'),
      '<html><head><title>Why was my card declined?</title></head><body><p>Banks decline cards for many reasons.</p></body></html>',
    );
    await writeFile(
      join(root, 'notes.txt'),
      'Plain text notes about webhook retries.\n\nSecond paragraph.',
    );
    await writeFile(
      join(root, 'api', 'invoices.md'),
      '# Invoices API\n\nGET /v1/invoices lists invoices.\n\nPOST /v1/invoices/{id}/pay pays one.\n',
    );
    await writeFile(join(root, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    await writeFile(join(root, 'bad.md'), Buffer.from([0x23, 0x20, 0xc3, 0x28, 0x0a]));
    await writeFile(join(root, 'empty.txt'), '   \n');
    await writeFile(join(root, '.hidden.md'), '# Hidden');
    const mtime = new Date('2024-12-24T08:00:00.000Z');
    await utimes(join(root, 'billing.md'), mtime, mtime);

    const { store, vectorStore } = setup();
    const report = await ingest({
      tenantId: 'acme',
      sources: [{ type: 'path', path: root }],
      store,
      vectorStore,
      embedder: recordingEmbedder().embedder,
      clock: fixedClock(scrapedAt),
    });
    const [source] = report.sources;
    const url = (name: string) => pathToFileURL(join(root, name)).href;
    expect(source?.added.map((document) => document.sourceUrl).sort()).toEqual(
      [url('api/invoices.md'), url('billing.md'), url('faq.html'), url('notes.txt')].sort(),
    );
    expect(reasonsByLocation(source as IngestSourceReport)).toEqual({
      [url('logo.png')]: 'not-text',
      [url('bad.md')]: 'encoding',
      [url('empty.txt')]: 'empty',
    });
    const byUrl = new Map(
      (await store.listDocuments({ tenantId: 'acme' })).map((document) => [
        document.sourceUrl,
        document,
      ]),
    );
    expect(byUrl.get(url('billing.md'))).toMatchObject({
      title: 'Billing overview',
      category: 'billing',
      docType: 'guide',
      lastUpdated: mtime,
      scrapedAt,
    });
    expect(byUrl.get(url('billing.md'))?.content.startsWith('# Plans')).toBe(true);
    expect(byUrl.get(url('faq.html'))).toMatchObject({
      title: 'Why was my card declined?',
      docType: 'support',
      category: 'cards',
    });
    expect(byUrl.get(url('api/invoices.md'))).toMatchObject({
      title: 'Invoices API',
      docType: 'api',
      category: 'invoices',
    });
    expect(byUrl.get(url('notes.txt'))).toMatchObject({
      title: 'Notes',
      category: 'general',
      docType: 'guide',
    });
    await expectInSync(store, vectorStore, 'acme');
  });

  it('ingests strings with their own title, type and category, and rejects bad options clearly', async () => {
    const { store, vectorStore } = setup();
    const report = await ingest({
      tenantId: 'acme',
      sources: [
        {
          type: 'text',
          id: 'welcome',
          content: '<h1>Welcome</h1><p>Hello.</p>',
          format: 'html',
          docType: 'support',
          category: 'account',
        },
        {
          type: 'text',
          id: 'plain',
          title: 'Given title',
          content: 'Some words.',
          format: 'text',
          lastUpdated: '2025-01-01T00:00:00Z',
        },
      ],
      store,
      vectorStore,
      embedder: recordingEmbedder().embedder,
      clock: fixedClock(scrapedAt),
    });
    expect(report.totals.added).toBe(2);
    const documents = await store.listDocuments({ tenantId: 'acme' });
    expect(documents.find((document) => document.sourceUrl === 'raw:welcome')).toMatchObject({
      title: 'Welcome',
      docType: 'support',
      category: 'account',
      sourceId: 'text:welcome',
    });
    expect(documents.find((document) => document.sourceUrl === 'raw:plain')).toMatchObject({
      title: 'Given title',
      lastUpdated: new Date('2025-01-01T00:00:00Z'),
    });

    const error = await ingest({
      tenantId: '',
      sources: [
        { type: 'url', url: 'ftp://x' },
        { type: 'crawl', url: 'https://a.test', maxPages: 0 },
      ],
      store,
      vectorStore: createMemoryVectorStore({ dimensions: 8 }),
      embedder: recordingEmbedder().embedder,
      limits: { concurrency: 0 },
    } as IngestOptions).catch((caught: unknown) => caught);
    expect(ChurnError.isInstance(error) && error.code).toBe('validation_failed');
    const message = (error as Error).message;
    expect(message).toContain('tenantId: must not be empty');
    expect(message).toContain('sources[0].url: must be an absolute http or https URL');
    expect(message).toContain('sources[1].maxPages: must be at least 1');
    expect(message).toContain('limits.concurrency: must be at least 1');

    const mismatch = await ingest({
      tenantId: 'acme',
      sources: [{ type: 'text', id: 'x', content: 'x' }],
      store,
      vectorStore: createMemoryVectorStore({ dimensions: 8 }),
      embedder: recordingEmbedder().embedder,
    }).catch((caught: unknown) => caught);
    expect((mismatch as Error).message).toContain(
      'vectorStore: has 8 dimensions but the embedder returns 64',
    );

    const controller = new AbortController();
    controller.abort();
    const aborted = await ingest({
      tenantId: 'acme',
      sources: [{ type: 'text', id: 'x', content: 'x' }],
      store,
      vectorStore,
      embedder: recordingEmbedder().embedder,
      signal: controller.signal,
    }).catch((caught: unknown) => caught);
    expect(ChurnError.isInstance(aborted) && aborted.code).toBe('aborted');
  });
});

describe('ingest: re-ingesting a source', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'churn-reingest-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const longSection = (topic: string, count: number) =>
    Array.from(
      { length: count },
      (_, index) => `## ${topic} ${index}\n\n${`${topic} detail number ${index}. `.repeat(40)}`,
    ).join('\n\n');

  it('re-embeds only the changed document, keeps the unchanged one and removes the vanished one', async () => {
    const root = join(folder, 'one');
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'changed.md'), `# Changed\n\n${longSection('Cards', 6)}`);
    await writeFile(join(root, 'same.md'), '# Same\n\nThis page never changes.');
    await writeFile(join(root, 'removed.md'), `# Removed\n\n${longSection('Refunds', 2)}`);
    const { store, vectorStore } = setup();
    const options = {
      tenantId: 'acme',
      sources: [{ type: 'path' as const, path: root }],
      store,
      vectorStore,
      chunking: { maxTokens: 120, overlapTokens: 10 },
    };

    const first = await ingest({ ...options, embedder: recordingEmbedder().embedder });
    expect(first.totals).toMatchObject({ added: 3, updated: 0, removed: 0 });
    const before = await store.listDocuments({ tenantId: 'acme' });
    const removedId = before.find((document) => document.title === 'Removed')?.id ?? '';
    const changedId = before.find((document) => document.title === 'Changed')?.id ?? '';
    const changedChunksBefore = await store.listChunks({
      tenantId: 'acme',
      documentIds: [changedId],
    });
    expect(changedChunksBefore.length).toBeGreaterThan(3);
    expect(vectorStore.size('acme')).toBe((await store.listChunks({ tenantId: 'acme' })).length);

    await writeFile(join(root, 'changed.md'), '# Changed\n\nNow a short page about cards.');
    await unlink(join(root, 'removed.md'));
    const second = recordingEmbedder();
    const report = await ingest({ ...options, embedder: second.embedder });
    const [source] = report.sources;
    expect(source?.updated.map((document) => document.title)).toEqual(['Changed']);
    expect(source?.unchanged.map((document) => document.title)).toEqual(['Same']);
    expect(source?.removed.map((document) => document.title)).toEqual(['Removed']);
    expect(source?.removed[0]?.chunkCount).toBeGreaterThan(0);
    expect(source?.complete).toBe(true);
    // Only the changed document went to the embedder.
    expect(second.embedded().length).toBe(1);
    expect(second.embedded()[0]).toContain('Now a short page about cards.');
    expect(report.totals.embeddings).toBe(1);

    expect(await store.getDocument({ tenantId: 'acme', documentId: removedId })).toBeUndefined();
    expect(await store.listChunks({ tenantId: 'acme', documentIds: [removedId] })).toEqual([]);
    const { matches } = await vectorStore.doQuery({
      namespace: 'acme',
      vector: changedChunksBefore[0]?.embedding ?? [],
      topK: 100,
      filter: { documentId: [removedId] },
    });
    expect(matches).toEqual([]);
    // The changed document shrank: its surplus vectors are gone too.
    expect(await store.listChunks({ tenantId: 'acme', documentIds: [changedId] })).toHaveLength(1);
    await expectInSync(store, vectorStore, 'acme');
  });

  it('keeps the previous version when the embedder fails midway, and catches up next run', async () => {
    const root = join(folder, 'two');
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'a.md'), '# Alpha\n\nAlpha version one.');
    await writeFile(join(root, 'b.md'), `# Beta\n\n${longSection('Beta', 4)}`);
    await writeFile(join(root, 'c.md'), '# Gamma\n\nGamma version one.');
    const { store, vectorStore } = setup();
    const options = {
      tenantId: 'acme',
      sources: [{ type: 'path' as const, path: root }],
      store,
      vectorStore,
      chunking: { maxTokens: 100, overlapTokens: 0 },
    };
    await ingest({ ...options, embedder: recordingEmbedder().embedder });
    const betaBefore = (await store.listDocuments({ tenantId: 'acme' })).find(
      (document) => document.title === 'Beta',
    );
    const betaChunksBefore = await store.listChunks({
      tenantId: 'acme',
      documentIds: [betaBefore?.id ?? ''],
    });

    await writeFile(join(root, 'a.md'), '# Alpha\n\nAlpha version two.');
    await writeFile(join(root, 'b.md'), `# Beta\n\n${longSection('Beta changed', 4)}`);
    await writeFile(join(root, 'c.md'), '# Gamma\n\nGamma version two.');
    // The service fails on the second batch of Beta's chunks: Beta's first batch succeeded.
    let betaCalls = 0;
    const failing = recordingEmbedder((value) => value.includes('Beta changed') && ++betaCalls > 3);
    const report = await ingest({ ...options, embedder: failing.embedder });
    const [source] = report.sources;
    expect(source?.updated.map((document) => document.title).sort()).toEqual(['Alpha', 'Gamma']);
    expect(source?.skipped).toEqual([
      expect.objectContaining({ reason: 'embedding-failed', location: betaBefore?.sourceUrl }),
    ]);
    expect(source?.removed).toEqual([]);
    expect(await store.getDocument({ tenantId: 'acme', documentId: betaBefore?.id ?? '' })).toEqual(
      betaBefore,
    );
    expect(
      await store.listChunks({ tenantId: 'acme', documentIds: [betaBefore?.id ?? ''] }),
    ).toEqual(betaChunksBefore);
    await expectInSync(store, vectorStore, 'acme');

    const healed = await ingest({ ...options, embedder: recordingEmbedder().embedder });
    expect(healed.sources[0]?.updated.map((document) => document.title)).toEqual(['Beta']);
    expect(healed.sources[0]?.unchanged).toHaveLength(2);
    await expectInSync(store, vectorStore, 'acme');
  });

  it('marks a document for re-embedding when the vector store refuses its vectors', async () => {
    const { store, vectorStore } = setup();
    let failUpserts = true;
    const flaky: VectorStoreV1 = {
      ...vectorStore,
      doQuery: (options) => vectorStore.doQuery(options),
      doDelete: (options) => vectorStore.doDelete(options),
      async doUpsert(options) {
        if (failUpserts) throw new Error('vector store unavailable');
        return vectorStore.doUpsert(options);
      },
    };
    const options = {
      tenantId: 'acme',
      sourceId: 'cms',
      sources: [{ type: 'text' as const, id: 'page', content: '# Page\n\nSome content.' }],
      store,
      vectorStore: flaky,
    };
    const failed = await ingest({ ...options, embedder: recordingEmbedder().embedder });
    expect(failed.sources[0]?.skipped[0]?.reason).toBe('vector-sync-failed');
    const [stored] = await store.listDocuments({ tenantId: 'acme' });
    expect(stored?.contentHash).toBe('');
    expect(vectorStore.size('acme')).toBe(0);

    failUpserts = false;
    const retried = await ingest({ ...options, embedder: recordingEmbedder().embedder });
    expect(retried.sources[0]?.updated).toHaveLength(1);
    await expectInSync(store, vectorStore, 'acme');
  });

  it('never removes documents of a source that failed as a whole', async () => {
    const { store, vectorStore } = setup();
    const root = join(folder, 'three');
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'a.md'), '# A\n\nText.');
    const options = {
      tenantId: 'acme',
      sourceId: 'docs',
      store,
      vectorStore,
      embedder: recordingEmbedder().embedder,
    };
    await ingest({ ...options, sources: [{ type: 'path', path: root }] });
    const report = await ingest({
      ...options,
      sources: [{ type: 'path', path: join(root, 'missing') }],
    });
    expect(report.sources[0]?.skipped[0]?.reason).toBe('unreachable');
    expect(report.sources[0]?.complete).toBe(false);
    expect(report.sources[0]?.removed).toEqual([]);
    expect(await store.listDocuments({ tenantId: 'acme' })).toHaveLength(1);
  });
});
