import { describe, expect, it } from 'vitest';
import { ChurnError } from '../../errors/churn-error.js';
import { createMemoryEmbeddingCache } from './memory-embedding-cache.js';

describe('createMemoryEmbeddingCache', () => {
  it('answers stored vectors in key order and undefined for the others', async () => {
    const cache = createMemoryEmbeddingCache();
    await cache.set([
      { key: 'a', embedding: [1, 0] },
      { key: 'b', embedding: [0, 1] },
    ]);
    expect(await cache.get(['b', 'missing', 'a'])).toEqual([[0, 1], undefined, [1, 0]]);
    expect(cache.size).toBe(2);
  });

  it('evicts the least recently used entry, a hit counting as a use', async () => {
    const cache = createMemoryEmbeddingCache({ maxEntries: 2 });
    await cache.set([
      { key: 'a', embedding: [1] },
      { key: 'b', embedding: [2] },
    ]);
    await cache.get(['a']);
    await cache.set([{ key: 'c', embedding: [3] }]);
    expect(await cache.get(['a', 'b', 'c'])).toEqual([[1], undefined, [3]]);
    expect(cache.size).toBe(2);
  });

  it('copies vectors in and out', async () => {
    const cache = createMemoryEmbeddingCache();
    const stored = [1, 2];
    await cache.set([{ key: 'a', embedding: stored }]);
    stored[0] = 99;
    const [first] = await cache.get(['a']);
    first![1] = 99;
    expect(await cache.get(['a'])).toEqual([[1, 2]]);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses maxEntries %s with a validation error that says what to pass',
    (maxEntries) => {
      let caught: unknown;
      try {
        createMemoryEmbeddingCache({ maxEntries });
      } catch (error) {
        caught = error;
      }
      expect(ChurnError.isInstance(caught)).toBe(true);
      expect((caught as ChurnError).code).toBe('validation_failed');
      expect((caught as ChurnError).message).toMatch(/maxEntries: must be a positive integer/);
    },
  );

  it('clear forgets everything', async () => {
    const cache = createMemoryEmbeddingCache();
    await cache.set([{ key: 'a', embedding: [1] }]);
    cache.clear();
    expect(await cache.get(['a'])).toEqual([undefined]);
  });
});
