import { ValidationError } from '../../errors/validation-error.js';
import type { ChunkMetadata } from '../../knowledge-store/v1/index.js';
import { tokenize } from '../../providers/offline/text-analyzer.js';

/** A chunk as the lexical index keeps it: its text, where it comes from, and its metadata. */
export interface LexicalChunk {
  id: string;
  documentId: string;
  content: string;
  metadata: ChunkMetadata;
}

/** Settings of {@link createLexicalIndex}. */
export interface LexicalIndexSettings {
  /** Term-frequency saturation. Default 1.2. */
  k1?: number;
  /** Length normalisation. Default 0.75. */
  b?: number;
  /** BM25+ lower bound added to every matched term, so long chunks are not starved. Default 0.5. */
  delta?: number;
  /** How much a word counts in each field (BM25F). Default content 1, title 2, headings 1.5. */
  fieldWeights?: { content?: number; title?: number; headings?: number };
}

/** Restricts a lexical search: equality or membership, combined with AND. */
export interface LexicalFilter {
  docType?: string | string[];
  category?: string | string[];
  documentId?: string | string[];
}

/** One lexical hit. */
export interface LexicalMatch {
  id: string;
  /** BM25+ score (unbounded, > 0). */
  score: number;
}

/** A tenant-scoped BM25 index with incremental add and remove. */
export interface LexicalIndex {
  /** Adds chunks, replacing any with the same id. */
  add(tenantId: string, chunks: LexicalChunk[]): void;
  /** Removes chunks by id; absent ids are ignored. */
  remove(tenantId: string, chunkIds: string[]): void;
  /** Removes every chunk of a document. */
  removeDocument(tenantId: string, documentId: string): void;
  /** The `topK` chunks of the tenant that best match `query`, best first. */
  search(
    tenantId: string,
    query: string,
    options?: { topK?: number; filter?: LexicalFilter },
  ): LexicalMatch[];
  /** A stored chunk by id. */
  get(tenantId: string, chunkId: string): LexicalChunk | undefined;
  /** Chunks of the tenant, or of every tenant. */
  size(tenantId?: string): number;
  /** Forgets a tenant, or every tenant. */
  clear(tenantId?: string): void;
}

interface IndexedChunk {
  chunk: LexicalChunk;
  length: number;
  terms: string[];
}

interface TenantIndex {
  postings: Map<string, Map<string, number>>;
  chunks: Map<string, IndexedChunk>;
  byDocument: Map<string, Set<string>>;
  totalLength: number;
}

function toSet(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  return new Set(Array.isArray(value) ? value : [value]);
}

/**
 * A BM25 index per tenant (BM25F field weights, BM25+ lower bound), kept in memory
 * and updated chunk by chunk. Text goes through the same analyser as the offline
 * embedder (stop words, light stemming), so both stages agree on what a word is.
 *
 * score(chunk) = sum over query terms of
 *   idf(term) * ((tf * (k1 + 1)) / (tf + k1 * (1 - b + b * length / averageLength)) + delta)
 * where tf and length are weighted by field (title 2, headings 1.5, content 1) and
 * idf = ln(1 + (N - df + 0.5) / (df + 0.5)).
 *
 * @example
 * const lexical = createLexicalIndex();
 * lexical.add(tenantId, chunks);
 * lexical.search(tenantId, 'update card', { topK: 20 });
 */
