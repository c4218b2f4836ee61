/**
 * Contract version 1 of a knowledge store: where documents and their chunks
 * (with embeddings) live. Always scoped to one tenant.
 *
 * Implementations: `createMemoryKnowledgeStore` here, and the PostgreSQL store of
 * `@churn/server` (real PostgreSQL or embedded PGlite). Every implementation
 * passes the knowledge-store conformance suite.
 */
export interface KnowledgeStoreV1 {
  readonly specificationVersion: 'v1';
  readonly provider: string;

  /** Documents of a tenant, optionally only those ingested from one source. */
  listDocuments(options: { tenantId: string; sourceId?: string }): Promise<StoredDocument[]>;

  getDocument(options: {
    tenantId: string;
    documentId: string;
  }): Promise<StoredDocument | undefined>;

  /** Chunks of a tenant (all, or of some documents), with their embeddings. */
  listChunks(options: { tenantId: string; documentIds?: string[] }): Promise<StoredChunk[]>;

  getChunks(options: { tenantId: string; chunkIds: string[] }): Promise<StoredChunk[]>;

  /**
   * Inserts or replaces a document and all its chunks in one step: readers see
   * either the old document with its old chunks or the new one with its new
   * chunks, never a mix, and a failure leaves the old one untouched.
   * Rejects, changing nothing, when a chunk's `tenantId` or `documentId` differs
   * from the document's or two chunks share an id.
   */
  replaceDocument(options: { document: StoredDocument; chunks: StoredChunk[] }): Promise<void>;

  /** Deletes a document and (cascade) its chunks. Absent documents are not an error. */
  deleteDocument(options: { tenantId: string; documentId: string }): Promise<void>;
}

/** A document as stored: the seed's Document plus what re-ingestion needs. */
export interface StoredDocument {
  id: string;
  tenantId: string;
  /** Which ingestion source produced it (a site, a folder, a file): re-ingest compares within it. */
  sourceId: string;
  sourceUrl: string;
  title: string;
  content: string;
  docType: string;
  category: string;
  /** SHA-256 of the normalised content: unchanged documents are skipped on re-ingest. */
  contentHash: string;
  lastUpdated: Date;
  scrapedAt: Date;
}

/** A chunk as stored: the seed's Chunk. */
export interface StoredChunk {
  id: string;
  tenantId: string;
  documentId: string;
  content: string;
  tokenCount: number;
  metadata: ChunkMetadata;
  embedding: number[];
  createdAt: Date;
}

/** The metadata every chunk carries. */
export interface ChunkMetadata {
  tenantId: string;
  documentId: string;
  sourceUrl: string;
  title: string;
  docType: string;
  category: string;
  /** Headings from the document title down to this chunk's section. */
  headingPath: string[];
  /** Position of the chunk in its document, from 0. */
  index: number;
}
