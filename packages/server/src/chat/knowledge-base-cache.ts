import { AsyncLocalStorage } from 'node:async_hooks';
import {
  createKnowledgeBase,
  createMemoryEmbeddingCache,
  type EmbeddingCache,
  type EmbeddingModelV1,
  type KnowledgeBase,
  type KnowledgeBaseSettings,
  type StorageV1,
  withEmbeddingCache,
} from '@churn/core';
import type { ChurnLogger } from '../http/error-to-response.js';
import {
  createRedisEmbeddingCache,
  type RedisEmbeddingCache,
} from '../knowledge/redis-embedding-cache.js';

/** Settings of {@link createKnowledgeBaseCache}: the RAG seams, defaults filled in by the core. */
export interface KnowledgeBaseCacheSettings
  extends Omit<KnowledgeBaseSettings, 'tenantId' | 'store'> {
  /**
   * Where the vectors of a remote embedder (any `provider` but `offline`) are kept, so a
   * repeated question or an unchanged chunk on a re-ingest is not embedded (and paid for)
   * twice. Default: `createMemoryEmbeddingCache()` (in this process; `createChurnHandler`
   * passes a Redis cache shared by every instance when `REDIS_URL` is set). `false`: none.
   * Never used for the offline embedder, which is local, deterministic and faster than a
   * cache lookup.
   */
  embeddingCache?: EmbeddingCache | false;
  /**
   * Called when the embedding cache fails (Redis down): the embedder answers instead and
   * the question is answered as usual. Called at most once a minute, so an outage does
   * not flood the logs.
   */
  onEmbeddingCacheError?: (error: unknown) => void;
}

/** Gives the knowledge base of a tenant over a storage's documents and chunks. */
export interface KnowledgeBaseCache {
  /** The tenant's knowledge base over `storage.knowledge`; the same object every time. */
  forTenant(storage: StorageV1, tenantId: string): KnowledgeBase;
}

/** How often {@link KnowledgeBaseCacheSettings.onEmbeddingCacheError} may be called. */
const cacheErrorEveryMs = 60_000;

/**
 * The tenant whose knowledge base is working, for the embedding cache's keys: a tenant's
 * questions and chunks are cached in its own scope, so no tenant can tell from a fast answer
 * what another one asked or ingested.
 */
const tenantScope = new AsyncLocalStorage<string>();

/** `knowledgeBase` with every method run in `tenantId`'s scope ({@link tenantScope}). */
function inTenantScope(knowledgeBase: KnowledgeBase, tenantId: string): KnowledgeBase {
  return new Proxy(knowledgeBase, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        tenantScope.run(tenantId, () => Reflect.apply(value, target, args));
    },
  });
}

/** `embedder` wrapped with its cache, or as it is (offline, no embedder, cache off). */
function cachedEmbedder(settings: KnowledgeBaseCacheSettings): EmbeddingModelV1 | undefined {
  const { embedder, embeddingCache, onEmbeddingCacheError } = settings;
  if (!embedder || embedder.provider === 'offline' || embeddingCache === false) return embedder;
  let lastReport = Number.NEGATIVE_INFINITY;
  return withEmbeddingCache(embedder, {
    cache: embeddingCache ?? createMemoryEmbeddingCache(),
    namespace: () => tenantScope.getStore(),
    onError: (error) => {
      const now = Date.now();
      if (now - lastReport < cacheErrorEveryMs) return;
      lastReport = now;
      onEmbeddingCacheError?.(error);
    },
  });
}

/**
 * The embedding cache `createChurnHandler` shares between instances: a Redis one when
 * `REDIS_URL` is set, the embedder is remote and no `embeddingCache` was chosen; else
 * `undefined` (the knowledge bases then keep their default). Close it with the handler.
 */
export function sharedEmbeddingCacheOf(
  settings: KnowledgeBaseCacheSettings | undefined,
  logger: ChurnLogger,
): RedisEmbeddingCache | undefined {
  const url = process.env.REDIS_URL;
  const embedder = settings?.embedder;
  if (!url || !embedder || embedder.provider === 'offline') return undefined;
  if (settings?.embeddingCache !== undefined) return undefined;
  return createRedisEmbeddingCache({ url, logger });
}

/**
 * One knowledge base per storage, bound to `storage.knowledge` (the documents and chunks
 * ingestion wrote), with its in-process index (BM25 + vectors, one partition per tenant)
 * loaded from the stored chunks on a tenant's first question. Every seam left out gets the
 * core's embedded default (offline embedder, memory vector store, offline re-ranker,
 * offline language model). A remote embedder goes through an embedding cache
 * (`embeddingCache`), shared by every storage of this cache, with each tenant's vectors in
 * its own scope (the key holds the tenant id): a repeated question of the same tenant is a
 * hit, another tenant's equal text is not.
 *
 * Documents ingested through this cache's knowledge base are indexed at once; documents
 * written to the same database by another process (the CLI) are seen after a restart.
 */
export function createKnowledgeBaseCache(
  settings: KnowledgeBaseCacheSettings = {},
): KnowledgeBaseCache {
  const { embeddingCache: _cache, onEmbeddingCacheError: _onError, ...knowledgeBase } = settings;
  const embedder = cachedEmbedder(settings);
  const resolved: Omit<KnowledgeBaseSettings, 'tenantId' | 'store'> = embedder
    ? { ...knowledgeBase, embedder }
    : knowledgeBase;
  const byStorage = new WeakMap<StorageV1, KnowledgeBase>();
  const byTenant = new WeakMap<KnowledgeBase, Map<string, KnowledgeBase>>();
  return {
    forTenant(storage, tenantId) {
      let knowledgeBase = byStorage.get(storage);
      if (!knowledgeBase) {
        knowledgeBase = createKnowledgeBase({ ...resolved, store: storage.knowledge });
        byStorage.set(storage, knowledgeBase);
      }
      let tenants = byTenant.get(knowledgeBase);
      if (!tenants) {
        tenants = new Map();
        byTenant.set(knowledgeBase, tenants);
      }
      let bound = tenants.get(tenantId);
      if (!bound) {
        bound = inTenantScope(knowledgeBase.forTenant(tenantId), tenantId);
        tenants.set(tenantId, bound);
      }
      return bound;
    },
  };
}
