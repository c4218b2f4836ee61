import {
  createSeededRandom,
  type VectorMetadata,
  type VectorRecord,
  type VectorStoreV1,
} from '@churn/core';
import { describe, expect, it } from 'vitest';
import {
  captureRejection,
  type EventuallyOptions,
  eventually,
  isChurnError,
  orthonormalVectors,
  randomUnitVector,
  vectorAtCosine,
} from './conformance-helpers.js';

/** Settings of {@link describeVectorStoreConformance}. */
export interface VectorStoreConformanceOptions {
  /**
   * Reads after writes are retried until they pass or this budget elapses: for
   * eventually consistent stores (Pinecone). Default: read once, strictly.
   */
  consistency?: EventuallyOptions;
  /** Prefix of the namespaces the suite writes to; each test gets fresh ones. Default `conformance`. */
  namespacePrefix?: string;
  /** Tolerance on returned scores (float32 storage, remote rounding). Default `1e-3`. */
  scoreTolerance?: number;
  /** Per-test timeout in milliseconds, for remote adapters. */
  timeoutMs?: number;
  /** Whether to check that a pre-aborted signal rejects with `aborted`. Default `true`. */
  checkAbort?: boolean;
}

let namespaceCounter = 0;

/**
 * The conformance suite of {@link VectorStoreV1}: every vector store (the memory
 * store, exact or indexed, and Pinecone through its emulator) must pass it.
 *
 * `createStore` is called once per test; it may return a shared store, since each
 * test writes to namespaces of its own. Vectors are built in the store's own
 * `dimensions`, so remote adapters can run it with small indexes.
 *
 * Checked: upsert is idempotent and replaces values and metadata; query returns
 * at most `topK` matches, best first, with the cosine as score and the metadata
 * intact; namespaces are isolated (one tenant never sees another's records, even
 * with the same ids); filters on `docType`, `category` and `documentId` (a string
 * or a list, combined with AND); delete by ids and by document, absent records and
 * namespaces being no error; vectors of the wrong length rejected with a
 * `ChurnError` coded `validation_failed` that names the expected dimensions.
 *
 * @example
 * describeVectorStoreConformance('memory', () => createMemoryVectorStore({ dimensions: 8 }));
 */
