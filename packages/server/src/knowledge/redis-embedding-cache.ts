import type { EmbeddingCache } from '@churn/core';
import type { Redis } from 'ioredis';
import { type ChurnLogger, consoleLogger } from '../http/error-to-response.js';
import { openFailFastRedis, waitForRedisReady } from '../redis/redis-client.js';

/** Settings of {@link createRedisEmbeddingCache}. */
export interface RedisEmbeddingCacheSettings {
  /** `redis://[:password@]host:port[/db]`. Default env `REDIS_URL`. Ignored when `client` is given. */
  url?: string;
  /** A client you made (ioredis). It is not closed by `close()`. */
  client?: Redis;
  /** How long a vector stays, in seconds, refreshed each time it is stored. Default 7 days. */
  ttlSeconds?: number;
  /** Prefix of every key. Default `churn:embedding:`. */
  prefix?: string;
  /** Longest wait for one Redis answer, in ms (then the embedder is called). Default 250. */
  commandTimeoutMs?: number;
  /** Longest wait to connect, in ms. Default 1000. */
  connectTimeoutMs?: number;
  /** Where the warning about a corrupted entry goes. Default `console`. */
  logger?: ChurnLogger;
}

/** An {@link EmbeddingCache} in Redis, with the connection it may hold. */
export interface RedisEmbeddingCache extends EmbeddingCache {
  /** Ends the connection this cache opened (not a `client` you passed). Idempotent. */
  close(): Promise<void>;
}

/** Bytes of one float32. */
const floatBytes = 4;

/** A vector as little-endian float32: 6 KB for 1536 dimensions, the same on every machine. */
export function encodeEmbedding(embedding: readonly number[]): Buffer {
  const buffer = Buffer.allocUnsafe(embedding.length * floatBytes);
  for (const [index, value] of embedding.entries()) buffer.writeFloatLE(value, index * floatBytes);
  return buffer;
}

/** The vector of {@link encodeEmbedding}'s bytes; `undefined` for bytes that cannot be one. */
export function decodeEmbedding(buffer: Buffer): number[] | undefined {
  if (buffer.length === 0 || buffer.length % floatBytes !== 0) return undefined;
  const embedding = new Array<number>(buffer.length / floatBytes);
  for (let index = 0; index < embedding.length; index++) {
    embedding[index] = buffer.readFloatLE(index * floatBytes);
  }
  return embedding;
}

async function connect(settings: RedisEmbeddingCacheSettings): Promise<Redis> {
  const url = settings.url ?? process.env.REDIS_URL;
  if (!url) {
    throw new Error(
      'createRedisEmbeddingCache needs a Redis URL: pass { url } or set REDIS_URL (redis://host:6379).',
    );
  }
  // Named in `CLIENT LIST`, for operators (and the handler's tests).
  return openFailFastRedis('The Redis embedding cache', url, {
    connectionName: 'churn-embedding-cache',
    connectTimeoutMs: settings.connectTimeoutMs,
    commandTimeoutMs: settings.commandTimeoutMs,
  });
}

/**
 * An {@link EmbeddingCache} shared by every instance through Redis: one key per vector
 * (`<prefix><sha256>`), stored as little-endian float32 bytes (6 KB for 1536 dimensions)
 * with an expiry (`SET key bytes EX ttl`, in one pipeline per call), read with one `MGET`.
 * Float32 keeps the ranking of cosine similarities: the difference from the float64 the
 * embedder returned is below 1e-7 per dimension.
 *
 * While Redis is down or slow, `get` and `set` reject within `connectTimeoutMs` /
 * `commandTimeoutMs` instead of queueing: `withEmbeddingCache` then calls the embedder and
 * reports the error to its `onError`. ioredis reconnects by itself. `ioredis` is an optional
 * peer dependency, imported when the cache is made.
 *
 * @example
 * const embedder = withEmbeddingCache(createOpenAIEmbeddingModel(), {
 *   cache: createRedisEmbeddingCache({ url: process.env.REDIS_URL }),
 * });
 */
export function createRedisEmbeddingCache(
  settings: RedisEmbeddingCacheSettings = {},
): RedisEmbeddingCache {
  const prefix = settings.prefix ?? 'churn:embedding:';
  const ttlSeconds = settings.ttlSeconds ?? 7 * 24 * 3600;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new Error(
      `The Redis embedding cache's ttlSeconds must be a positive integer (for example 604800, 7 days), got ${String(ttlSeconds)}.`,
    );
  }
  const logger = settings.logger ?? consoleLogger;
  const connectTimeoutMs = settings.connectTimeoutMs ?? 1000;
  const clientPromise = settings.client ? Promise.resolve(settings.client) : connect(settings);
  // Not awaited here: a missing package or URL is reported by the first call.
  clientPromise.catch(() => undefined);
  let closed = false;
  let warnedCorrupted = false;
  // The last connection error since Redis was last ready: while it is set, a call fails at
  // once instead of waiting for the next reconnection attempt.
  let failure: unknown;
  const watched = new WeakSet<Redis>();
  const watch = (client: Redis): void => {
    if (watched.has(client)) return;
    watched.add(client);
    client.on('error', (error: unknown) => {
      failure = error;
    });
    client.on('ready', () => {
      failure = undefined;
    });
  };

  const ready = async (): Promise<Redis> => {
    if (closed) throw new Error('The Redis embedding cache is closed.');
    const client = await clientPromise;
    watch(client);
    if (client.status === 'ready') return client;
    if (failure !== undefined) {
      throw new Error(
        `Redis is unavailable (${client.status}): ${failure instanceof Error ? failure.message : String(failure)}`,
        { cause: failure },
      );
    }
    await waitForRedisReady(client, connectTimeoutMs);
    return client;
  };

  return {
    async get(keys) {
      if (keys.length === 0) return [];
      const client = await ready();
      const buffers = await client.mgetBuffer(...keys.map((key) => prefix + key));
      return buffers.map((buffer) => {
        if (buffer === null) return undefined;
        const embedding = decodeEmbedding(buffer);
        if (embedding === undefined && !warnedCorrupted) {
          warnedCorrupted = true;
          logger.warn(
            `The Redis embedding cache found an entry that is not a float32 vector under "${prefix}": it is embedded again and overwritten. Check that nothing else writes keys with this prefix.`,
          );
        }
        return embedding;
      });
    },

    async set(entries) {
      if (entries.length === 0) return;
      const client = await ready();
      const pipeline = client.pipeline();
      for (const { key, embedding } of entries) {
        pipeline.set(prefix + key, encodeEmbedding(embedding), 'EX', ttlSeconds);
      }
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0];
    },

    async close() {
      if (closed) return;
      closed = true;
      if (settings.client) return;
      const client = await clientPromise.catch(() => undefined);
      if (!client) return;
      // QUIT waits for the answers of commands already sent; a connection that is down has
      // nothing to wait for.
      if (client.status === 'ready') await client.quit().catch(() => undefined);
      client.disconnect();
    },
  };
}
