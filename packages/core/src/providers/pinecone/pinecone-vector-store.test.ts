import { type PineconeEmulator, startPineconeEmulator } from '@churn/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChurnError } from '../../errors/churn-error.js';
import type { VectorMetadata, VectorRecord } from '../../vector-store/v1/index.js';
import {
  createPineconeVectorStore,
  planUpsertBatches,
  toPineconeFilter,
} from './pinecone-vector-store.js';

const DIMENSIONS = 8;
let emulator: PineconeEmulator;

beforeAll(async () => {
  emulator = await startPineconeEmulator({ dimension: DIMENSIONS });
});
afterAll(async () => {
  await emulator.close();
});
afterEach(() => {
  emulator.clearFaults();
  emulator.requests.length = 0;
});

function store(overrides: Partial<Parameters<typeof createPineconeVectorStore>[0]> = {}) {
  return createPineconeVectorStore({
    apiKey: emulator.apiKey,
    indexHost: emulator.url,
    dimensions: DIMENSIONS,
    initialRetryDelayMs: 10,
    ...overrides,
  });
}

function unit(index: number, tilt = 0): number[] {
  const values = new Array<number>(DIMENSIONS).fill(0);
  values[index % DIMENSIONS] = 1;
  values[(index + 1) % DIMENSIONS] = tilt;
  return values;
}

