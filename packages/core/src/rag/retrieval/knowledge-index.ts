import type { EmbeddingModelV1 } from '../../embedding-model/v1/index.js';
import { ChurnError } from '../../errors/churn-error.js';
import { ValidationError } from '../../errors/validation-error.js';
import type { KnowledgeStoreV1, StoredChunk } from '../../knowledge-store/v1/index.js';
import type { RerankerV1 } from '../../reranker/v1/index.js';
import type { VectorRecord, VectorStoreV1 } from '../../vector-store/v1/index.js';
import { createLexicalIndex, type LexicalFeedback, type LexicalIndex } from './lexical-index.js';
import { type RetrievalFilter, retrieve } from './retrieve.js';
import type { RetrievedChunk } from './retrieved-chunk.js';

/** Settings of {@link createKnowledgeIndex}. */
export interface KnowledgeIndexSettings {
  embedder: EmbeddingModelV1;
  vectorStore: VectorStoreV1;
  /** Default: a new in-memory BM25 index. */
  lexicalIndex?: LexicalIndex;
  /** Default: the offline re-ranker. */
  reranker?: RerankerV1;
  /** Source of chunks the lexical index does not hold, and of {@link KnowledgeIndex.loadFromKnowledgeStore}. */
  knowledgeStore?: KnowledgeStoreV1;
  /** Default chunks returned per query. Default 5. */
  topK?: number;
  /** Default candidates per first stage. Default 30. */
  candidates?: number;
  /** How the first stages are fused: `rrf` (default) or `convex`; see {@link retrieve}. */
  fusion?: 'rrf' | 'convex';
  /** Share of the vector stage in convex fusion. Default 0.5. */
  vectorWeight?: number;
  /** Default `k` of reciprocal rank fusion. Default 60. */
  fusionK?: number;
  /** Pseudo-relevance feedback (RM3) of the lexical stage, or `false`; see {@link retrieve}. */
  lexicalFeedback?: LexicalFeedback | false;
  /**
   * Called when an outage of the embedder or the vector store makes a search fall back to
   * the lexical (BM25) side alone (see `retrieve`): log it.
   */
  onVectorSearchError?: (error: unknown) => void;
}

/** A chunk to index: a stored chunk whose embedding may be missing (it is then computed). */
export type IndexableChunk = Omit<StoredChunk, 'embedding' | 'createdAt'> & {
  embedding?: number[];
  createdAt?: Date;
};

/** Per-query options of {@link KnowledgeIndex.retrieve}. */
export interface KnowledgeIndexRetrieveOptions {
  tenantId: string;
  query: string;
  filter?: RetrievalFilter;
  topK?: number;
  candidates?: number;
  abortSignal?: AbortSignal;
}

/**
 * The searchable side of a tenant's knowledge: the vector store and the lexical
 * index kept in step, and hybrid retrieval over both. Ingestion calls `index` and
 * `removeDocument`; the answer step calls `retrieve`.
 */
export interface KnowledgeIndex {
  readonly embedder: EmbeddingModelV1;
  readonly vectorStore: VectorStoreV1;
  readonly lexicalIndex: LexicalIndex;
  /** Adds or replaces chunks by id in both indexes; embeds chunks without an embedding. */
  index(options: {
    tenantId: string;
    chunks: IndexableChunk[];
    abortSignal?: AbortSignal;
  }): Promise<void>;
  /** Replaces every chunk of a document: the old chunks go, the new ones come. */
  replaceDocument(options: {
    tenantId: string;
    documentId: string;
    chunks: IndexableChunk[];
    abortSignal?: AbortSignal;
  }): Promise<void>;
  /** Removes a document's chunks from both indexes. Absent documents are fine. */
  removeDocument(options: { tenantId: string; documentId: string }): Promise<void>;
  /**
   * Rebuilds a tenant from the chunks (with their embeddings) in the knowledge
   * store: how the in-process indexes come back after a restart. With
   * `vectors: false` only the lexical index is rebuilt (the vector store persists
   * by itself, as Pinecone does).
   */
  loadFromKnowledgeStore(options: {
    tenantId: string;
    knowledgeStore?: KnowledgeStoreV1;
    vectors?: boolean;
    abortSignal?: AbortSignal;
  }): Promise<{ chunks: number }>;
  /** Hybrid retrieval for one tenant: see {@link retrieve}. */
  retrieve(options: KnowledgeIndexRetrieveOptions): Promise<RetrievedChunk[]>;
}

/**
 * Creates the knowledge index: one object that keeps a vector store and a BM25
 * index in step for every tenant (namespace = tenant id) and retrieves from both.
 *
 * @example
 * const knowledge = createKnowledgeIndex({
 *   embedder: createOfflineEmbeddingModel(),
 *   vectorStore: createMemoryVectorStore({ dimensions: 1536 }),
 *   knowledgeStore,
 * });
 * await knowledge.loadFromKnowledgeStore({ tenantId });
 * const chunks = await knowledge.retrieve({ tenantId, query: 'How do I change my card?' });
 */
