import type { EmbeddingModelV1 } from '../embedding-model/v1/index.js';
import { ValidationError } from '../errors/index.js';
import type { KnowledgeStoreV1, StoredDocument } from '../knowledge-store/v1/index.js';
import type { LanguageModelV1, LanguageModelV1Message } from '../language-model/v1/index.js';
import { createMemoryKnowledgeStore } from '../providers/memory/memory-knowledge-store.js';
import { createMemoryVectorStore } from '../providers/memory/memory-vector-store.js';
import { createOfflineEmbeddingModel } from '../providers/offline/offline-embedding-model.js';
import { createOfflineLanguageModel } from '../providers/offline/offline-language-model.js';
import { createOfflineReranker } from '../providers/offline/offline-reranker.js';
import type { RerankerV1 } from '../reranker/v1/index.js';
import type { VectorStoreV1 } from '../vector-store/v1/index.js';
import { type AnswerResponse, streamAnswer } from './answer/stream-answer.js';
import { ingest } from './ingest/index.js';
import type { IngestOptions, IngestReport, IngestSource } from './ingest/ingest-options.js';
import { createKnowledgeIndex, type KnowledgeIndex } from './retrieval/knowledge-index.js';
import type { LexicalIndex } from './retrieval/lexical-index.js';
import type { RetrievalFilter } from './retrieval/retrieve.js';
import type { RetrievedChunk } from './retrieval/retrieved-chunk.js';

/** A source of documents for {@link KnowledgeBase.ingest}: what ingestion accepts. */
export type KnowledgeSource = IngestSource;

/** Settings of {@link createKnowledgeBase}; everything left out gets its embedded default. */
export interface KnowledgeBaseSettings {
  /** Binds the knowledge base to one tenant: calls then need (and accept) no other tenant. */
  tenantId?: string;
  /** Where documents and chunks live. Default: an in-memory knowledge store. */
  store?: KnowledgeStoreV1;
  /** Default: the offline embedder. */
  embedder?: EmbeddingModelV1;
  /** Default: an in-memory vector store with the embedder's dimensions. */
  vectorStore?: VectorStoreV1;
  /** Default: the offline re-ranker. */
  reranker?: RerankerV1;
  /** Default: the offline language model (extractive answers with citations). */
  languageModel?: LanguageModelV1;
  /** Default: a new in-memory BM25 index. */
  lexicalIndex?: LexicalIndex;
  /** Chunks retrieved for an answer. Default 5. */
  /**
   * Called when an outage of the embedder or the vector store makes a search fall back to
   * keyword (BM25) search alone: log it.
   */
  onVectorSearchError?: (error: unknown) => void;
  topK?: number;
  /** Confidence below which answers say they are not sure and suggest escalation. Default 0.35. */
  threshold?: number;
  /** Extra system instructions for every answer (tone, product name). */
  instructions?: string;
  /** Ingestion settings (chunking, limits, category rules, fetch, clock) used by every `ingest`. */
  ingest?: Omit<IngestOptions, 'tenantId' | 'sources' | 'store' | 'embedder' | 'vectorStore'>;
}

/** Options every call accepts. */
export interface KnowledgeBaseCallOptions {
  /** The tenant, when the knowledge base is not bound to one. */
  tenantId?: string;
  signal?: AbortSignal;
}

/** Options of {@link KnowledgeBase.search}. */
export interface KnowledgeBaseSearchOptions extends KnowledgeBaseCallOptions {
  filter?: RetrievalFilter;
  /** Chunks returned. Default: the knowledge base's `topK`. */
  topK?: number;
}

/** Options of {@link KnowledgeBase.answer}. */
export interface KnowledgeBaseAnswerOptions extends KnowledgeBaseSearchOptions {
  /** Earlier turns of the conversation, oldest first. */
  history?: LanguageModelV1Message[];
  /** Chunks already retrieved for this question: retrieval is skipped. */
  chunks?: readonly RetrievedChunk[];
  threshold?: number;
  /** See `StreamAnswerOptions.holdUntilConfident`. */
  holdUntilConfident?: boolean;
}