function metadata(documentId: string, overrides: Partial<VectorMetadata> = {}): VectorMetadata {
  return {
    tenantId: 'tenant_a',
    documentId,
    sourceUrl: `https://docs.example.com/${documentId}`,
    docType: 'guide',
    category: 'billing',
    tokenCount: 120,
    createdAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

function record(
  documentId: string,
  chunk: number,
  values: number[],
  overrides: Partial<VectorMetadata> = {},
): VectorRecord {
  return { id: `${documentId}#${chunk}`, values, metadata: metadata(documentId, overrides) };
}

async function expectChurnError(promise: Promise<unknown>, code: string): Promise<ChurnError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(ChurnError.isInstance(error)).toBe(true);
  expect((error as ChurnError).code).toBe(code);
  return error as ChurnError;
}

describe('createPineconeVectorStore', () => {
  it('upserts with the seed snake_case metadata and queries back cosine scores, best first', async () => {
    const vectors = store();
    await vectors.doUpsert({
      namespace: 'tenant_a',
      records: [
        record('doc1', 0, unit(0)),
        record('doc1', 1, unit(0, 0.5)),
        record('doc2', 0, unit(3)),
      ],
    });
    expect(emulator.records('tenant_a')[0]).toEqual({
      id: 'doc1#0',
      values: unit(0),
      metadata: {
        tenant_id: 'tenant_a',
        document_id: 'doc1',
        source_url: 'https://docs.example.com/doc1',
        doc_type: 'guide',
        category: 'billing',
        token_count: 120,
        created_at: '2025-01-01T00:00:00.000Z',
      },
    });
    const upsert = emulator.requests[0]!;
    expect(upsert.headers['api-key']).toBe(emulator.apiKey);
    expect(upsert.headers['x-pinecone-api-version']).toMatch(/^\d{4}-\d{2}$/);

    const { matches } = await vectors.doQuery({ namespace: 'tenant_a', vector: unit(0), topK: 2 });
    expect(matches.map((match) => match.id)).toEqual(['doc1#0', 'doc1#1']);
    expect(matches[0]!.score).toBeCloseTo(1, 6);
    expect(matches[1]!.score).toBeCloseTo(1 / Math.sqrt(1.25), 6);
    expect(matches[0]!.metadata).toEqual(metadata('doc1'));
    expect(emulator.requests.at(-1)!.body).toMatchObject({
      namespace: 'tenant_a',
      topK: 2,
      includeMetadata: true,
      includeValues: false,
    });
  });

  it('keeps tenants apart by namespace', async () => {
    const vectors = store();
    await vectors.doUpsert({
      namespace: 'tenant_b',
      records: [record('other', 0, unit(0), { tenantId: 'tenant_b' })],
    });
    const { matches } = await vectors.doQuery({ namespace: 'tenant_c', vector: unit(0), topK: 5 });
    expect(matches).toEqual([]);
    await expectChurnError(
      vectors.doQuery({ namespace: '', vector: unit(0), topK: 5 }),
      'validation_failed',
    );
  });

  it('filters with $eq and $in on doc_type, category and document_id', async () => {
    const vectors = store();
    await vectors.doUpsert({
      namespace: 'filters',
      records: [
        record('a', 0, unit(0), { docType: 'api', category: 'webhooks' }),
        record('b', 0, unit(0, 0.1), { docType: 'guide', category: 'billing' }),
        record('c', 0, unit(0, 0.2), { docType: 'support', category: 'payments' }),
      ],
    });
    const ids = async (filter: Parameters<typeof toPineconeFilter>[0]) =>
      (
        await vectors.doQuery({
          namespace: 'filters',
          vector: unit(0),
          topK: 10,
          ...(filter ? { filter } : {}),
        })
      ).matches.map((match) => match.id);
    expect(await ids({ docType: 'api' })).toEqual(['a#0']);
    expect(await ids({ docType: ['guide', 'support'] })).toEqual(['b#0', 'c#0']);
    expect(await ids({ category: 'payments', docType: ['support', 'api'] })).toEqual(['c#0']);
    expect(await ids({ documentId: ['a', 'b'] })).toEqual(['a#0', 'b#0']);
    expect(emulator.requests.at(-1)!.body).toMatchObject({
      filter: { document_id: { $in: ['a', 'b'] } },
    });
    expect(toPineconeFilter({ docType: 'api', category: ['billing'] })).toEqual({
      doc_type: { $eq: 'api' },
      category: { $eq: 'billing' },
    });
    expect(toPineconeFilter({})).toBeUndefined();
  });

  it('splits upserts at 1000 records and at 2 MB', async () => {
    const vectors = store();
    const records = Array.from({ length: 2500 }, (_, index) =>
      record('bulk', index, unit(index, 0.3)),
    );
    await vectors.doUpsert({ namespace: 'bulk', records });
    const sizes = emulator.requests.map(
      (request) => (request.body as { vectors: unknown[] }).vectors.length,
    );
    expect(sizes).toEqual([1000, 1000, 500]);
    expect(emulator.records('bulk')).toHaveLength(2500);
    const byBytes = planUpsertBatches(['aaaa', 'bbbb', 'cccc'], (item) => item.length, {
      maxRecords: 10,
      maxBytes: 10,
    });
    expect(byBytes).toEqual([['aaaa', 'bbbb'], ['cccc']]);
  });

  it('deletes by ids, and a whole document: chunk ids by prefix, other ids by a document_id query', async () => {
    const vectors = store();
    const records = [
      ...Array.from({ length: 230 }, (_, index) => record('guide', index, unit(index, 0.2))),
      record('guide2', 0, unit(1)),
      // Another document whose id merely starts like a chunk id of `guide`.
      { ...record('guide#0', 0, unit(2)), id: 'guide#0#child' },
      // A record of `guide` written under an id of another scheme.
      { ...record('guide', 0, unit(3)), id: 'legacy-chunk-7' },
    ];
    await vectors.doUpsert({ namespace: 'deletes', records });
    emulator.requests.length = 0;
    await vectors.doDelete({ namespace: 'deletes', documentId: 'guide' });
    const ids = emulator.records('deletes').map((stored) => stored.id);
    expect(ids).toEqual(['guide#0#child', 'guide2#0']);
    const lists = emulator.requests.filter((request) => request.path === '/vectors/list');
    expect(lists).toHaveLength(3);
    expect(lists[0]!.query.get('prefix')).toBe('guide#');
    expect(lists[1]!.query.get('paginationToken')).toBeTruthy();
    const deletes = emulator.requests.filter((request) => request.path === '/vectors/delete');
    expect(deletes.map((request) => (request.body as { ids: string[] }).ids.length)).toEqual([
      230, 1,
    ]);
    expect(deletes.every((request) => !('filter' in (request.body as object)))).toBe(true);
    expect(
      emulator.requests.filter((request) => request.path === '/query').at(-1)!.body,
    ).toMatchObject({
      filter: { document_id: { $eq: 'guide' } },
    });

    await vectors.doDelete({ namespace: 'deletes', ids: ['guide2#0', 'missing#9'] });
    expect(emulator.records('deletes').map((stored) => stored.id)).toEqual(['guide#0#child']);
    // Deleting what is absent, even in a namespace that never existed, is not an error.
    await vectors.doDelete({ namespace: 'never-used', ids: ['x#0'] });
    await vectors.doDelete({ namespace: 'never-used', documentId: 'x' });
  });

  it('refuses wrong dimensions before any request', async () => {
    const error = await expectChurnError(
      store().doUpsert({ namespace: 'tenant_a', records: [record('d', 0, [1, 2, 3])] }),
      'validation_failed',
    );
    expect(error.message).toContain('records[0].values');
    expect(emulator.requests).toHaveLength(0);
  });

  describe('faults', () => {
    it('retries a 429 after its Retry-After, then succeeds', async () => {
      emulator.queueFault({ type: 'status', status: 429, retryAfterMs: 200 });
      const { matches } = await store().doQuery({
        namespace: 'tenant_a',
        vector: unit(0),
        topK: 1,
      });
      expect(matches).toHaveLength(1);
      expect(emulator.requests).toHaveLength(2);
      expect(
        emulator.requests[1]!.receivedAt - emulator.requests[0]!.receivedAt,
      ).toBeGreaterThanOrEqual(180);
    });

    it('retries 500 twice, then succeeds', async () => {
      emulator.queueFault({ type: 'status', status: 500 }, { times: 2 });
      await store().doUpsert({ namespace: 'retry', records: [record('r', 0, unit(1))] });
      expect(emulator.requests).toHaveLength(3);
      expect(emulator.records('retry')).toHaveLength(1);
    });

    it('maps a malformed body to provider_error', async () => {
      emulator.queueFault({ type: 'malformed-body' });
      await expectChurnError(
        store().doQuery({ namespace: 'tenant_a', vector: unit(0), topK: 1 }),
        'provider_error',
      );
    });

    it('maps a hang to timeout', async () => {
      emulator.queueFault({ type: 'hang' }, { times: 2 });
      const error = await expectChurnError(
        store({ timeoutMs: 100, maxRetries: 1 }).doQuery({
          namespace: 'tenant_a',
          vector: unit(0),
          topK: 1,
        }),
        'timeout',
      );
      expect(error.message).toContain('100 ms');
    });

    it('maps an abort to aborted', async () => {
      emulator.queueFault({ type: 'hang' });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      await expectChurnError(
        store().doQuery({
          namespace: 'tenant_a',
          vector: unit(0),
          topK: 1,
          abortSignal: controller.signal,
        }),
        'aborted',
      );
    });

    it('maps 401 to configuration naming PINECONE_API_KEY, without retrying', async () => {
      const error = await expectChurnError(
        store({ apiKey: 'wrong' }).doQuery({ namespace: 'tenant_a', vector: unit(0), topK: 1 }),
        'configuration',
      );
      expect(error.message).toContain('PINECONE_API_KEY');
      expect(emulator.requests).toHaveLength(1);
    });

    it('maps a 400 from the index (dimension mismatch) to provider_error', async () => {
      const wide = createPineconeVectorStore({
        apiKey: emulator.apiKey,
        indexHost: emulator.url,
        dimensions: 4,
      });
      const error = await expectChurnError(
        wide.doUpsert({ namespace: 'tenant_a', records: [record('w', 0, [1, 0, 0, 0])] }),
        'provider_error',
      );
      expect(error.message).toContain('index dimension');
      expect(String((error.cause as Error).message)).toContain(
        'does not match the dimension of the index',
      );
    });
  });
});
