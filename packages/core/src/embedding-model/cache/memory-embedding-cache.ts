import { ValidationError } from '../../errors/validation-error.js';
import type { EmbeddingCache } from './embedding-cache.js';

/** Settings of {@link createMemoryEmbeddingCache}. */
export interface MemoryEmbeddingCacheSettings {
  /**
   * Most vectors kept; the least recently used goes first. Default 2000 (about 12 MB of
   * 1536-dimension vectors).
   */
  maxEntries?: number;
}

/** An {@link EmbeddingCache} in this process's memory. */
export interface MemoryEmbeddingCache extends EmbeddingCache {
  /** How many vectors it holds now. */
  readonly size: number;
  /** Forgets every vector. */
  clear(): void;
}

/**
 * An in-process, least-recently-used {@link EmbeddingCache}: a `Map` in recency order
 * (a hit moves its entry to the end, the first entry is evicted). Vectors are copied in and
 * out, so a caller changing a returned array never changes the cache. Not shared between
 * instances: use `createRedisEmbeddingCache` (`@churn/server`) for that.
 *
 * @example
 * const embedder = withEmbeddingCache(createOpenAIEmbeddingModel(), {
 *   cache: createMemoryEmbeddingCache({ maxEntries: 5000 }),
 * });
 */
export function createMemoryEmbeddingCache(
  settings: MemoryEmbeddingCacheSettings = {},
): MemoryEmbeddingCache {
  const maxEntries = settings.maxEntries ?? 2000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new ValidationError('memory embedding cache settings', [
      {
        path: ['maxEntries'],
        message: `must be a positive integer (for example 2000), got ${String(maxEntries)}`,
      },
    ]);
  }
  const entries = new Map<string, number[]>();

  return {
    get size() {
      return entries.size;
    },

    clear() {
      entries.clear();
    },

    async get(keys) {
      return keys.map((key) => {
        const embedding = entries.get(key);
        if (embedding === undefined) return undefined;
        // Most recently used: to the end of the insertion order.
        entries.delete(key);
        entries.set(key, embedding);
        return [...embedding];
      });
    },

    async set(newEntries) {
      for (const { key, embedding } of newEntries) {
        entries.delete(key);
        entries.set(key, [...embedding]);
      }
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break;
        entries.delete(oldest);
      }
    },
  };
}
