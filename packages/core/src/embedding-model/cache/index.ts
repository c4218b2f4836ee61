export type { EmbeddingCache, EmbeddingCacheEntry } from './embedding-cache.js';
export {
  createMemoryEmbeddingCache,
  type MemoryEmbeddingCache,
  type MemoryEmbeddingCacheSettings,
} from './memory-embedding-cache.js';
export {
  embeddingCacheKey,
  type WithEmbeddingCacheOptions,
  withEmbeddingCache,
} from './with-embedding-cache.js';
