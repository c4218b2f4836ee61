import {
  createKnowledgeBase,
  type KnowledgeBase,
  type KnowledgeBaseSettings,
  type StorageV1,
} from '@churn/core';

/** Settings of {@link createKnowledgeBaseCache}: the RAG seams, defaults filled in by the core. */
export type KnowledgeBaseCacheSettings = Omit<KnowledgeBaseSettings, 'tenantId' | 'store'>;

/** Gives the knowledge base of a tenant over a storage's documents and chunks. */
export interface KnowledgeBaseCache {
  /** The tenant's knowledge base over `storage.knowledge`; the same object every time. */
  forTenant(storage: StorageV1, tenantId: string): KnowledgeBase;
}

/**
 * One knowledge base per storage, bound to `storage.knowledge` (the documents and chunks
 * ingestion wrote), with its in-process index (BM25 + vectors, one partition per tenant)
 * loaded from the stored chunks on a tenant's first question. Every seam left out gets the
 * core's embedded default (offline embedder, memory vector store, offline re-ranker,
 * offline language model).
 *
 * Documents ingested through this cache's knowledge base are indexed at once; documents
 * written to the same database by another process (the CLI) are seen after a restart.
 */
export function createKnowledgeBaseCache(
  settings: KnowledgeBaseCacheSettings = {},
): KnowledgeBaseCache {
  const byStorage = new WeakMap<StorageV1, KnowledgeBase>();
  const byTenant = new WeakMap<KnowledgeBase, Map<string, KnowledgeBase>>();
  return {
    forTenant(storage, tenantId) {
      let knowledgeBase = byStorage.get(storage);
      if (!knowledgeBase) {
        knowledgeBase = createKnowledgeBase({ ...settings, store: storage.knowledge });
        byStorage.set(storage, knowledgeBase);
      }
      let tenants = byTenant.get(knowledgeBase);
      if (!tenants) {
        tenants = new Map();
        byTenant.set(knowledgeBase, tenants);
      }
      let bound = tenants.get(tenantId);
      if (!bound) {
        bound = knowledgeBase.forTenant(tenantId);
        tenants.set(tenantId, bound);
      }
      return bound;
    },
  };
}
