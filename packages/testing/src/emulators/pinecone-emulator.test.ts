import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  matchesPineconeFilter,
  type PineconeEmulator,
  startPineconeEmulator,
} from './pinecone-emulator.js';

let emulator: PineconeEmulator;
beforeAll(async () => {
  emulator = await startPineconeEmulator({ dimension: 3 });
});
afterAll(async () => {
  await emulator.close();
});

describe('startPineconeEmulator', () => {
  it('answers with Pinecone statuses and { code, message, details } bodies', async () => {
    const raw = (path: string, body: unknown, key = emulator.apiKey) =>
      fetch(`${emulator.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'api-key': key },
        body: JSON.stringify(body),
      });
    const unauthorized = await raw('/query', { topK: 1, vector: [1, 0, 0] }, 'wrong');
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.text()).toBe('Unauthorized');
    const dimension = await raw('/vectors/upsert', {
      vectors: [{ id: 'x', values: [1, 2] }],
      namespace: 'n',
    });
    expect(dimension.status).toBe(400);
    expect(await dimension.json()).toEqual({
      code: 3,
      message: 'Vector dimension 2 does not match the dimension of the index 3',
      details: [],
    });
    const tooMany = await raw('/vectors/upsert', {
      vectors: Array.from({ length: 1001 }, (_, id) => ({ id: String(id), values: [1, 0, 0] })),
    });
    expect(tooMany.status).toBe(400);
    expect(
      (await raw('/vectors/upsert', { vectors: [{ id: 'z', values: [0, 0, 0] }] })).status,
    ).toBe(400);
    expect(
      (
        await raw('/vectors/upsert', {
          vectors: [{ id: 'n', values: [1, 0, 0], metadata: { a: null } }],
        })
      ).status,
    ).toBe(400);
    expect((await raw('/query', { topK: 0, vector: [1, 0, 0] })).status).toBe(400);
    expect(
      (await raw('/query', { topK: 1, vector: [1, 0, 0], filter: { a: { $regex: 'x' } } })).status,
    ).toBe(400);
    const missing = await raw('/vectors/delete', { ids: ['x'], namespace: 'nothing-here' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ code: 5, message: 'Namespace not found', details: [] });
    emulator.queueFault({ type: 'status', status: 429, retryAfterSeconds: 1 });
    const limited = await raw('/query', { topK: 1, vector: [1, 0, 0] });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
  });

  it('evaluates the filter language like Pinecone', () => {
    const metadata = { doc_type: 'api', category: 'billing', token_count: 12, tags: ['a', 'b'] };
    const cases: Array<[unknown, boolean]> = [
      [{ doc_type: 'api' }, true],
      [{ doc_type: { $eq: 'guide' } }, false],
      [{ doc_type: { $ne: 'guide' } }, true],
      [{ doc_type: { $in: ['guide', 'api'] } }, true],
      [{ doc_type: { $nin: ['api'] } }, false],
      [{ token_count: { $gt: 10, $lte: 12 } }, true],
      [{ tags: 'b' }, true],
      [{ tags: { $in: ['c'] } }, false],
      [{ missing: { $exists: false } }, true],
      [{ $and: [{ doc_type: 'api' }, { category: 'billing' }] }, true],
      [{ $or: [{ doc_type: 'guide' }, { category: 'billing' }] }, true],
      [{ doc_type: 'api', category: 'webhooks' }, false],
    ];
    for (const [filter, expected] of cases)
      expect(matchesPineconeFilter(metadata, filter)).toBe(expected);
    expect(() => matchesPineconeFilter(metadata, { doc_type: { $in: 'api' } })).toThrow(/array/);
  });
});
