import { type Index, Pinecone, type RecordMetadata } from '@pinecone-database/pinecone';
import { ChurnError } from '../../errors/churn-error.js';
import { ValidationError, type ValidationIssue } from '../../errors/validation-error.js';
import type {
  VectorFilter,
  VectorMatch,
  VectorMetadata,
  VectorRecord,
  VectorStoreV1,
} from '../../vector-store/v1/index.js';
import {
  parseRetryAfter,
  type RetryDecision,
  retryWithBackoff,
} from '../openai/retry-with-backoff.js';
import { mapPineconeError, PineconeAttemptError } from './map-pinecone-error.js';

/** Pinecone's limits on one data-plane request. */
export const PINECONE_LIMITS = {
  /** Most records in one upsert. */
  maxUpsertRecords: 1000,
  /** Most bytes in one upsert body (2 MB). We stay a little under it. */
  maxUpsertBytes: 2 * 1024 * 1024,
  /** Most ids in one delete. */
  maxDeleteIds: 1000,
  /** Largest page of `list`. */
  maxListLimit: 100,
  /** Largest `topK`. */
  maxTopK: 10_000,
} as const;

/** Settings of {@link createPineconeVectorStore}. */
export interface PineconeVectorStoreSettings {
  /** The secret key (`PINECONE_API_KEY`). */
  apiKey: string;
  /**
   * The index host from the console or `describeIndex()`, for example
   * `churn-docs-abc123.svc.aped-4627-b74a.pinecone.io` (https is assumed) or a full URL.
   */
  indexHost: string;
  /** The index name, for messages only (the host is what requests use). */
  indexName?: string;
  /** The index dimension; must match the embedding model. Default 1536. */
  dimensions?: number;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof globalThis.fetch;
  /** Attempts after the first on 429, 5xx, dropped connections and timeouts. Default 3. */
  maxRetries?: number;
  /** First backoff in milliseconds, doubled each retry (jitter up to 25 %, at most 8 s). Default 500. */
  initialRetryDelayMs?: number;
  /** Bound of one HTTP attempt in milliseconds. Default 30 000; 0 turns it off. */
  timeoutMs?: number;
}

/** The seed's metadata schema, as stored in Pinecone (snake_case). */
interface PineconeChunkMetadata extends RecordMetadata {
  tenant_id: string;
  document_id: string;
  source_url: string;
  doc_type: string;
  category: string;
  token_count: number;
  created_at: string;
}

/** Contract metadata -> the seed's snake_case Pinecone metadata. */
export function toPineconeMetadata(metadata: VectorMetadata): PineconeChunkMetadata {
  return {
    tenant_id: metadata.tenantId,
    document_id: metadata.documentId,
    source_url: metadata.sourceUrl,
    doc_type: metadata.docType,
    category: metadata.category,
    token_count: metadata.tokenCount,
    created_at: metadata.createdAt,
  };
}

/** Pinecone metadata -> contract metadata. Missing fields (records written by other tools) read as empty. */
export function fromPineconeMetadata(metadata: unknown): VectorMetadata {
  const record =
    typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>) : {};
  const text = (key: string) => (typeof record[key] === 'string' ? (record[key] as string) : '');
  const tokenCount =
    typeof record.token_count === 'number' ? record.token_count : Number(record.token_count ?? 0);
  return {
    tenantId: text('tenant_id'),
    documentId: text('document_id'),
    sourceUrl: text('source_url'),
    docType: text('doc_type'),
    category: text('category'),
    tokenCount: Number.isFinite(tokenCount) ? tokenCount : 0,
    createdAt: text('created_at'),
  };
}

