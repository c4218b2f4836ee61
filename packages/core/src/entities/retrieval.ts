import { z } from 'zod';
import { CosineSimilaritySchema, IdSchema, integerAtLeast, UnitIntervalSchema } from './fields.js';

/** One chunk used to answer one message, with its scores (support-agent seed). */
export const RetrievalSchema = z.object({
  id: IdSchema,
  messageId: IdSchema,
  chunkId: IdSchema,
  /** Cosine similarity of question and chunk embeddings, -1 to 1 (0 when only lexical search found it). */
  similarityScore: CosineSimilaritySchema,
  /** Re-ranker relevance, 0 to 1. */
  rerankScore: UnitIntervalSchema,
  /** Position after re-ranking, from 1. */
  rankPosition: integerAtLeast(1),
});

/** A validated retrieval. */
export type Retrieval = z.output<typeof RetrievalSchema>;
/** What {@link RetrievalSchema} accepts. */
export type RetrievalInput = z.input<typeof RetrievalSchema>;
