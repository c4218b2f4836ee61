import { describeVectorStoreConformance } from '@churn/testing/conformance';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VectorMetadata } from '../../vector-store/v1/index.js';
import { createMemoryVectorStore } from './memory-vector-store.js';

describeVectorStoreConformance('memory (exact, SIMD)', () =>
  createMemoryVectorStore({ dimensions: 16 }),
);
describeVectorStoreConformance('memory (exact, JavaScript, odd dimensions)', () =>
  createMemoryVectorStore({ dimensions: 7, kernel: 'javascript' }),
);
describeVectorStoreConformance('memory (approximate index from 2 vectors)', () =>
  createMemoryVectorStore({ dimensions: 16, indexThreshold: 2, minimumCandidates: 1 }),
);

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

function unit(random: () => number, dimensions: number): number[] {
  const vector = Array.from({ length: dimensions }, () => random() * 2 - 1);
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}

const metadata = (documentId: string, category = 'billing'): VectorMetadata => ({
  tenantId: 'tenant',
  documentId,
  sourceUrl: `https://docs.example.com/${documentId}`,
  docType: 'guide',
  category,
  tokenCount: 10,
  createdAt: '2025-01-01T00:00:00.000Z',
});

/** Clustered data: what real embeddings look like to an index. */
function clustered(count: number, dimensions: number, random: () => number): number[][] {
  const centres = Array.from({ length: Math.ceil(count / 40) }, () => unit(random, dimensions));
  return Array.from({ length: count }, (_, index) => {
    const centre = centres[index % centres.length]!;
    const noise = unit(random, dimensions);
    const vector = centre.map((value, component) => value + 0.8 * noise[component]!);
    const norm = Math.hypot(...vector);
    return vector.map((value) => value / norm);
  });
}

describe('createMemoryVectorStore', () => {
  it('answers the index path like the exact path on clustered data, through deletes and upserts', async () => {
    const dimensions = 32;
    const random = seeded(7);
    const vectors = clustered(3000, dimensions, random);
    const records = vectors.map((values, index) => ({
      id: `v${index}`,
      values,
      metadata: metadata(`doc-${index % 300}`, index % 10 === 0 ? 'rare' : 'billing'),
    }));
    const exact = createMemoryVectorStore({ dimensions });
    const indexed = createMemoryVectorStore({
      dimensions,
      indexThreshold: 500,
      minimumCandidates: 100,
    });
    for (const store of [exact, indexed]) {
      await store.doUpsert({ namespace: 't', records });
      await store.doDelete({ namespace: 't', documentId: 'doc-3' });
      await store.doDelete({ namespace: 't', ids: ['v10', 'v11', 'v2999'] });
      await store.doUpsert({ namespace: 't', records: records.slice(0, 5) });
    }
    let found = 0;
    for (let query = 0; query < 40; query++) {
      const vector = vectors[(query * 71) % vectors.length]!;
      const truth = await exact.doQuery({ namespace: 't', vector, topK: 10 });
      const approximate = await indexed.doQuery({ namespace: 't', vector, topK: 10 });
      expect(indexed.lastSearchMode('t')).toBe('index');
      const truthIds = new Set(truth.matches.map((match) => match.id));
      found += approximate.matches.filter((match) => truthIds.has(match.id)).length;
      // A selective filter is answered exactly over its subset.
      const filtered = await indexed.doQuery({
        namespace: 't',
        vector,
        topK: 5,
        filter: { category: 'rare' },
      });
      expect(indexed.lastSearchMode('t')).toBe('exact');
      const filteredTruth = await exact.doQuery({
        namespace: 't',
        vector,
        topK: 5,
        filter: { category: 'rare' },
      });
      expect(filtered.matches.map((match) => match.id)).toEqual(
        filteredTruth.matches.map((match) => match.id),
      );
    }
    expect(found / 400).toBeGreaterThanOrEqual(0.95);
    expect(indexed.size('t')).toBe(exact.size('t'));
  });

  it('round-trips through a JSON snapshot', async () => {
    const store = createMemoryVectorStore({ dimensions: 8 });
    const random = seeded(3);
    const records = Array.from({ length: 20 }, (_, index) => ({
      id: `r${index}`,
      values: unit(random, 8),
      metadata: metadata(`d${index % 4}`),
    }));
    await store.doUpsert({ namespace: 'a', records });
    await store.doUpsert({ namespace: 'b', records: records.slice(0, 3) });
    const snapshot = JSON.parse(JSON.stringify(store.exportSnapshot()));
    const copy = createMemoryVectorStore({ dimensions: 8 });
    copy.importSnapshot(snapshot);
    expect(copy.size()).toBe(23);
    const query = unit(random, 8);
    expect(await copy.doQuery({ namespace: 'a', vector: query, topK: 5 })).toEqual(
      await store.doQuery({ namespace: 'a', vector: query, topK: 5 }),
    );
    expect(() => createMemoryVectorStore({ dimensions: 9 }).importSnapshot(snapshot)).toThrow(
      /dimensions/,
    );
  });

  it('matches a brute-force reference for any upserts, deletes and filters (property)', async () => {
    const dimensions = 8;
    const operation = fc.oneof(
      fc.record({
        kind: fc.constant('upsert' as const),
        id: fc.integer({ min: 0, max: 15 }),
        seed: fc.nat(),
        document: fc.integer({ min: 0, max: 3 }),
      }),
      fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: 0, max: 15 }) }),
      fc.record({
        kind: fc.constant('deleteDocument' as const),
        document: fc.integer({ min: 0, max: 3 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(operation, { maxLength: 40 }),
        fc.nat(),
        fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
        fc.integer({ min: 1, max: 20 }),
        fc.constantFrom(2, 1000),
        async (operations, querySeed, filterDocument, topK, indexThreshold) => {
          const store = createMemoryVectorStore({
            dimensions,
            indexThreshold,
            minimumCandidates: 100,
          });
          const reference = new Map<string, { values: number[]; documentId: string }>();
          for (const step of operations) {
            if (step.kind === 'upsert') {
              const values = unit(seeded(step.seed + 1), dimensions);
              const id = `id${step.id}`;
              const documentId = `doc${step.document}`;
              await store.doUpsert({
                namespace: 'n',
                records: [{ id, values, metadata: metadata(documentId) }],
              });
              reference.set(id, { values, documentId });
            } else if (step.kind === 'delete') {
              await store.doDelete({ namespace: 'n', ids: [`id${step.id}`] });
              reference.delete(`id${step.id}`);
            } else {
              await store.doDelete({ namespace: 'n', documentId: `doc${step.document}` });
              for (const [id, entry] of reference) {
                if (entry.documentId === `doc${step.document}`) reference.delete(id);
              }
            }
          }
          const query = unit(seeded(querySeed + 1), dimensions);
          const filter =
            filterDocument === undefined ? undefined : { documentId: `doc${filterDocument}` };
          const { matches } = await store.doQuery({ namespace: 'n', vector: query, topK, filter });
          const expected = [...reference.entries()]
            .filter(([, entry]) => !filter || entry.documentId === filter.documentId)
            .map(([id, entry]) => ({
              id,
              score: entry.values.reduce((sum, value, index) => sum + value * query[index]!, 0),
            }))
            .sort((left, right) => right.score - left.score)
            .slice(0, topK);
          // The index path at this size probes everything (minimumCandidates), so both are exact.
          expect(matches.map((match) => match.score)).toEqual(
            expected.map((entry) => expect.closeTo(entry.score, 5)),
          );
          expect(store.size('n')).toBe(reference.size);
        },
      ),
      { numRuns: 150 },
    );
  });
});
