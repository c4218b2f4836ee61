import { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { EmbeddingModelV1 } from '../../embedding-model/v1/index.js';
import { type DocType, docTypes } from '../../entities/enums.js';
import type { KnowledgeStoreV1 } from '../../knowledge-store/v1/index.js';
import type { VectorStoreV1 } from '../../vector-store/v1/index.js';
import type { ChunkingOptions } from '../chunking/index.js';
import type { CategoryRule } from './classify-document.js';
import type { SkipReason } from './skip-reason.js';

/** Fields every source may carry. */
export interface IngestSourceCommon {
  /**
   * Groups documents for re-ingestion: re-running a source updates changed
   * documents and removes the ones it no longer finds. Default: the ingest
   * call's `sourceId`, else one derived from the source (`crawl:https://...`).
   */
  sourceId?: string;
  /** Document type of every document of the source; inferred per document when absent. */
  docType?: DocType;
  /** Category (a lowercase slug) of every document; inferred per document when absent. */
  category?: string;
}

/** A same-origin crawl from `url`, honouring robots.txt and following sitemaps. */
export interface CrawlSource extends IngestSourceCommon {
  type: 'crawl';
  url: string;
  /** Overrides `limits.maxPages` for this crawl. */
  maxPages?: number;
  /** Overrides `limits.maxDepth` (links away from `url`) for this crawl. */
  maxDepth?: number;
}

/** One page. */
export interface UrlSource extends IngestSourceCommon {
  type: 'url';
  url: string;
}

/** Every page a sitemap (or sitemap index) lists on its origin. */
export interface SitemapSource extends IngestSourceCommon {
  type: 'sitemap';
  url: string;
  maxPages?: number;
}

/** A local file or folder (recursive): `.md`, `.markdown`, `.html`, `.htm`, `.txt`. */
export interface PathSource extends IngestSourceCommon {
  type: 'path';
  path: string;
}

/** A string, for example from a CMS. Its source URL is `raw:<id>`. */
export interface TextSource extends IngestSourceCommon {
  type: 'text';
  /** Stable id of the text: the same id updates the same document. */
  id: string;
  title?: string;
  content: string;
  /** Default `markdown`. */
  format?: 'markdown' | 'html' | 'text';
  lastUpdated?: Date | string;
}

/** Where documents come from. */
export type IngestSource = CrawlSource | UrlSource | SitemapSource | PathSource | TextSource;

/** Limits that keep a run polite and bounded. */
export interface IngestLimits {
  /** Pages fetched per crawl or sitemap source. Default 200. */
  maxPages: number;
  /** Link distance from a crawl's start URL. Default 5. */
  maxDepth: number;
  /** Bytes per page or file; bigger ones are skipped (`too-large`). Default 5 MiB. */
  maxBytesPerPage: number;
  /** Pages fetched (and documents processed) at the same time. Default 4. */
  concurrency: number;
  /** Pause between two requests to the same host, in ms (raised by robots.txt Crawl-delay). Default 250. */
  delayMs: number;
  /** Per-request timeout in ms. Default 15000. */
  timeoutMs: number;
  /** Redirects followed per request. Default 5. */
  maxRedirects: number;
  /** Files read per folder source. Default 5000. */
  maxFiles: number;
}

/** The default {@link IngestLimits}. */
export const defaultIngestLimits: IngestLimits = {
  maxPages: 200,
  maxDepth: 5,
  maxBytesPerPage: 5 * 1024 * 1024,
  concurrency: 4,
  delayMs: 250,
  timeoutMs: 15_000,
  maxRedirects: 5,
  maxFiles: 5000,
};

/** One step of a run, for progress bars and logs. */
export interface IngestProgressEvent {
  type: 'document';
  sourceId: string;
  /** The document's source URL, or the location of what was skipped. */
  location: string;
  outcome: 'added' | 'updated' | 'unchanged' | 'removed' | 'skipped';
  reason?: SkipReason;
  /** Documents handled so far in this run (every outcome). */
  processed: number;
}

/** What {@link ingest} takes. */
export interface IngestOptions {
  tenantId: string;
  /** Default `sourceId` of every source that has none. */
  sourceId?: string;
  sources: IngestSource[];
  store: KnowledgeStoreV1;
  embedder: EmbeddingModelV1;
  vectorStore: VectorStoreV1;
  chunking?: ChunkingOptions;
  limits?: Partial<IngestLimits>;
  /** Allow crawling private, loopback and link-local addresses (an intranet, tests). Default false. */
  allowPrivateNetwork?: boolean;
  /** Re-embed documents even when unchanged, for example after changing `chunking`. Default false. */
  force?: boolean;
  /** Category rules replacing the built-in ones. */
  categoryRules?: CategoryRule[];
  fetch?: typeof globalThis.fetch;
  clock?: Clock;
  signal?: AbortSignal;
  onProgress?: (event: IngestProgressEvent) => void;
}

/** A document written or found unchanged. */
export interface IngestedDocument {
  documentId: string;
  sourceUrl: string;
  title: string;
  docType: string;
  category: string;
  chunkCount: number;
  tokenCount: number;
}

/** A document removed because its source no longer has it. */
export interface RemovedDocument {
  documentId: string;
  sourceUrl: string;
  title: string;
  chunkCount: number;
}

/** Something skipped, and why. */
export interface SkippedItem {
  /** A URL, `file://` URL, `raw:` id or source description. */
  location: string;
  reason: SkipReason;
  message: string;
}

/** The outcome of one source group (one `sourceId`). */
export interface IngestSourceReport {
  sourceId: string;
  /** The sources of the group, described: `crawl https://docs.example.com/`. */
  sources: string[];
  added: IngestedDocument[];
  updated: IngestedDocument[];
  unchanged: IngestedDocument[];
  removed: RemovedDocument[];
  skipped: SkippedItem[];
  /**
   * False when the source was not seen whole (a limit was reached, or something
   * failed that may work next time): stored documents it did not see were kept.
   */
  complete: boolean;
  chunks: { written: number; removed: number };
}

/** What {@link ingest} returns. */
export interface IngestReport {
  tenantId: string;
  startedAt: Date;
  finishedAt: Date;
  sources: IngestSourceReport[];
  totals: {
    added: number;
    updated: number;
    unchanged: number;
    removed: number;
    skipped: number;
    chunksWritten: number;
    chunksRemoved: number;
    /** Texts sent to the embedder. */
    embeddings: number;
  };
}

const slugPattern = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;

const httpUrl = z.string({ error: 'must be a URL' }).refine(
  (value) => {
    try {
      const protocol = new URL(value).protocol;
      return protocol === 'http:' || protocol === 'https:';
    } catch {
      return false;
    }
  },
  { error: 'must be an absolute http or https URL like https://docs.example.com/' },
);

const common = {
  sourceId: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(500, 'must be at most 500 characters')
    .optional(),
  docType: z.enum(docTypes, { error: 'must be one of: api, guide, support' }).optional(),
  category: z
    .string()
    .regex(slugPattern, 'must be a lowercase slug like billing (letters, digits, - or _)')
    .optional(),
};

const pageCount = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(100_000, 'must be at most 100000');
const depth = z
  .number()
  .int('must be a whole number')
  .min(0, 'must be 0 or more')
  .max(50, 'must be at most 50');

const sourceSchema = z.discriminatedUnion(
  'type',
  [
    z.object({
      type: z.literal('crawl'),
      url: httpUrl,
      maxPages: pageCount.optional(),
      maxDepth: depth.optional(),
      ...common,
    }),
    z.object({ type: z.literal('url'), url: httpUrl, ...common }),
    z.object({
      type: z.literal('sitemap'),
      url: httpUrl,
      maxPages: pageCount.optional(),
      ...common,
    }),
    z.object({
      type: z.literal('path'),
      path: z.string().min(1, 'must be a file or folder path'),
      ...common,
    }),
    z.object({
      type: z.literal('text'),
      id: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
      title: z.string().optional(),
      content: z.string({ error: 'must be the text to ingest' }),
      format: z
        .enum(['markdown', 'html', 'text'], { error: 'must be markdown, html or text' })
        .optional(),
      lastUpdated: z
        .union([z.date(), z.string()])
        .refine(
          (value) => !Number.isNaN(new Date(value).getTime()),
          'must be a date or an ISO 8601 string',
        )
        .optional(),
      ...common,
    }),
  ],
  { error: 'must have a type of crawl, url, sitemap, path or text' },
);

function hasMethods(value: unknown, methods: string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function')
  );
}