/** The contract's filter in Pinecone's language: `$eq` for one value, `$in` for several, AND across fields. */
export function toPineconeFilter(
  filter: VectorFilter | undefined,
): Record<string, unknown> | undefined {
  if (!filter) return undefined;
  const fields: Array<[keyof VectorFilter, string]> = [
    ['docType', 'doc_type'],
    ['category', 'category'],
    ['documentId', 'document_id'],
  ];
  const result: Record<string, unknown> = {};
  for (const [key, field] of fields) {
    const value = filter[key];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      result[field] = value.length === 1 ? { $eq: value[0] } : { $in: value };
    } else {
      result[field] = { $eq: value };
    }
  }
  return Object.keys(result).length === 0 ? undefined : result;
}

/** Splits records into upserts of at most 1000 records and about 2 MB of JSON. */
export function planUpsertBatches<T>(
  records: T[],
  sizeOf: (record: T) => number,
  limits: { maxRecords: number; maxBytes: number } = {
    maxRecords: PINECONE_LIMITS.maxUpsertRecords,
    // Room for the envelope: {"vectors":[...],"namespace":"..."}.
    maxBytes: PINECONE_LIMITS.maxUpsertBytes - 4 * 1024,
  },
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = sizeOf(record) + 1;
    if (
      current.length > 0 &&
      (current.length >= limits.maxRecords || bytes + size > limits.maxBytes)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += size)
    result.push(items.slice(index, index + size));
  return result;
}

function classifyAttempt(error: unknown): RetryDecision {
  if (!(error instanceof PineconeAttemptError)) return { retryable: false };
  const { status } = error;
  if (status === undefined) {
    // No answer at all: a dropped connection is worth another try; our own abort is not.
    const name = error.cause instanceof Error ? error.cause.name : '';
    return { retryable: name === 'PineconeConnectionError' };
  }
  const retryable = status === 408 || status === 429 || status >= 500;
  const retryAfterMs = retryable ? parseRetryAfter(error.headers) : undefined;
  return retryAfterMs === undefined ? { retryable } : { retryable, retryAfterMs };
}

/**
 * A {@link VectorStoreV1} on a Pinecone index (serverless or pod, cosine metric) through
 * the official SDK's data plane.
 *
 * - One Pinecone namespace per tenant: every call names its namespace; an empty one is refused.
 * - Metadata is stored in the seed's snake_case schema (`tenant_id`, `document_id`,
 *   `source_url`, `doc_type`, `category`, `token_count`, `created_at`) and mapped back.
 * - Upserts go in batches of at most 1000 records and 2 MB.
 * - Filters use `$eq`/`$in` on `doc_type`, `category`, `document_id`.
 * - Deleting a document never relies on delete-by-filter (serverless indexes have not
 *   always had it): it lists the chunk ids by the prefix `${documentId}#` (the ids the
 *   ingest pipeline writes, `${documentId}#${index}`), then finds any other record of the
 *   document with a query filtered on `document_id`, and deletes them all by id.
 * - Scores are the index's cosine similarity.
 *
 * @example
 * ```ts
 * const store = createPineconeVectorStore({
 *   apiKey: process.env.PINECONE_API_KEY!,
 *   indexHost: process.env.PINECONE_INDEX_HOST!,
 * });
 * ```
 */
