import { type PineconeEmulator, startPineconeEmulator } from '@churn/testing';
import { Pinecone } from '@pinecone-database/pinecone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The emulator, driven by the official SDK directly (the SDK is a dependency of this
// package, not of @churn/testing): proves the wire format the adapter relies on.
let emulator: PineconeEmulator;
beforeAll(async () => {
  emulator = await startPineconeEmulator({ dimension: 3 });
});
afterAll(async () => {
  await emulator.close();
});

function index() {
  return new Pinecone({ apiKey: emulator.apiKey }).index({ host: emulator.url });
}

describe('the Pinecone emulator, through the official SDK', () => {
  it('serves the official SDK: upsert, query (cosine), fetch, list, stats, delete', async () => {
    const target = index();
    await target.upsert({
      namespace: 'tenant',
      records: [
        { id: 'd1#0', values: [1, 0, 0], metadata: { doc_type: 'api', token_count: 10 } },
        { id: 'd1#1', values: [1, 1, 0], metadata: { doc_type: 'guide', token_count: 20 } },
        { id: 'd2#0', values: [0, 0, 1], metadata: { doc_type: 'guide', token_count: 30 } },
      ],
    });
    const request = emulator.requests.at(-1)!;
    expect(request.path).toBe('/vectors/upsert');
    expect(request.headers['api-key']).toBe(emulator.apiKey);
    expect(request.headers['x-pinecone-api-version']).toBeTruthy();

    const result = await target.query({
      namespace: 'tenant',
      vector: [1, 0, 0],
      topK: 2,
      includeMetadata: true,
    });
    expect(result.matches.map((match) => [match.id, Number(match.score?.toFixed(6))])).toEqual([
      ['d1#0', 1],
      ['d1#1', Number(Math.SQRT1_2.toFixed(6))],
    ]);
    expect(result.matches[0]!.metadata).toEqual({ doc_type: 'api', token_count: 10 });
    const filtered = await target.query({
      namespace: 'tenant',
      vector: [1, 0, 0],
      topK: 5,
      filter: { token_count: { $gte: 20 } },
    });
    expect(filtered.matches.map((match) => match.id)).toEqual(['d1#1', 'd2#0']);

    const fetched = await target.fetch({ ids: ['d2#0', 'absent'], namespace: 'tenant' });
    expect(Object.keys(fetched.records)).toEqual(['d2#0']);

    const page = await target.listPaginated({ namespace: 'tenant', prefix: 'd1#', limit: 1 });
    expect(page.vectors?.map((item) => item.id)).toEqual(['d1#0']);
    const next = await target.listPaginated({
      namespace: 'tenant',
      prefix: 'd1#',
      limit: 1,
      paginationToken: page.pagination!.next!,
    });
    expect(next.vectors?.map((item) => item.id)).toEqual(['d1#1']);
    expect(next.pagination).toBeUndefined();

    const stats = await target.describeIndexStats();
    expect(stats).toMatchObject({
      dimension: 3,
      totalRecordCount: 3,
      namespaces: { tenant: { recordCount: 3 } },
    });

    await target.deleteMany({ ids: ['d1#0'], namespace: 'tenant' });
    expect(emulator.records('tenant').map((record) => record.id)).toEqual(['d1#1', 'd2#0']);
    await expect(
      target.deleteMany({ filter: { doc_type: { $eq: 'guide' } }, namespace: 'tenant' }),
    ).rejects.toThrow(/do not support deleting with metadata filtering/);
    await target.deleteAll({ namespace: 'tenant' });
    expect(emulator.records('tenant')).toEqual([]);
  });
});