/** The RAG client: ingest a tenant's docs, search them, answer from them. */
export interface KnowledgeBase {
  /** The tenant the knowledge base is bound to, if any. */
  readonly tenantId: string | undefined;
  /** The resolved pipeline, defaults filled in. */
  readonly settings: {
    store: KnowledgeStoreV1;
    embedder: EmbeddingModelV1;
    vectorStore: VectorStoreV1;
    reranker: RerankerV1;
    languageModel: LanguageModelV1;
  };
  /** The searchable side (vector store and BM25 index kept in step). */
  readonly index: KnowledgeIndex;
  /** Loads, chunks, embeds and stores documents; unchanged documents are skipped. */
  ingest(sources: KnowledgeSource[], options?: KnowledgeBaseCallOptions): Promise<IngestReport>;
  /** The tenant's stored documents. */
  listDocuments(options?: KnowledgeBaseCallOptions): Promise<StoredDocument[]>;
  /** Hybrid retrieval and re-ranking: the best chunks for a query, best first. */
  search(query: string, options?: KnowledgeBaseSearchOptions): Promise<RetrievedChunk[]>;
  /**
   * Retrieves, then answers with citations and a confidence score. Resolves once
   * retrieval is done, with the answer's stream and final result.
   */
  answer(question: string, options?: KnowledgeBaseAnswerOptions): Promise<AnswerResponse>;
  /** The same knowledge base bound to one tenant. */
  forTenant(tenantId: string): KnowledgeBase;
}

/**
 * Creates the RAG client. With no settings it runs fully offline and in memory:
 * memory knowledge store, offline embedder, memory vector store, BM25 index,
 * offline re-ranker and offline language model. Pass real adapters (OpenAI,
 * Pinecone, PostgreSQL) to use them instead.
 *
 * Multi-tenant: every call is for one tenant, named by the call's `tenantId` or
 * by the knowledge base's own; a bound knowledge base refuses another tenant.
 *
 * With an in-process index over a persistent store, the index of a tenant is
 * loaded from the store on that tenant's first search.
 *
 * @example
 * const knowledgeBase = createKnowledgeBase({ tenantId: 'acme' });
 * await knowledgeBase.ingest([{ type: 'text', id: 'refunds', content: '# Refunds\n...' }]);
 * const { stream, result } = await knowledgeBase.answer('How long do refunds take?');
 */