export function createKnowledgeIndex(settings: KnowledgeIndexSettings): KnowledgeIndex {
  const { embedder, vectorStore } = settings;
  if (embedder.dimensions !== vectorStore.dimensions) {
    throw new ChurnError(
      'configuration',
      `The embedding model returns ${embedder.dimensions}-dimension vectors but the vector store holds ${vectorStore.dimensions}: use a store created with { dimensions: ${embedder.dimensions} }.`,
    );
  }
  const lexicalIndex = settings.lexicalIndex ?? createLexicalIndex();

  const embedMissing = async (
    chunks: IndexableChunk[],
    abortSignal: AbortSignal | undefined,
  ): Promise<number[][]> => {
    const vectors: (number[] | undefined)[] = chunks.map((chunk) =>
      chunk.embedding && chunk.embedding.length === embedder.dimensions
        ? chunk.embedding
        : undefined,
    );
    const todo = vectors.flatMap((vector, index) => (vector ? [] : [index]));
    for (let start = 0; start < todo.length; start += embedder.maxEmbeddingsPerCall) {
      const batch = todo.slice(start, start + embedder.maxEmbeddingsPerCall);
      const { embeddings } = await embedder.doEmbed({
        values: batch.map((index) => chunks[index]!.content),
        purpose: 'document',
        abortSignal,
      });
      batch.forEach((index, position) => {
        vectors[index] = embeddings[position];
      });
    }
    return vectors.map((vector) => vector!);
  };

  const index: KnowledgeIndex['index'] = async ({ tenantId, chunks, abortSignal }) => {
    const foreign = chunks.findIndex(
      (chunk) => chunk.tenantId !== tenantId || chunk.metadata.tenantId !== tenantId,
    );
    if (foreign >= 0) {
      throw new ValidationError('knowledge index chunks', [
        {
          path: ['chunks', foreign, 'tenantId'],
          message: `belongs to another tenant than "${tenantId}": index each tenant's chunks separately`,
        },
      ]);
    }
    if (chunks.length === 0) return;
    const vectors = await embedMissing(chunks, abortSignal);
    const records: VectorRecord[] = chunks.map((chunk, position) => ({
      id: chunk.id,
      values: vectors[position]!,
      metadata: {
        tenantId,
        documentId: chunk.documentId,
        sourceUrl: chunk.metadata.sourceUrl,
        docType: chunk.metadata.docType,
        category: chunk.metadata.category,
        tokenCount: chunk.tokenCount,
        createdAt: (chunk.createdAt ?? new Date(0)).toISOString(),
      },
    }));
    for (let start = 0; start < records.length; start += 500) {
      await vectorStore.doUpsert({
        namespace: tenantId,
        records: records.slice(start, start + 500),
        abortSignal,
      });
    }
    lexicalIndex.add(
      tenantId,
      chunks.map((chunk) => ({
        id: chunk.id,
        documentId: chunk.documentId,
        content: chunk.content,
        metadata: chunk.metadata,
      })),
    );
  };

  const removeDocument: KnowledgeIndex['removeDocument'] = async ({ tenantId, documentId }) => {
    await vectorStore.doDelete({ namespace: tenantId, documentId });
    lexicalIndex.removeDocument(tenantId, documentId);
  };

  return {
    embedder,
    vectorStore,
    lexicalIndex,
    index,
    removeDocument,

    async replaceDocument({ tenantId, documentId, chunks, abortSignal }) {
      const vectors = await embedMissing(chunks, abortSignal);
      await removeDocument({ tenantId, documentId });
      await index({
        tenantId,
        chunks: chunks.map((chunk, position) => ({ ...chunk, embedding: vectors[position] })),
        abortSignal,
      });
    },

    async loadFromKnowledgeStore({ tenantId, knowledgeStore, vectors = true, abortSignal }) {
      const store = knowledgeStore ?? settings.knowledgeStore;
      if (!store) {
        throw new ChurnError(
          'configuration',
          'loadFromKnowledgeStore needs a knowledge store: pass { knowledgeStore } to createKnowledgeIndex or to this call.',
        );
      }
      const chunks = await store.listChunks({ tenantId });
      lexicalIndex.clear(tenantId);
      if (vectors) await index({ tenantId, chunks, abortSignal });
      else {
        lexicalIndex.add(
          tenantId,
          chunks.map((chunk) => ({
            id: chunk.id,
            documentId: chunk.documentId,
            content: chunk.content,
            metadata: chunk.metadata,
          })),
        );
      }
      return { chunks: chunks.length };
    },

    retrieve(options) {
      return retrieve({
        ...options,
        embedder,
        vectorStore,
        lexicalIndex,
        knowledgeStore: settings.knowledgeStore,
        reranker: settings.reranker,
        topK: options.topK ?? settings.topK,
        candidates: options.candidates ?? settings.candidates,
        fusion: settings.fusion,
        vectorWeight: settings.vectorWeight,
        fusionK: settings.fusionK,
        lexicalFeedback: settings.lexicalFeedback,
        ...(settings.onVectorSearchError
          ? { onVectorSearchError: settings.onVectorSearchError }
          : {}),
      });
    },
  };
}
