import { describe, expect, it } from 'vitest';
import { ChurnError } from '../../errors/churn-error.js';
import { createOfflineEmbeddingModel } from '../../providers/offline/offline-embedding-model.js';
import type { EmbeddingModelV1, EmbeddingModelV1CallOptions } from '../v1/index.js';
import type { EmbeddingCache } from './embedding-cache.js';
import { createMemoryEmbeddingCache } from './memory-embedding-cache.js';
import { embeddingCacheKey, withEmbeddingCache } from './with-embedding-cache.js';

/** The offline embedder under another name, recording every call it receives. */
function recordingModel(
  overrides: { provider?: string; modelId?: string; dimensions?: number } = {},
) {
  const inner = createOfflineEmbeddingModel({ dimensions: overrides.dimensions ?? 64 });
  const calls: EmbeddingModelV1CallOptions[] = [];
  const model: EmbeddingModelV1 = {
    specificationVersion: 'v1',
    provider: overrides.provider ?? 'remote-test',
    modelId: overrides.modelId ?? 'model-a',
    dimensions: inner.dimensions,
    maxEmbeddingsPerCall: 16,
    async doEmbed(options) {
      calls.push(options);
      return inner.doEmbed(options);
    },
  };
  return { model, calls, inner };
}

describe('withEmbeddingCache', () => {
  it('keeps the model identity', () => {
    const { model } = recordingModel();
    const cached = withEmbeddingCache(model, { cache: createMemoryEmbeddingCache() });
    expect(cached).toMatchObject({
      specificationVersion: 'v1',
      provider: 'remote-test',
      modelId: 'model-a',
      dimensions: 64,
      maxEmbeddingsPerCall: 16,
    });
  });

  it('embeds only the misses, in one call, and answers in input order', async () => {
    const { model, calls, inner } = recordingModel();
    const cached = withEmbeddingCache(model, { cache: createMemoryEmbeddingCache() });
    const first = await cached.doEmbed({ values: ['refund policy', 'update card'] });
    expect(calls.map((call) => call.values)).toEqual([['refund policy', 'update card']]);
    expect(first.usage?.tokens).toBeGreaterThan(0);

    const second = await cached.doEmbed({
      values: ['cancel plan', 'update card', 'refund policy'],
    });
    expect(calls.map((call) => call.values)).toEqual([
      ['refund policy', 'update card'],
      ['cancel plan'],
    ]);
    const expected = await inner.doEmbed({
      values: ['cancel plan', 'update card', 'refund policy'],
    });
    expect(second.embeddings).toEqual(expected.embeddings);
    // Only the miss is counted.
    expect(second.usage).toEqual({ tokens: 2 });

    const third = await cached.doEmbed({ values: ['update card'] });
    expect(calls).toHaveLength(2);
    expect(third).toEqual({ embeddings: [expected.embeddings[1]], usage: { tokens: 0 } });
  });

  it('embeds a text repeated in one call once and fills every position', async () => {
    const { model, calls } = recordingModel();
    const cached = withEmbeddingCache(model, { cache: createMemoryEmbeddingCache() });
    const { embeddings } = await cached.doEmbed({
      values: ['refund', 'invoice', 'refund', 'refund'],
    });
    expect(calls.map((call) => call.values)).toEqual([['refund', 'invoice']]);
    expect(embeddings).toHaveLength(4);
    expect(embeddings[2]).toEqual(embeddings[0]);
    expect(embeddings[3]).toEqual(embeddings[0]);
    expect(embeddings[1]).not.toEqual(embeddings[0]);
    // Separate arrays: changing one answer changes no other.
    embeddings[0]![0] = 42;
    expect(embeddings[2]![0]).not.toBe(42);
  });

  it('never shares vectors across models, dimensions or purposes', async () => {
    const cache = createMemoryEmbeddingCache();
    const a = recordingModel();
    const b = recordingModel({ modelId: 'model-b' });
    const small = recordingModel({ dimensions: 32 });
    const other = recordingModel({ provider: 'other-provider' });
    for (const { model } of [a, b, small, other]) {
      await withEmbeddingCache(model, { cache }).doEmbed({ values: ['hello'] });
    }
    for (const { calls } of [a, b, small, other]) expect(calls).toHaveLength(1);

    const cachedA = withEmbeddingCache(a.model, { cache });
    await cachedA.doEmbed({ values: ['hello'], purpose: 'query' });
    expect(a.calls.map((call) => call.purpose)).toEqual([undefined, 'query']);
    // No purpose is a document.
    await cachedA.doEmbed({ values: ['hello'], purpose: 'document' });
    await cachedA.doEmbed({ values: ['hello'], purpose: 'query' });
    expect(a.calls).toHaveLength(2);
    expect(cache.size).toBe(5);
    expect(embeddingCacheKey(a.model, undefined, 'hello')).toBe(
      embeddingCacheKey(a.model, 'document', 'hello'),
    );
    expect(embeddingCacheKey(a.model, 'query', 'hello')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('evicts through the LRU cache: an evicted text is embedded again', async () => {
    const { model, calls } = recordingModel();
    const cached = withEmbeddingCache(model, {
      cache: createMemoryEmbeddingCache({ maxEntries: 2 }),
    });
    await cached.doEmbed({ values: ['one', 'two'] });
    await cached.doEmbed({ values: ['one'] });
    await cached.doEmbed({ values: ['three'] });
    await cached.doEmbed({ values: ['one', 'two', 'three'] });
    expect(calls.map((call) => call.values)).toEqual([['one', 'two'], ['three'], ['two']]);
  });

  it('falls back to the model when the cache rejects or throws, and reports it', async () => {
    const { model, calls, inner } = recordingModel();
    const errors: unknown[] = [];
    const broken: EmbeddingCache = {
      get: () => Promise.reject(new Error('Redis is down')),
      set: () => {
        throw new Error('Redis is still down');
      },
    };
    const cached = withEmbeddingCache(model, {
      cache: broken,
      onError: (error) => errors.push(error),
    });
    const result = await cached.doEmbed({ values: ['a question'], purpose: 'query' });
    expect(result.embeddings).toEqual((await inner.doEmbed({ values: ['a question'] })).embeddings);
    expect(calls).toHaveLength(1);
    expect(errors.map((error) => (error as Error).message)).toEqual([
      'Redis is down',
      'Redis is still down',
    ]);

    // Without onError, and with an onError that throws, the call still succeeds.
    await withEmbeddingCache(model, { cache: broken }).doEmbed({ values: ['x'] });
    await withEmbeddingCache(model, {
      cache: broken,
      onError: () => {
        throw new Error('logger broken');
      },
    }).doEmbed({ values: ['y'] });
    expect(calls).toHaveLength(3);
  });

  it('treats a reply of the wrong length as a failure and corrupted entries as misses', async () => {
    const { model, calls } = recordingModel();
    const cache = createMemoryEmbeddingCache();
    const errors: unknown[] = [];
    const cached = withEmbeddingCache(model, { cache, onError: (error) => errors.push(error) });
    await cache.set([
      { key: embeddingCacheKey(model, undefined, 'short'), embedding: [1, 2, 3] },
      {
        key: embeddingCacheKey(model, undefined, 'nan'),
        embedding: new Array(64).fill(Number.NaN),
      },
    ]);
    const { embeddings } = await cached.doEmbed({ values: ['short', 'nan'] });
    expect(calls.map((call) => call.values)).toEqual([['short', 'nan']]);
    expect(embeddings.map((vector) => vector.length)).toEqual([64, 64]);
    // The good vectors replaced the corrupted ones.
    expect((await cache.get([embeddingCacheKey(model, undefined, 'short')]))[0]).toEqual(
      embeddings[0],
    );
    expect(errors).toEqual([]);

    const wrongLength = withEmbeddingCache(model, {
      cache: { get: async () => [], set: async () => undefined },
      onError: (error) => errors.push(error),
    });
    await wrongLength.doEmbed({ values: ['p', 'q'] });
    expect(calls).toHaveLength(2);
    expect(String(errors[0])).toMatch(/answered 0 entries for 2 keys/);
  });

  it('passes the abort signal and purpose to the model, and refuses an aborted call', async () => {
    const { model, calls } = recordingModel();
    const cached = withEmbeddingCache(model, { cache: createMemoryEmbeddingCache() });
    const controller = new AbortController();
    await cached.doEmbed({ values: ['a'], purpose: 'query', abortSignal: controller.signal });
    expect(calls[0]!.abortSignal).toBe(controller.signal);
    expect(calls[0]!.purpose).toBe('query');

    controller.abort(new Error('customer left'));
    const error = await cached
      .doEmbed({ values: ['a'], purpose: 'query', abortSignal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(ChurnError.isInstance(error)).toBe(true);
    expect((error as ChurnError).code).toBe('aborted');
    expect(calls).toHaveLength(1);
  });

  it('leaves malformed input to the model, which says what is wrong', async () => {
    const { model } = recordingModel();
    const cached = withEmbeddingCache(model, { cache: createMemoryEmbeddingCache() });
    const error = await cached
      .doEmbed({ values: ['ok', 3 as unknown as string] })
      .catch((caught: unknown) => caught);
    expect((error as ChurnError).code).toBe('validation_failed');
    expect(await cached.doEmbed({ values: [] })).toEqual({ embeddings: [], usage: { tokens: 0 } });
  });

  it('does not cache a failed model call', async () => {
    const cache = createMemoryEmbeddingCache();
    let fail = true;
    const { model: base } = recordingModel();
    const flaky: EmbeddingModelV1 = {
      ...base,
      async doEmbed(options) {
        if (fail) throw new ChurnError('provider_error', 'OpenAI is down');
        return base.doEmbed(options);
      },
    };
    const cached = withEmbeddingCache(flaky, { cache });
    await expect(cached.doEmbed({ values: ['a'] })).rejects.toThrow('OpenAI is down');
    expect(cache.size).toBe(0);
    fail = false;
    await cached.doEmbed({ values: ['a'] });
    expect(cache.size).toBe(1);
  });

  it('never shares a vector between two namespaces (tenants)', async () => {
    const cache = createMemoryEmbeddingCache();
    const { model: inner, calls } = recordingModel();
    let tenant = 'tenant-a';
    const model = withEmbeddingCache(inner, { cache, namespace: () => tenant });
    await model.doEmbed({ values: ['hello'], purpose: 'query' });
    await model.doEmbed({ values: ['hello'], purpose: 'query' });
    expect(calls.map((call) => call.values)).toEqual([['hello']]);
    tenant = 'tenant-b';
    await model.doEmbed({ values: ['hello'], purpose: 'query' });
    expect(calls.map((call) => call.values)).toEqual([['hello'], ['hello']]);
    expect(embeddingCacheKey(inner, 'query', 'hello', 'tenant-a')).not.toBe(
      embeddingCacheKey(inner, 'query', 'hello', 'tenant-b'),
    );
  });
});