export function createKnowledgeBase(settings: KnowledgeBaseSettings = {}): KnowledgeBase {
  const embedder = settings.embedder ?? createOfflineEmbeddingModel();
  const ownVectorStore = settings.vectorStore === undefined;
  const vectorStore =
    settings.vectorStore ?? createMemoryVectorStore({ dimensions: embedder.dimensions });
  const store = settings.store ?? createMemoryKnowledgeStore();
  const reranker = settings.reranker ?? createOfflineReranker();
  const languageModel = settings.languageModel ?? createOfflineLanguageModel();
  const index = createKnowledgeIndex({
    embedder,
    vectorStore,
    reranker,
    knowledgeStore: store,
    ...(settings.lexicalIndex ? { lexicalIndex: settings.lexicalIndex } : {}),
    ...(settings.topK === undefined ? {} : { topK: settings.topK }),
    ...(settings.onVectorSearchError ? { onVectorSearchError: settings.onVectorSearchError } : {}),
  });
  const resolved = { store, embedder, vectorStore, reranker, languageModel };
  const loaded = new Set<string>();
  const loading = new Map<string, Promise<void>>();

  const ensureLoaded = async (tenantId: string, signal?: AbortSignal): Promise<void> => {
    if (loaded.has(tenantId)) return;
    let pending = loading.get(tenantId);
    if (!pending) {
      pending = (async () => {
        if (index.lexicalIndex.size(tenantId) === 0) {
          await index.loadFromKnowledgeStore({
            tenantId,
            vectors: ownVectorStore,
            ...(signal ? { abortSignal: signal } : {}),
          });
        }
        loaded.add(tenantId);
      })().finally(() => loading.delete(tenantId));
      loading.set(tenantId, pending);
    }
    await pending;
  };

  // Ingestion writes the store and the vector store; the in-process BM25 index
  // follows the documents it added, updated or removed.
  const syncLexicalIndex = async (tenantId: string, report: IngestReport): Promise<void> => {
    const changed = report.sources.flatMap((source) =>
      [...source.added, ...source.updated].map((document) => document.documentId),
    );
    for (const source of report.sources) {
      for (const removed of source.removed) {
        index.lexicalIndex.removeDocument(tenantId, removed.documentId);
      }
    }
    if (changed.length === 0) return;
    for (const documentId of changed) index.lexicalIndex.removeDocument(tenantId, documentId);
    const chunks = await store.listChunks({ tenantId, documentIds: changed });
    index.lexicalIndex.add(
      tenantId,
      chunks.map((chunk) => ({
        id: chunk.id,
        documentId: chunk.documentId,
        content: chunk.content,
        metadata: chunk.metadata,
      })),
    );
  };

  const bind = (boundTenant: string | undefined): KnowledgeBase => {
    const tenantOf = (options: KnowledgeBaseCallOptions | undefined): string => {
      const named = options?.tenantId;
      if (boundTenant !== undefined) {
        if (named !== undefined && named !== boundTenant) {
          throw new ValidationError('knowledge base call', [
            {
              path: ['tenantId'],
              message: `is "${named}" but this knowledge base is bound to "${boundTenant}": use forTenant("${named}") for another tenant`,
            },
          ]);
        }
        return boundTenant;
      }
      if (typeof named !== 'string' || named.trim() === '') {
        throw new ValidationError('knowledge base call', [
          {
            path: ['tenantId'],
            message:
              'is missing: pass { tenantId } to the call, or create the knowledge base with { tenantId }',
          },
        ]);
      }
      return named;
    };

    const search: KnowledgeBase['search'] = async (query, options = {}) => {
      const tenantId = tenantOf(options);
      await ensureLoaded(tenantId, options.signal);
      return index.retrieve({
        tenantId,
        query,
        ...(options.filter ? { filter: options.filter } : {}),
        ...(options.topK === undefined ? {} : { topK: options.topK }),
        ...(options.signal ? { abortSignal: options.signal } : {}),
      });
    };

    return {
      tenantId: boundTenant,
      settings: resolved,
      index,

      async ingest(sources, options = {}) {
        const tenantId = tenantOf(options);
        await ensureLoaded(tenantId, options.signal);
        const report = await ingest({
          ...settings.ingest,
          tenantId,
          sources,
          store,
          embedder,
          vectorStore,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        await syncLexicalIndex(tenantId, report);
        return report;
      },

      async listDocuments(options = {}) {
        return store.listDocuments({ tenantId: tenantOf(options) });
      },

      search,

      async answer(question, options = {}) {
        const tenantId = tenantOf(options);
        if (typeof question !== 'string' || question.trim() === '') {
          throw new ValidationError('answer request', [
            {
              path: ['question'],
              message: 'must be a non-empty string: pass the customer question',
            },
          ]);
        }
        const chunks = options.chunks ?? (await search(question, { ...options, tenantId }));
        const threshold = options.threshold ?? settings.threshold;
        return streamAnswer({
          question,
          chunks,
          languageModel,
          ...(threshold === undefined ? {} : { threshold }),
          ...(options.history ? { history: options.history } : {}),
          ...(settings.instructions ? { instructions: settings.instructions } : {}),
          ...(options.holdUntilConfident === undefined
            ? {}
            : { holdUntilConfident: options.holdUntilConfident }),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      },

      forTenant(tenantId) {
        if (boundTenant !== undefined && tenantId !== boundTenant) {
          throw new ValidationError('knowledge base call', [
            {
              path: ['tenantId'],
              message: `is "${tenantId}" but this knowledge base is bound to "${boundTenant}": create an unbound knowledge base to serve several tenants`,
            },
          ]);
        }
        return bind(tenantId);
      },
    };
  };

  return bind(settings.tenantId);
}