const positive = (maximum: number) =>
  z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(maximum, `must be at most ${maximum}`);
const nonNegative = (maximum: number) =>
  z
    .number()
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(maximum, `must be at most ${maximum}`);

/** The zod schema of {@link IngestOptions}; `ingest` reports its failures as a ValidationError. */
export const ingestOptionsSchema = z
  .object({
    tenantId: z.string({ error: 'must be the tenant id' }).trim().min(1, 'must not be empty'),
    sourceId: common.sourceId,
    sources: z
      .array(sourceSchema, { error: 'must be a list of sources' })
      .min(1, 'must list at least one source'),
    store: z.custom<KnowledgeStoreV1>(
      (value) =>
        hasMethods(value, ['listDocuments', 'listChunks', 'replaceDocument', 'deleteDocument']),
      { error: 'must be a KnowledgeStoreV1, for example createMemoryKnowledgeStore()' },
    ),
    embedder: z.custom<EmbeddingModelV1>(
      (value) =>
        hasMethods(value, ['doEmbed']) &&
        Number.isInteger((value as EmbeddingModelV1).maxEmbeddingsPerCall) &&
        (value as EmbeddingModelV1).maxEmbeddingsPerCall > 0,
      { error: 'must be an EmbeddingModelV1 with a positive maxEmbeddingsPerCall' },
    ),
    vectorStore: z.custom<VectorStoreV1>((value) => hasMethods(value, ['doUpsert', 'doDelete']), {
      error: 'must be a VectorStoreV1, for example createMemoryVectorStore()',
    }),
    limits: z
      .object({
        maxPages: positive(100_000).optional(),
        maxDepth: nonNegative(50).optional(),
        maxBytesPerPage: positive(1024 * 1024 * 1024).optional(),
        concurrency: positive(64).optional(),
        delayMs: nonNegative(600_000).optional(),
        timeoutMs: positive(600_000).optional(),
        maxRedirects: nonNegative(20).optional(),
        maxFiles: positive(1_000_000).optional(),
      })
      .optional(),
    allowPrivateNetwork: z.boolean({ error: 'must be true or false' }).optional(),
    force: z.boolean({ error: 'must be true or false' }).optional(),
    categoryRules: z
      .array(
        z.object({
          category: z.string().regex(slugPattern, 'must be a lowercase slug like billing'),
          keywords: z
            .array(z.string().min(1, 'must not be empty'))
            .min(1, 'must list at least one keyword'),
        }),
      )
      .optional(),
    fetch: z
      .custom<typeof globalThis.fetch>((value) => typeof value === 'function', {
        error: 'must be a fetch function',
      })
      .optional(),
    clock: z
      .custom<Clock>((value) => typeof value === 'function', {
        error: 'must be a function returning a Date',
      })
      .optional(),
    signal: z
      .custom<AbortSignal>((value) => value instanceof AbortSignal, {
        error: 'must be an AbortSignal',
      })
      .optional(),
    onProgress: z
      .custom<(event: IngestProgressEvent) => void>((value) => typeof value === 'function', {
        error: 'must be a function',
      })
      .optional(),
  })
  .superRefine((options, context) => {
    const embedder = options.embedder as EmbeddingModelV1 | undefined;
    const vectorStore = options.vectorStore as VectorStoreV1 | undefined;
    if (embedder && vectorStore && embedder.dimensions !== vectorStore.dimensions) {
      context.addIssue({
        code: 'custom',
        path: ['vectorStore'],
        message: `has ${vectorStore.dimensions} dimensions but the embedder returns ${embedder.dimensions}: create the vector store with dimensions: ${embedder.dimensions}`,
      });
    }
  });
