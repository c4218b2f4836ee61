/**
 * Where {@link withEmbeddingCache} keeps the vectors it already paid for, by key (a SHA-256
 * of the model, its dimensions, the purpose and the text).
 *
 * Implementations: `createMemoryEmbeddingCache` (in process, LRU) and
 * `createRedisEmbeddingCache` from `@churn/server` (shared by every instance). A cache may
 * lose entries at any time; a failing cache never fails an embedding call.
 */
export interface EmbeddingCache {
  /** The vectors stored under `keys`, in the same order; `undefined` where none is. */
  get(keys: readonly string[]): Promise<(number[] | undefined)[]>;
  /** Stores each entry's vector under its key (replacing an older one). */
  set(entries: readonly EmbeddingCacheEntry[]): Promise<void>;
}

/** One vector to store in an {@link EmbeddingCache}. */
export interface EmbeddingCacheEntry {
  key: string;
  embedding: readonly number[];
}
