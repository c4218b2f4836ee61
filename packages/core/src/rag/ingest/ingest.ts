import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { systemClock } from '../../clock.js';
import { ChurnError, ValidationError } from '../../errors/index.js';
import type { StoredChunk, StoredDocument } from '../../knowledge-store/v1/index.js';
import type { VectorRecord } from '../../vector-store/v1/index.js';
import { chunkDocument, resolveChunkingOptions } from '../chunking/index.js';
import { defaultCategoryRules, inferCategory, inferDocType } from './classify-document.js';
import { assertReadableText } from './decode-text.js';
import { guardedFetch } from './guarded-fetch.js';
import {
  defaultIngestLimits,
  type IngestedDocument,
  type IngestLimits,
  type IngestOptions,
  type IngestProgressEvent,
  type IngestReport,
  type IngestSource,
  type IngestSourceReport,
  ingestOptionsSchema,
  type TextSource,
} from './ingest-options.js';
import {
  documentFromText,
  type LoadedDocument,
  type LoaderSink,
  type LoadOutcome,
} from './loaded-document.js';
import { loadPath } from './local-loader.js';
import { hashContent, normaliseContent } from './normalise-content.js';
import { SkipError, type SkipReason } from './skip-reason.js';
import { createWebLoader, isTransient, type WebLoader } from './web-loader.js';

/** Vectors sent per `doUpsert` call. */
const upsertBatchSize = 100;

/**
 * Skips after which the stored version of the document is kept rather than
 * removed: the document is still there, this run just could not refresh it.
 */
const keepStoredOn = new Set<SkipReason>([
  'encoding',
  'malformed',
  'too-large',
  'embedding-failed',
  'store-failed',
  'vector-sync-failed',
]);

/** Stable id of a document: the same tenant, source and URL always give the same id. */
export function documentIdFor(tenantId: string, sourceId: string, sourceUrl: string): string {
  const digest = createHash('sha256')
    .update(`${tenantId}\u0000${sourceId}\u0000${sourceUrl}`)
    .digest('hex');
  return `doc_${digest.slice(0, 32)}`;
}

/** The default source id: the source's kind and location. */
export function defaultSourceIdFor(source: IngestSource): string {
  switch (source.type) {
    case 'crawl':
    case 'url':
    case 'sitemap':
      return `${source.type}:${new URL(source.url).href}`;
    case 'path':
      return `path:${pathToFileURL(resolve(source.path)).href}`;
    case 'text':
      return `text:${source.id}`;
  }
}

function describeSource(source: IngestSource): string {
  switch (source.type) {
    case 'path':
      return `path ${source.path}`;
    case 'text':
      return `text raw:${source.id}`;
    default:
      return `${source.type} ${source.url}`;
  }
}

function titleFromUrl(sourceUrl: string): string {
  if (sourceUrl.startsWith('raw:')) return sourceUrl.slice(4);
  try {
    const url = new URL(sourceUrl);
    const segment = url.pathname.split('/').filter(Boolean).pop();
    if (!segment) return url.hostname || sourceUrl;
    const words = decodeURIComponent(segment)
      .replace(/\.[a-z0-9]+$/i, '')
      .replace(/[-_]+/g, ' ')
      .trim();
    return words ? words.charAt(0).toUpperCase() + words.slice(1) : sourceUrl;
  } catch {
    return sourceUrl;
  }
}

/** The chunk's heading path starting with the document title (once). */
function withTitle(title: string, headingPath: string[]): string[] {
  const [first] = headingPath;
  return first !== undefined && first.trim().toLowerCase() === title.trim().toLowerCase()
    ? [...headingPath]
    : [title, ...headingPath];
}

/**
 * The text embedded for a chunk: its heading path as a first line, then the chunk,
 * so a chunk deep in a section still carries what it is about.
 */