export function createPineconeVectorStore(settings: PineconeVectorStoreSettings): VectorStoreV1 {
  if (typeof settings.apiKey !== 'string' || settings.apiKey.trim() === '') {
    throw new ChurnError(
      'configuration',
      'The Pinecone API key is missing: set PINECONE_API_KEY and pass it as apiKey.',
    );
  }
  if (typeof settings.indexHost !== 'string' || settings.indexHost.trim() === '') {
    throw new ChurnError(
      'configuration',
      'The Pinecone index host is missing: copy it from the Pinecone console (or describeIndex()) into PINECONE_INDEX_HOST.',
    );
  }
  const dimensions = settings.dimensions ?? 1536;
  const maxRetries = settings.maxRetries ?? 3;
  const initialRetryDelayMs = settings.initialRetryDelayMs ?? 500;
  const timeoutMs = settings.timeoutMs ?? 30_000;
  const indexHost = settings.indexHost;
  const baseFetch = settings.fetch ?? globalThis.fetch;
  const where = settings.indexName ? `index "${settings.indexName}"` : `index host ${indexHost}`;

  /**
   * Runs one data-plane call with retries. Each attempt gets its own SDK client whose
   * `fetch` carries the attempt's abort signal (the SDK takes none per call) and records
   * the HTTP status and headers the SDK's errors leave out.
   */
  async function call<T>(
    operation: string,
    abortSignal: AbortSignal | undefined,
    run: (index: Index<PineconeChunkMetadata>) => Promise<T>,
  ): Promise<T> {
    if (abortSignal?.aborted) {
      throw new ChurnError('aborted', `Pinecone call aborted by the caller before ${operation}.`, {
        cause: abortSignal.reason,
      });
    }
    try {
      return await retryWithBackoff(
        async ({ signal }) => {
          let last: Response | undefined;
          const fetchApi = async (
            input: RequestInfo | URL,
            init?: RequestInit,
          ): Promise<Response> => {
            last = await baseFetch(input, { ...init, signal });
            return last;
          };
          const client = new Pinecone({ apiKey: settings.apiKey, fetchApi });
          const index = client.index<PineconeChunkMetadata>({ host: indexHost });
          try {
            return await run(index);
          } catch (error) {
            const failed = last !== undefined && !last.ok ? last : undefined;
            throw new PineconeAttemptError(
              error,
              failed?.status ?? (last?.ok ? last.status : undefined),
              failed?.headers,
            );
          }
        },
        {
          maxRetries,
          initialDelayMs: initialRetryDelayMs,
          maxDelayMs: 8_000,
          maxRetryAfterMs: 60_000,
          timeoutMs,
          abortSignal,
          classify: classifyAttempt,
        },
      );
    } catch (error) {
      throw mapPineconeError(error, { operation: `${operation} (${where})`, indexHost, timeoutMs });
    }
  }

  function checkNamespace(namespace: string): void {
    if (typeof namespace !== 'string' || namespace.trim() === '') {
      throw new ValidationError('vector store call', [
        { path: ['namespace'], message: 'must be the tenant namespace, not empty' },
      ]);
    }
  }

  async function deleteIds(namespace: string, ids: string[], abortSignal: AbortSignal | undefined) {
    for (const batch of chunks(ids, PINECONE_LIMITS.maxDeleteIds)) {
      try {
        await call(`deleting ${batch.length} records`, abortSignal, (index) =>
          index.deleteMany({ ids: batch, namespace }),
        );
      } catch (error) {
        // Serverless answers 404 for a namespace that holds nothing: nothing to delete.
        const cause = ChurnError.isInstance(error) ? error.cause : undefined;
        if (
          ChurnError.isInstance(error) &&
          error.code === 'configuration' &&
          cause instanceof Error &&
          cause.name === 'PineconeNotFoundError'
        ) {
          return;
        }
        throw error;
      }
    }
  }

  return {
    specificationVersion: 'v1',
    provider: 'pinecone',
    dimensions,

    async doUpsert({ namespace, records, abortSignal }): Promise<void> {
      checkNamespace(namespace);
      if (records.length === 0) return;
      const issues: ValidationIssue[] = [];
      for (const [position, record] of records.entries()) {
        if (typeof record.id !== 'string' || record.id === '') {
          issues.push({ path: ['records', position, 'id'], message: 'must be a non-empty string' });
        }
        if (!Array.isArray(record.values) || record.values.length !== dimensions) {
          issues.push({
            path: ['records', position, 'values'],
            message: `must hold ${dimensions} numbers (the index dimension), got ${Array.isArray(record.values) ? record.values.length : 'none'}`,
          });
        } else if (!record.values.every(Number.isFinite)) {
          issues.push({ path: ['records', position, 'values'], message: 'must be finite numbers' });
        }
      }
      if (issues.length > 0) throw new ValidationError('vector records', issues);
      const prepared = records.map((record: VectorRecord) => ({
        id: record.id,
        values: record.values,
        metadata: toPineconeMetadata(record.metadata),
      }));
      for (const batch of planUpsertBatches(prepared, (record) => JSON.stringify(record).length)) {
        await call(`upserting ${batch.length} records`, abortSignal, (index) =>
          index.upsert({ records: batch, namespace }),
        );
      }
    },

    async doQuery({
      namespace,
      vector,
      topK,
      filter,
      abortSignal,
    }): Promise<{ matches: VectorMatch[] }> {
      checkNamespace(namespace);
      if (!Array.isArray(vector) || vector.length !== dimensions) {
        throw new ValidationError('vector query', [
          { path: ['vector'], message: `must hold ${dimensions} numbers (the index dimension)` },
        ]);
      }
      if (!Number.isInteger(topK) || topK < 1) {
        throw new ValidationError('vector query', [
          { path: ['topK'], message: 'must be a positive integer' },
        ]);
      }
      const pineconeFilter = toPineconeFilter(filter);
      const response = await call('querying', abortSignal, (index) =>
        index.query({
          vector,
          topK: Math.min(topK, PINECONE_LIMITS.maxTopK),
          namespace,
          includeMetadata: true,
          includeValues: false,
          ...(pineconeFilter ? { filter: pineconeFilter } : {}),
        }),
      );
      return {
        matches: (response.matches ?? []).map((match) => ({
          id: match.id,
          score: typeof match.score === 'number' ? match.score : 0,
          metadata: fromPineconeMetadata(match.metadata),
        })),
      };
    },

    async doDelete({ namespace, ids, documentId, abortSignal }): Promise<void> {
      checkNamespace(namespace);
      if (ids === undefined && documentId === undefined) {
        throw new ValidationError('vector delete', [
          { path: ['ids'], message: 'give ids or documentId' },
        ]);
      }
      if (ids && ids.length > 0) await deleteIds(namespace, ids, abortSignal);
      if (documentId !== undefined) {
        const found = new Set<string>();
        // 1. The chunk ids `${documentId}#<n>`, listed by prefix: cheap and exact.
        const prefix = `${documentId}#`;
        let paginationToken: string | undefined;
        do {
          const page = await call('listing the chunks of a document', abortSignal, (index) =>
            index.listPaginated({
              prefix,
              limit: PINECONE_LIMITS.maxListLimit,
              namespace,
              ...(paginationToken ? { paginationToken } : {}),
            }),
          );
          for (const item of page.vectors ?? []) {
            // Only `${documentId}#<n>`: not the chunks of a document whose id merely starts the same.
            if (item.id && /^\d+$/.test(item.id.slice(prefix.length))) found.add(item.id);
          }
          paginationToken = page.pagination?.next;
        } while (paginationToken);
        if (found.size > 0) await deleteIds(namespace, [...found], abortSignal);
        // 2. Records of the document under other ids, found by a filtered query on
        //    `document_id` (serverless indexes have not always deleted by filter).
        const probe = new Array<number>(dimensions).fill(0);
        probe[0] = 1;
        const deleted = new Set(found);
        for (let round = 0; round < 100; round++) {
          const { matches } = await call(
            'finding the records of a document',
            abortSignal,
            (index) =>
              index.query({
                vector: probe,
                topK: PINECONE_LIMITS.maxTopK,
                namespace,
                filter: { document_id: { $eq: documentId } },
                includeMetadata: false,
                includeValues: false,
              }),
          );
          const fresh = (matches ?? []).map((match) => match.id).filter((id) => !deleted.has(id));
          if (fresh.length === 0) break;
          await deleteIds(namespace, fresh, abortSignal);
          for (const id of fresh) deleted.add(id);
          if ((matches ?? []).length < PINECONE_LIMITS.maxTopK) break;
        }
      }
    },
  };
}
