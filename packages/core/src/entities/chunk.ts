import { z } from 'zod';
import { CategorySchema, DocTypeSchema } from './document.js';
import {
  alwaysRun,
  expecting,
  IdSchema,
  integerAtLeast,
  nonEmptyText,
  SourceUrlSchema,
  TimestampSchema,
} from './fields.js';

/**
 * What every chunk carries for filtering and citing (the seed's JSON metadata,
 * and Pinecone's metadata schema). Keys not listed here are dropped.
 */
export const ChunkMetadataSchema = z.object(
  {
    tenantId: IdSchema,
    documentId: IdSchema,
    sourceUrl: SourceUrlSchema,
    title: nonEmptyText(500),
    docType: DocTypeSchema,
    category: CategorySchema,
    /** Headings from the document title down to this chunk's section. */
    headingPath: z
      .array(z.string({ error: expecting('must be text') }), {
        error: expecting('must be a list of headings'),
      })
      .default([]),
    /** Position of the chunk in its document, from 0. */
    index: integerAtLeast(0),
  },
  {
    error: expecting(
      'must be an object with tenantId, documentId, sourceUrl, title, docType, category and index',
    ),
  },
);

/** Settings of {@link createChunkSchema}. */
export interface ChunkSchemaSettings {
  /**
   * The embedder's dimension (1536 for OpenAI `text-embedding-3-small`). When set,
   * every embedding must have exactly this many numbers.
   */
  dimensions?: number;
}

/**
 * Builds the chunk schema. The embedding must be a non-empty list of finite
 * numbers; its length depends on the embedder, so it is checked only when
 * `dimensions` is given.
 */
export function createChunkSchema(settings: ChunkSchemaSettings = {}) {
  const { dimensions } = settings;
  const embedding = z
    .array(z.number({ error: 'must be a finite number' }), {
      error: expecting('must be a list of numbers (the embedding vector)'),
    })
    .min(1, { error: 'must not be empty: a chunk needs its embedding vector' })
    .refine((values) => dimensions === undefined || values.length === dimensions, {
      error: `must have exactly ${dimensions} numbers (the embedder's dimension)`,
    });
  return z
    .object({
      id: IdSchema,
      documentId: IdSchema,
      content: nonEmptyText(),
      /** Tokens in `content` by the embedder's tokenizer; at least 1. */
      tokenCount: integerAtLeast(1),
      metadata: ChunkMetadataSchema,
      embedding,
      createdAt: TimestampSchema,
    })
    .superRefine((chunk, context) => {
      const metadata: unknown = chunk.metadata;
      if (typeof metadata !== 'object' || metadata === null || !('documentId' in metadata)) return;
      if (typeof metadata.documentId === 'string' && metadata.documentId !== chunk.documentId) {
        context.addIssue({
          code: 'custom',
          path: ['metadata', 'documentId'],
          message: `must equal the chunk's documentId (${String(chunk.documentId)})`,
        });
      }
    }, alwaysRun);
}

/** The chunk schema for embeddings of any dimension. */
export const ChunkSchema = createChunkSchema();

/** A validated chunk. */
export type Chunk = z.output<typeof ChunkSchema>;
/** What {@link ChunkSchema} accepts. */
export type ChunkInput = z.input<typeof ChunkSchema>;