function embeddingInput(chunk: StoredChunk): string {
  return `${chunk.metadata.headingPath.join(' > ')}\n\n${chunk.content}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new ChurnError(
      'aborted',
      'Ingestion was aborted. Documents written so far are complete; run it again to finish.',
      { cause: signal.reason },
    );
  }
}

async function loadText(
  source: TextSource,
  limits: IngestLimits,
  sink: LoaderSink,
): Promise<LoadOutcome> {
  const location = `raw:${source.id}`;
  try {
    if (Buffer.byteLength(source.content, 'utf8') > limits.maxBytesPerPage) {
      throw new SkipError(
        'too-large',
        `The text is over the limit of ${limits.maxBytesPerPage} bytes.`,
      );
    }
    assertReadableText(source.content);
    const { document } = documentFromText(source.content, source.format ?? 'markdown', location);
    if (source.title?.trim()) document.title = source.title.trim();
    if (source.lastUpdated !== undefined) document.lastUpdated = new Date(source.lastUpdated);
    if (source.docType) document.docType = source.docType;
    if (source.category) document.category = source.category;
    await sink({ type: 'document', document });
  } catch (error) {
    if (!(error instanceof SkipError)) throw error;
    await sink({ type: 'skipped', location, error });
  }
  return { complete: true };
}

/**
 * Ingests a tenant's documentation into the knowledge store and the vector store.
 *
 * Per document: load (fetch, read or take the string), convert HTML to Markdown,
 * normalise and hash, chunk (heading-aware, token-bounded), classify (doc type and
 * category: given, or inferred), and compare with the stored version: unchanged
 * documents are left alone (nothing embedded). A new or changed document is written
 * in this order, so that every vector always points at a stored chunk:
 *
 * 1. embed every chunk (batches of the embedder's `maxEmbeddingsPerCall`); nothing is
 *    written yet, so a failure leaves the previous version serving;
 * 2. if the new version has fewer chunks, delete the vectors of the surplus chunk ids;
 * 3. `replaceDocument` in the knowledge store: the document and all its chunks at once;
 * 4. upsert the new vectors. If this fails, the document is re-written with an empty
 *    content hash so the next run re-embeds it.
 *
 * Documents a source no longer has are removed vectors first, then from the store;
 * this only happens when the source was seen whole (no limit reached, no transient
 * failure). Bad sources are skipped with a reason in the report and never stop the run.
 *
 * @throws ValidationError when the options are wrong (nothing is fetched or written).
 * @throws ChurnError `aborted` when `signal` aborts; `ingest_failed` when the store
 *   cannot even list a source's documents.
 */
/** A source fetched over the network (everything but local paths and raw text). */
function isWebSource(source: IngestSource): boolean {
  return source.type === 'crawl' || source.type === 'url' || source.type === 'sitemap';
}

export async function ingest(options: IngestOptions): Promise<IngestReport> {
  const parsed = ingestOptionsSchema.safeParse(options);
  if (!parsed.success) throw ValidationError.fromZod('ingest options', parsed.error);
  const chunking = resolveChunkingOptions(options.chunking);
  const limits: IngestLimits = { ...defaultIngestLimits, ...parsed.data.limits };
  const clock = options.clock ?? systemClock;
  const { store, embedder, vectorStore, signal } = options;
  const tenantId = parsed.data.tenantId;
  const categoryRules = options.categoryRules ?? defaultCategoryRules;
  const startedAt = clock();
  const web: WebLoader = createWebLoader({
    // Without allowPrivateNetwork every connection is checked again at connect time (the
    // address connected to), so DNS rebinding cannot get past the early check.
    fetch:
      options.fetch ??
      (!options.allowPrivateNetwork && options.sources.some(isWebSource)
        ? await guardedFetch()
        : globalThis.fetch),
    allowPrivateNetwork: options.allowPrivateNetwork ?? false,
    limits,
    ...(signal ? { signal } : {}),
  });
  let processed = 0;
  let embeddings = 0;

  const groups = new Map<string, IngestSource[]>();
  for (const source of options.sources) {
    const sourceId = source.sourceId ?? options.sourceId ?? defaultSourceIdFor(source);
    groups.set(sourceId, [...(groups.get(sourceId) ?? []), source]);
  }

  const reports: IngestSourceReport[] = [];
  for (const [sourceId, sources] of groups) {
    throwIfAborted(signal);
    const report: IngestSourceReport = {
      sourceId,
      sources: sources.map(describeSource),
      added: [],
      updated: [],
      unchanged: [],
      removed: [],
      skipped: [],
      complete: true,
      chunks: { written: 0, removed: 0 },
    };
    reports.push(report);

    const progress = (event: Omit<IngestProgressEvent, 'type' | 'sourceId' | 'processed'>) => {
      processed++;
      try {
        options.onProgress?.({ type: 'document', sourceId, processed, ...event });
      } catch {
        // A progress callback must never break ingestion.
      }
    };
    const skip = (location: string, reason: SkipReason, message: string) => {
      report.skipped.push({ location, reason, message });
      progress({ location, outcome: 'skipped', reason });
    };

    let existing: StoredDocument[];
    try {
      existing = await store.listDocuments({ tenantId, sourceId });
    } catch (error) {
      throw new ChurnError(
        'ingest_failed',
        `The knowledge store could not list the documents of source "${sourceId}": ${errorMessage(error)}`,
        { cause: error },
      );
    }
    const existingById = new Map(existing.map((document) => [document.id, document]));
    /** Documents this run saw (or must keep): everything else stored for the source is removed. */
    const seen = new Set<string>();

    const embedAll = async (texts: string[]): Promise<number[][]> => {
      const vectors: number[][] = [];
      for (let start = 0; start < texts.length; start += embedder.maxEmbeddingsPerCall) {
        const values = texts.slice(start, start + embedder.maxEmbeddingsPerCall);
        embeddings += values.length;
        const result = await embedder.doEmbed({
          values,
          purpose: 'document',
          ...(signal ? { abortSignal: signal } : {}),
        });
        if (result.embeddings.length !== values.length) {
          throw new Error(
            `the embedder returned ${result.embeddings.length} vectors for ${values.length} texts`,
          );
        }
        for (const vector of result.embeddings) {
          if (vector.length !== vectorStore.dimensions) {
            throw new Error(
              `the embedder returned a vector of ${vector.length} dimensions, expected ${vectorStore.dimensions}`,
            );
          }
        }
        vectors.push(...result.embeddings);
      }
      return vectors;
    };

    const processDocument = async (loaded: LoadedDocument): Promise<void> => {
      const location = loaded.sourceUrl;
      const content = normaliseContent(loaded.content);
      if (!content) {
        skip(location, 'empty', 'The document is empty.');
        return;
      }
      const documentId = documentIdFor(tenantId, sourceId, loaded.sourceUrl);
      if (seen.has(documentId)) return; // the same URL twice in one source group
      seen.add(documentId);

      const { chunks: textChunks, headings } = chunkDocument({
        content,
        format: loaded.format,
        ...chunking,
      });
      const headingTexts = headings.map((heading) => heading.text);
      const title = loaded.title?.trim() || headingTexts[0] || titleFromUrl(loaded.sourceUrl);
      const classifyInput = { sourceUrl: loaded.sourceUrl, title, headings: headingTexts, content };
      const docType = loaded.docType ?? inferDocType(classifyInput);
      const category = loaded.category ?? inferCategory(classifyInput, categoryRules);
      const contentHash = hashContent(content);
      const summary: IngestedDocument = {
        documentId,
        sourceUrl: loaded.sourceUrl,
        title,
        docType,
        category,
        chunkCount: textChunks.length,
        tokenCount: textChunks.reduce((sum, chunk) => sum + chunk.tokenCount, 0),
      };
      const previous = existingById.get(documentId);
      if (
        previous &&
        !options.force &&
        previous.contentHash === contentHash &&
        previous.title === title &&
        previous.docType === docType &&
        previous.category === category &&
        previous.sourceUrl === loaded.sourceUrl
      ) {
        report.unchanged.push(summary);
        progress({ location, outcome: 'unchanged' });
        return;
      }

      const now = clock();
      const document: StoredDocument = {
        id: documentId,
        tenantId,
        sourceId,
        sourceUrl: loaded.sourceUrl,
        title,
        content,
        docType,
        category,
        contentHash,
        lastUpdated: loaded.lastUpdated ?? now,
        scrapedAt: now,
      };
      const chunks: StoredChunk[] = textChunks.map((chunk) => ({
        id: `${documentId}#${chunk.index}`,
        tenantId,
        documentId,
        content: chunk.content,
        tokenCount: chunk.tokenCount,
        metadata: {
          tenantId,
          documentId,
          sourceUrl: loaded.sourceUrl,
          title,
          docType,
          category,
          headingPath: withTitle(title, chunk.headingPath),
          index: chunk.index,
        },
        embedding: [],
        createdAt: now,
      }));

      // 1. Embed: nothing is written until every chunk has its vector.
      try {
        const vectors = await embedAll(chunks.map(embeddingInput));
        chunks.forEach((chunk, index) => {
          chunk.embedding = vectors[index] ?? [];
        });
      } catch (error) {
        throwIfAborted(signal);
        skip(
          location,
          'embedding-failed',
          `Embedding failed, the previous version is kept: ${errorMessage(error)}`,
        );
        return;
      }

      // 2. Drop vectors of chunk ids the new version no longer has.
      try {
        const previousCount = previous
          ? (await store.listChunks({ tenantId, documentIds: [documentId] })).length
          : 0;
        if (previousCount > chunks.length) {
          const surplus = Array.from(
            { length: previousCount - chunks.length },
            (_, offset) => `${documentId}#${chunks.length + offset}`,
          );
          await vectorStore.doDelete({
            namespace: tenantId,
            ids: surplus,
            ...(signal ? { abortSignal: signal } : {}),
          });
        }
      } catch (error) {
        throwIfAborted(signal);
        skip(
          location,
          'vector-sync-failed',
          `Could not remove outdated vectors, the previous version is kept: ${errorMessage(error)}`,
        );
        return;
      }

      // 3. Commit the document and all its chunks at once.
      try {
        await store.replaceDocument({ document, chunks });
      } catch (error) {
        throwIfAborted(signal);
        skip(
          location,
          'store-failed',
          `The knowledge store refused the document, the previous version is kept: ${errorMessage(error)}`,
        );
        return;
      }

      // 4. Point the vector store at the new chunks.
      try {
        for (let start = 0; start < chunks.length; start += upsertBatchSize) {
          const records: VectorRecord[] = chunks
            .slice(start, start + upsertBatchSize)
            .map((chunk) => ({
              id: chunk.id,
              values: chunk.embedding,
              metadata: {
                tenantId,
                documentId,
                sourceUrl: loaded.sourceUrl,
                docType,
                category,
                tokenCount: chunk.tokenCount,
                createdAt: chunk.createdAt.toISOString(),
              },
            }));
          await vectorStore.doUpsert({
            namespace: tenantId,
            records,
            ...(signal ? { abortSignal: signal } : {}),
          });
        }
      } catch (error) {
        // Forget the hash so the next run sees a change and upserts again.
        await store
          .replaceDocument({ document: { ...document, contentHash: '' }, chunks })
          .catch(() => undefined);
        throwIfAborted(signal);
        skip(
          location,
          'vector-sync-failed',
          `The vector store refused the new vectors; the document will be re-embedded next run: ${errorMessage(error)}`,
        );
        return;
      }

      report.chunks.written += chunks.length;
      if (previous) report.updated.push(summary);
      else report.added.push(summary);
      progress({ location, outcome: previous ? 'updated' : 'added' });
    };

    const sink: LoaderSink = async (event) => {
      throwIfAborted(signal);
      if (event.type === 'document') {
        await processDocument(event.document);
        return;
      }
      const { error, location } = event;
      if (keepStoredOn.has(error.reason) || isTransient(error)) {
        seen.add(documentIdFor(tenantId, sourceId, location));
      }
      skip(location, error.reason, error.message);
    };

    for (const source of sources) {
      throwIfAborted(signal);
      try {
        let outcome: LoadOutcome;
        switch (source.type) {
          case 'crawl':
            outcome = await web.crawl(source, sink);
            break;
          case 'sitemap':
            outcome = await web.loadSitemap(source, sink);
            break;
          case 'url':
            outcome = await web.loadUrl(source, sink);
            break;
          case 'path':
            outcome = await loadPath(source, limits, sink);
            break;
          case 'text':
            outcome = await loadText(source, limits, sink);
            break;
        }
        if (!outcome.complete) report.complete = false;
      } catch (error) {
        if (!(error instanceof SkipError)) throw error;
        report.complete = false;
        skip(describeSource(source), error.reason, error.message);
      }
    }

    if (report.complete) {
      for (const document of existing) {
        if (seen.has(document.id)) continue;
        throwIfAborted(signal);
        try {
          const chunkCount = (await store.listChunks({ tenantId, documentIds: [document.id] }))
            .length;
          // Vectors first: a vector must never outlive its chunk.
          await vectorStore.doDelete({
            namespace: tenantId,
            documentId: document.id,
            ...(signal ? { abortSignal: signal } : {}),
          });
          await store.deleteDocument({ tenantId, documentId: document.id });
          report.removed.push({
            documentId: document.id,
            sourceUrl: document.sourceUrl,
            title: document.title,
            chunkCount,
          });
          report.chunks.removed += chunkCount;
          progress({ location: document.sourceUrl, outcome: 'removed' });
        } catch (error) {
          throwIfAborted(signal);
          skip(
            document.sourceUrl,
            'store-failed',
            `Could not remove the vanished document; it is retried next run: ${errorMessage(error)}`,
          );
        }
      }
    }
  }

  const sum = (pick: (report: IngestSourceReport) => number) =>
    reports.reduce((total, report) => total + pick(report), 0);
  return {
    tenantId,
    startedAt,
    finishedAt: clock(),
    sources: reports,
    totals: {
      added: sum((report) => report.added.length),
      updated: sum((report) => report.updated.length),
      unchanged: sum((report) => report.unchanged.length),
      removed: sum((report) => report.removed.length),
      skipped: sum((report) => report.skipped.length),
      chunksWritten: sum((report) => report.chunks.written),
      chunksRemoved: sum((report) => report.chunks.removed),
      embeddings,
    },
  };
}
