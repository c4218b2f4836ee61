/**
 * Contract version 1 of a vector store: nearest-neighbour search over chunk
 * embeddings, partitioned by namespace (one namespace per tenant, always).
 *
 * Implementations: `createPineconeVectorStore` (Pinecone data plane) and
 * `createMemoryVectorStore` (in-process, exact at docs scale, indexed beyond).
 * Every implementation passes the vector-store conformance suite.
 */
export interface VectorStoreV1 {
  readonly specificationVersion: 'v1';
  readonly provider: string;
  readonly dimensions: number;

  /** Inserts or replaces records by id. Idempotent. */
  doUpsert(options: {
    namespace: string;
    records: VectorRecord[];
    abortSignal?: AbortSignal;
  }): Promise<void>;

  /** The `topK` records nearest to `vector` that match `filter`, best first. */
  doQuery(options: {
    namespace: string;
    vector: number[];
    topK: number;
    filter?: VectorFilter;
    abortSignal?: AbortSignal;
  }): Promise<{ matches: VectorMatch[] }>;

  /** Deletes records by id, or every record of a document. Deleting what is absent is not an error. */
  doDelete(options: {
    namespace: string;
    ids?: string[];
    documentId?: string;
    abortSignal?: AbortSignal;
  }): Promise<void>;
}

/** What every vector carries beside its values; mirrors the seed's Pinecone metadata schema. */
export interface VectorMetadata {
  tenantId: string;
  documentId: string;
  sourceUrl: string;
  docType: string;
  category: string;
  tokenCount: number;
  createdAt: string;
}

export interface VectorRecord {
  /** The chunk id. */
  id: string;
  values: number[];
  metadata: VectorMetadata;
}

export interface VectorMatch {
  id: string;
  /** Cosine similarity in [-1, 1]; higher is nearer. */
  score: number;
  metadata: VectorMetadata;
}

/** Equality or membership filters, combined with AND. */
export interface VectorFilter {
  docType?: string | string[];
  category?: string | string[];
  documentId?: string | string[];
}
