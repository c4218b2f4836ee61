import { createMemoryEmbeddingCache, type EmbeddingModelV1, withEmbeddingCache } from '@churn/core';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { unreachableRedisUrl, useTestRedis } from '../../test/fixtures/test-redis.js';
import type { ChurnLogger } from '../http/error-to-response.js';
import {
  createRedisEmbeddingCache,
  decodeEmbedding,
  encodeEmbedding,
  type RedisEmbeddingCache,
  type RedisEmbeddingCacheSettings,
} from './redis-embedding-cache.js';

/** The real Redis (required: the tests fail when it is not running); this run's keys are deleted at the end. */
const redis = useTestRedis('embedding');
const redisUrl = redis.url;
const runPrefix = redis.prefix;

const opened: RedisEmbeddingCache[] = [];
function cacheOf(settings: RedisEmbeddingCacheSettings = {}): RedisEmbeddingCache {
  const cache = createRedisEmbeddingCache({ url: redisUrl, prefix: runPrefix, ...settings });
  opened.push(cache);
  return cache;
}
afterEach(async () => {
  for (const cache of opened.splice(0)) await cache.close();
});

function recordingLogger(): ChurnLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, error: () => undefined, warn: (message) => warnings.push(message) };
}

describe('createRedisEmbeddingCache', () => {
  it('round-trips vectors as exact float32 values, in key order, missing keys undefined', async () => {
    const cache = cacheOf();
    const first = Array.from({ length: 1536 }, (_, index) => Math.sin(index + 1) / 7);
    const second = [0.1, -0.5, 1 / 3, 1e-8, -0];
    await cache.set([
      { key: 'first', embedding: first },
      { key: 'second', embedding: second },
    ]);
    const [gotSecond, missing, gotFirst] = await cache.get(['second', 'missing', 'first']);
    expect(missing).toBeUndefined();
    expect(gotFirst).toEqual(first.map(Math.fround));
    expect(gotSecond).toEqual(second.map(Math.fround));
    // 1536 dimensions in 6 KB.
    expect(await redis.admin().strlen(`${runPrefix}first`)).toBe(1536 * 4);
    expect(await cache.get([])).toEqual([]);
  });

  it('sets the TTL: 7 days by default, ttlSeconds otherwise', async () => {
    await cacheOf().set([{ key: 'ttl-default', embedding: [1, 2] }]);
    const ttl = await redis.admin().ttl(`${runPrefix}ttl-default`);
    expect(ttl).toBeGreaterThan(7 * 24 * 3600 - 10);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600);
    await cacheOf({ ttlSeconds: 60 }).set([{ key: 'ttl-short', embedding: [1] }]);
    const short = await redis.admin().ttl(`${runPrefix}ttl-short`);
    expect(short).toBeGreaterThan(50);
    expect(short).toBeLessThanOrEqual(60);
  });

  it('keeps prefixes apart', async () => {
    const a = cacheOf({ prefix: `${runPrefix}a:` });
    const b = cacheOf({ prefix: `${runPrefix}b:` });
    await a.set([{ key: 'shared-key', embedding: [1, 2, 3] }]);
    expect(await b.get(['shared-key'])).toEqual([undefined]);
    expect(await a.get(['shared-key'])).toEqual([[1, 2, 3]]);
  });

  it('answers undefined for a corrupted entry and warns once', async () => {
    const logger = recordingLogger();
    const cache = cacheOf({ logger });
    await redis.admin().set(`${runPrefix}corrupted`, 'abc');
    expect(await cache.get(['corrupted', 'corrupted'])).toEqual([undefined, undefined]);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(/not a float32 vector/);
  });

  it('uses a client you pass and leaves it open on close', async () => {
    const client = new Redis(redisUrl, { lazyConnect: true });
    await client.connect();
    const cache = createRedisEmbeddingCache({ client, prefix: runPrefix });
    await cache.set([{ key: 'own-client', embedding: [0.25] }]);
    expect(await cache.get(['own-client'])).toEqual([[0.25]]);
    await cache.close();
    expect(client.status).toBe('ready');
    await expect(cache.get(['own-client'])).rejects.toThrow(/closed/);
    client.disconnect();
  });

  it('rejects quickly when Redis is unreachable, so withEmbeddingCache falls back to the model', async () => {
    const cache = cacheOf({ url: await unreachableRedisUrl() });
    let started = performance.now();
    await expect(cache.get(['a'])).rejects.toThrow();
    await expect(cache.set([{ key: 'a', embedding: [1] }])).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(1500);

    const calls: string[][] = [];
    const model: EmbeddingModelV1 = {
      specificationVersion: 'v1',
      provider: 'remote-test',
      modelId: 'm',
      dimensions: 2,
      maxEmbeddingsPerCall: 10,
      async doEmbed({ values }) {
        calls.push(values);
        return { embeddings: values.map(() => [1, 0]), usage: { tokens: values.length } };
      },
    };
    const errors: unknown[] = [];
    const cached = withEmbeddingCache(model, { cache, onError: (error) => errors.push(error) });
    started = performance.now();
    for (let index = 0; index < 3; index++) {
      expect(await cached.doEmbed({ values: ['question'] })).toEqual({
        embeddings: [[1, 0]],
        usage: { tokens: 1 },
      });
    }
    expect(performance.now() - started).toBeLessThan(1500);
    expect(calls).toHaveLength(3);
    // One failed get and one failed set per call.
    expect(errors).toHaveLength(6);
  });

  it('says what to do without a URL, and validates ttlSeconds', async () => {
    const saved = process.env.REDIS_URL;
    delete process.env.REDIS_URL;
    try {
      const cache = createRedisEmbeddingCache();
      await expect(cache.get(['a'])).rejects.toThrow(/pass \{ url \} or set REDIS_URL/);
      await cache.close();
    } finally {
      if (saved !== undefined) process.env.REDIS_URL = saved;
    }
    expect(() => createRedisEmbeddingCache({ url: redisUrl, ttlSeconds: 0 })).toThrow(
      /ttlSeconds must be a positive integer/,
    );
  });

  it('encodes little-endian float32 and refuses bytes that are not a vector', () => {
    expect(encodeEmbedding([1]).toString('hex')).toBe('0000803f');
    expect(decodeEmbedding(Buffer.from('0000803f', 'hex'))).toEqual([1]);
    expect(decodeEmbedding(Buffer.alloc(0))).toBeUndefined();
    expect(decodeEmbedding(Buffer.alloc(3))).toBeUndefined();
    // Shared memory cache still works alongside (sanity of the core export).
    expect(createMemoryEmbeddingCache().size).toBe(0);
  });
});
