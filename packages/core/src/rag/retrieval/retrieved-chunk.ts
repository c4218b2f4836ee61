import type { ChunkMetadata } from '../../knowledge-store/v1/index.js';

/**
 * One chunk found for a question, with every score the pipeline computed. The
 * answer step cites these, and each becomes one Retrieval record (the seed's
 * similarity score, re-rank score and rank position).
 */
export interface RetrievedChunk {
  chunkId: string;
  documentId: string;
  content: string;
  metadata: ChunkMetadata;
  /** Cosine similarity of the question and chunk embeddings in [-1, 1]; 0 when only lexical search found it. */
  similarityScore: number;
  /** BM25 score of the chunk for the question; 0 when only vector search found it. */
  lexicalScore: number;
  /** Fused first-stage score: reciprocal rank fusion of the two rankings, or their convex score combination (`fusion`). */
  fusedScore: number;
  /** Re-ranker score in [0, 1]. */
  rerankScore: number;
  /** Position after re-ranking, from 1. */
  rank: number;
}