export function createLexicalIndex(settings: LexicalIndexSettings = {}): LexicalIndex {
  const k1 = settings.k1 ?? 1.2;
  const b = settings.b ?? 0.75;
  const delta = settings.delta ?? 0.5;
  const fieldWeights = {
    content: settings.fieldWeights?.content ?? 1,
    title: settings.fieldWeights?.title ?? 2,
    headings: settings.fieldWeights?.headings ?? 1.5,
  };
  const issues = [];
  if (!(k1 >= 0)) issues.push({ path: ['k1'], message: 'must be a number >= 0' });
  if (!(b >= 0 && b <= 1)) issues.push({ path: ['b'], message: 'must be between 0 and 1' });
  if (!(delta >= 0)) issues.push({ path: ['delta'], message: 'must be a number >= 0' });
  if (issues.length > 0) throw new ValidationError('lexical index settings', issues);

  const tenants = new Map<string, TenantIndex>();
  const tenantFor = (tenantId: string): TenantIndex => {
    let tenant = tenants.get(tenantId);
    if (!tenant) {
      tenant = { postings: new Map(), chunks: new Map(), byDocument: new Map(), totalLength: 0 };
      tenants.set(tenantId, tenant);
    }
    return tenant;
  };

  const removeOne = (tenant: TenantIndex, chunkId: string): void => {
    const indexed = tenant.chunks.get(chunkId);
    if (!indexed) return;
    for (const term of indexed.terms) {
      const posting = tenant.postings.get(term);
      posting?.delete(chunkId);
      if (posting?.size === 0) tenant.postings.delete(term);
    }
    tenant.totalLength -= indexed.length;
    tenant.chunks.delete(chunkId);
    const siblings = tenant.byDocument.get(indexed.chunk.documentId);
    siblings?.delete(chunkId);
    if (siblings?.size === 0) tenant.byDocument.delete(indexed.chunk.documentId);
  };

  return {
    add(tenantId, chunks) {
      const tenant = tenantFor(tenantId);
      for (const chunk of chunks) {
        removeOne(tenant, chunk.id);
        const weighted = new Map<string, number>();
        let length = 0;
        const count = (text: string, weight: number) => {
          for (const term of tokenize(text)) {
            weighted.set(term, (weighted.get(term) ?? 0) + weight);
            length += weight;
          }
        };
        count(chunk.content, fieldWeights.content);
        count(chunk.metadata.title ?? '', fieldWeights.title);
        count((chunk.metadata.headingPath ?? []).join(' \n '), fieldWeights.headings);
        for (const [term, frequency] of weighted) {
          let posting = tenant.postings.get(term);
          if (!posting) {
            posting = new Map();
            tenant.postings.set(term, posting);
          }
          posting.set(chunk.id, frequency);
        }
        tenant.chunks.set(chunk.id, { chunk, length, terms: [...weighted.keys()] });
        tenant.totalLength += length;
        let siblings = tenant.byDocument.get(chunk.documentId);
        if (!siblings) {
          siblings = new Set();
          tenant.byDocument.set(chunk.documentId, siblings);
        }
        siblings.add(chunk.id);
      }
    },

    remove(tenantId, chunkIds) {
      const tenant = tenants.get(tenantId);
      if (!tenant) return;
      for (const chunkId of chunkIds) removeOne(tenant, chunkId);
      if (tenant.chunks.size === 0) tenants.delete(tenantId);
    },

    removeDocument(tenantId, documentId) {
      const tenant = tenants.get(tenantId);
      const siblings = tenant?.byDocument.get(documentId);
      if (!tenant || !siblings) return;
      for (const chunkId of [...siblings]) removeOne(tenant, chunkId);
      if (tenant.chunks.size === 0) tenants.delete(tenantId);
    },

    search(tenantId, query, options = {}) {
      const tenant = tenants.get(tenantId);
      const topK = options.topK ?? 20;
      if (!tenant || tenant.chunks.size === 0 || topK <= 0) return [];
      const docTypes = toSet(options.filter?.docType);
      const categories = toSet(options.filter?.category);
      const documentIds = toSet(options.filter?.documentId);
      const accepts = (chunk: LexicalChunk) =>
        (!docTypes || docTypes.has(chunk.metadata.docType)) &&
        (!categories || categories.has(chunk.metadata.category)) &&
        (!documentIds || documentIds.has(chunk.documentId));
      const total = tenant.chunks.size;
      const averageLength = tenant.totalLength / total || 1;
      const scores = new Map<string, number>();
      for (const term of new Set(tokenize(query))) {
        const posting = tenant.postings.get(term);
        if (!posting) continue;
        const idf = Math.log(1 + (total - posting.size + 0.5) / (posting.size + 0.5));
        for (const [chunkId, frequency] of posting) {
          const length = tenant.chunks.get(chunkId)!.length;
          const saturation =
            (frequency * (k1 + 1)) / (frequency + k1 * (1 - b + (b * length) / averageLength));
          scores.set(chunkId, (scores.get(chunkId) ?? 0) + idf * (saturation + delta));
        }
      }
      const matches: LexicalMatch[] = [];
      for (const [id, score] of scores) {
        if (accepts(tenant.chunks.get(id)!.chunk)) matches.push({ id, score });
      }
      matches.sort((left, right) => right.score - left.score || (left.id < right.id ? -1 : 1));
      return matches.slice(0, topK);
    },

    get(tenantId, chunkId) {
      return tenants.get(tenantId)?.chunks.get(chunkId)?.chunk;
    },

    size(tenantId) {
      if (tenantId !== undefined) return tenants.get(tenantId)?.chunks.size ?? 0;
      let total = 0;
      for (const tenant of tenants.values()) total += tenant.chunks.size;
      return total;
    },

    clear(tenantId) {
      if (tenantId === undefined) tenants.clear();
      else tenants.delete(tenantId);
    },
  };
}