export function describeVectorStoreConformance(
  name: string,
  createStore: () => VectorStoreV1 | Promise<VectorStoreV1>,
  options: VectorStoreConformanceOptions = {},
): void {
  const prefix = options.namespacePrefix ?? 'conformance';
  const tolerance = options.scoreTolerance ?? 1e-3;
  const timeout = options.timeoutMs;
  const read = <T>(assertion: () => Promise<T>) => eventually(assertion, options.consistency);
  const freshNamespace = (label: string) =>
    `${prefix}-${label}-${process.pid}-${Date.now().toString(36)}-${namespaceCounter++}`;

  function metadataFor(
    namespace: string,
    documentId: string,
    overrides: Partial<VectorMetadata> = {},
  ): VectorMetadata {
    return {
      tenantId: namespace,
      documentId,
      sourceUrl: `https://docs.example.com/${documentId}`,
      docType: 'guide',
      category: 'billing',
      tokenCount: 42,
      createdAt: '2025-01-02T03:04:05.000Z',
      ...overrides,
    };
  }

  /** A query vector and records at known cosines 0.9, 0.7, 0.5, 0.3, 0.1. */
  function rankedFixture(store: VectorStoreV1, namespace: string, seed: number) {
    const random = createSeededRandom(seed);
    const query = randomUnitVector(random, store.dimensions);
    const cosines = [0.9, 0.7, 0.5, 0.3, 0.1];
    const orthogonal = orthonormalVectors(random, store.dimensions, cosines.length, [query]);
    const records: VectorRecord[] = cosines.map((cosine, index) => ({
      id: `chunk-${index}`,
      values: vectorAtCosine(query, orthogonal[index]!, cosine),
      metadata: metadataFor(namespace, `document-${index % 2}`, {
        docType: index % 2 === 0 ? 'guide' : 'faq',
        category: index < 3 ? 'billing' : 'webhooks',
      }),
    }));
    return { query, cosines, records };
  }

  describe(`VectorStoreV1 conformance: ${name}`, () => {
    it(
      'describes itself',
      async () => {
        const store = await createStore();
        expect(store.specificationVersion).toBe('v1');
        expect(typeof store.provider).toBe('string');
        expect(store.provider.length).toBeGreaterThan(0);
        expect(Number.isInteger(store.dimensions)).toBe(true);
        expect(store.dimensions).toBeGreaterThanOrEqual(2);
      },
      timeout,
    );

    it(
      'returns nothing from an empty namespace',
      async () => {
        const store = await createStore();
        const random = createSeededRandom(1);
        const result = await store.doQuery({
          namespace: freshNamespace('empty'),
          vector: randomUnitVector(random, store.dimensions),
          topK: 5,
        });
        expect(result.matches).toEqual([]);
      },
      timeout,
    );

    it(
      'returns the topK nearest records, best first, with cosine scores and metadata intact',
      async () => {
        const store = await createStore();
        const namespace = freshNamespace('rank');
        const { query, cosines, records } = rankedFixture(store, namespace, 2);
        // Shuffled insertion order: the store must sort, not echo.
        await store.doUpsert({ namespace, records: [...records].reverse() });
        await read(async () => {
          const { matches } = await store.doQuery({ namespace, vector: query, topK: 3 });
          expect(matches.map((match) => match.id)).toEqual(['chunk-0', 'chunk-1', 'chunk-2']);
          for (const [index, match] of matches.entries()) {
            expect(Math.abs(match.score - cosines[index]!)).toBeLessThan(tolerance);
            expect(match.metadata).toEqual(records[index]!.metadata);
          }
        });
        await read(async () => {
          const { matches } = await store.doQuery({ namespace, vector: query, topK: 50 });
          expect(matches.map((match) => match.id)).toEqual(records.map((record) => record.id));
          for (let index = 1; index < matches.length; index++) {
            expect(matches[index - 1]!.score).toBeGreaterThanOrEqual(matches[index]!.score);
          }
        });
      },
      timeout,
    );

    it(
      'upserts idempotently and replaces values and metadata by id',
      async () => {
        const store = await createStore();
        const namespace = freshNamespace('upsert');
        const { query, records } = rankedFixture(store, namespace, 3);
        await store.doUpsert({ namespace, records });
        await store.doUpsert({ namespace, records });
        await read(async () => {
          const { matches } = await store.doQuery({ namespace, vector: query, topK: 50 });
          expect(matches).toHaveLength(records.length);
          expect(new Set(matches.map((match) => match.id)).size).toBe(records.length);
        });
        // chunk-4 (cosine 0.1) becomes the query itself, with new metadata.
        const replaced: VectorRecord = {
          id: 'chunk-4',
          values: [...query],
          metadata: metadataFor(namespace, 'document-new', { category: 'cards', tokenCount: 7 }),
        };
        await store.doUpsert({ namespace, records: [replaced] });
        await read(async () => {
          const { matches } = await store.doQuery({ namespace, vector: query, topK: 50 });
          expect(matches).toHaveLength(records.length);
          expect(matches[0]!.id).toBe('chunk-4');
          expect(Math.abs(matches[0]!.score - 1)).toBeLessThan(tolerance);
          expect(matches[0]!.metadata).toEqual(replaced.metadata);
        });
      },
      timeout,
    );

    it(
      'isolates namespaces: one tenant never sees another, even with the same ids',
      async () => {
        const store = await createStore();
        const tenantA = freshNamespace('tenant-a');
        const tenantB = freshNamespace('tenant-b');
        const a = rankedFixture(store, tenantA, 4);
        const b = rankedFixture(store, tenantB, 5);
        await store.doUpsert({ namespace: tenantA, records: a.records });
        await store.doUpsert({ namespace: tenantB, records: b.records.slice(0, 2) });
        await read(async () => {
          const fromA = await store.doQuery({ namespace: tenantA, vector: b.query, topK: 50 });
          expect(fromA.matches).toHaveLength(a.records.length);
          expect(fromA.matches.every((match) => match.metadata.tenantId === tenantA)).toBe(true);
          const fromB = await store.doQuery({ namespace: tenantB, vector: a.query, topK: 50 });
          expect(fromB.matches).toHaveLength(2);
          expect(fromB.matches.every((match) => match.metadata.tenantId === tenantB)).toBe(true);
        });
        await store.doDelete({ namespace: tenantB, ids: ['chunk-0', 'chunk-1'] });
        await read(async () => {
          const fromA = await store.doQuery({ namespace: tenantA, vector: a.query, topK: 50 });
          expect(fromA.matches).toHaveLength(a.records.length);
          const fromB = await store.doQuery({ namespace: tenantB, vector: b.query, topK: 50 });
          expect(fromB.matches).toEqual([]);
        });
      },
      timeout,
    );

    it(
      'filters by docType, category and documentId, as a string or a list, with AND',
      async () => {
        const store = await createStore();
        const namespace = freshNamespace('filter');
        const { query, records } = rankedFixture(store, namespace, 6);
        await store.doUpsert({ namespace, records });
        const ids = async (filter: Parameters<VectorStoreV1['doQuery']>[0]['filter']) => {
          const { matches } = await store.doQuery({ namespace, vector: query, topK: 50, filter });
          return matches.map((match) => match.id);
        };
        // chunk-i: docType guide when i is even, else faq; category billing for i < 3,
        // else webhooks; documentId document-(i % 2).
        await read(async () => {
          expect(await ids({ docType: 'guide' })).toEqual(['chunk-0', 'chunk-2', 'chunk-4']);
          expect(await ids({ docType: ['faq'] })).toEqual(['chunk-1', 'chunk-3']);
          expect(await ids({ category: 'webhooks' })).toEqual(['chunk-3', 'chunk-4']);
          expect(await ids({ category: ['billing', 'webhooks'] })).toHaveLength(5);
          expect(await ids({ documentId: 'document-1' })).toEqual(['chunk-1', 'chunk-3']);
          expect(await ids({ documentId: ['document-0', 'document-1'] })).toHaveLength(5);
          expect(await ids({ docType: 'guide', category: 'billing' })).toEqual([
            'chunk-0',
            'chunk-2',
          ]);
          expect(
            await ids({ docType: 'faq', category: 'webhooks', documentId: 'document-1' }),
          ).toEqual(['chunk-3']);
          expect(await ids({ docType: 'changelog' })).toEqual([]);
          expect(await ids({})).toHaveLength(5);
        });
        const limited = await read(async () => {
          const result = await store.doQuery({
            namespace,
            vector: query,
            topK: 1,
            filter: { category: 'webhooks' },
          });
          expect(result.matches.map((match) => match.id)).toEqual(['chunk-3']);
          return result;
        });
        expect(limited.matches).toHaveLength(1);
      },
      timeout,
    );

    it(
      'deletes by ids and by documentId; deleting what is absent is fine',
      async () => {
        const store = await createStore();
        const namespace = freshNamespace('delete');
        const { query, records } = rankedFixture(store, namespace, 7);
        await store.doUpsert({ namespace, records });
        await read(async () => {
          const { matches } = await store.doQuery({ namespace, vector: query, topK: 50 });
          expect(matches).toHaveLength(5);
        });
        await store.doDelete({ namespace, ids: ['chunk-0', 'chunk-absent'] });
        await read(async () => {
          const { matches } = await store.doQuery({ namespace, vector: query, topK: 50 });
          expect(matches.map((match) => match.id)).toEqual([
            'chunk-1',
            'chunk-2',
            'chunk-3',
            'chunk-4',
          ]);
        });
        await store.doDelete({ namespace, documentId: 'document-1' });
        await read(async () => {
          const { matches } = await store.doQuery({ namespace, vector: query, topK: 50 });
          expect(matches.map((match) => match.id)).toEqual(['chunk-2', 'chunk-4']);
        });
        await store.doDelete({ namespace, documentId: 'document-absent' });
        await store.doDelete({ namespace, ids: [] });
        await store.doDelete({ namespace: freshNamespace('never-written'), ids: ['chunk-0'] });
        await store.doDelete({ namespace: freshNamespace('never-written'), documentId: 'x' });
        await read(async () => {
          const { matches } = await store.doQuery({ namespace, vector: query, topK: 50 });
          expect(matches.map((match) => match.id)).toEqual(['chunk-2', 'chunk-4']);
        });
      },
      timeout,
    );

    it(
      'rejects vectors of the wrong length with a clear ChurnError',
      async () => {
        const store = await createStore();
        const namespace = freshNamespace('dimension');
        const wrong = Array.from({ length: store.dimensions + 1 }, (_, index) =>
          index === 0 ? 1 : 0,
        );
        const upsertError = await captureRejection(() =>
          store.doUpsert({
            namespace,
            records: [{ id: 'wrong', values: wrong, metadata: metadataFor(namespace, 'd') }],
          }),
        );
        expect(isChurnError(upsertError)).toBe(true);
        expect((upsertError as { code: string }).code).toBe('validation_failed');
        expect((upsertError as Error).message).toContain(String(store.dimensions));
        const queryError = await captureRejection(() =>
          store.doQuery({ namespace, vector: wrong.slice(0, 1), topK: 3 }),
        );
        expect(isChurnError(queryError)).toBe(true);
        expect((queryError as { code: string }).code).toBe('validation_failed');
        expect((queryError as Error).message).toContain(String(store.dimensions));
      },
      timeout,
    );

    if (options.checkAbort !== false) {
      it(
        'honours an aborted signal with a ChurnError coded `aborted`',
        async () => {
          const store = await createStore();
          const namespace = freshNamespace('abort');
          const controller = new AbortController();
          controller.abort();
          const random = createSeededRandom(8);
          const error = await captureRejection(() =>
            store.doQuery({
              namespace,
              vector: randomUnitVector(random, store.dimensions),
              topK: 3,
              abortSignal: controller.signal,
            }),
          );
          expect(isChurnError(error)).toBe(true);
          expect((error as { code: string }).code).toBe('aborted');
        },
        timeout,
      );
    }
  });
}
