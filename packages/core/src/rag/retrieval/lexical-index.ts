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

/**
 * Pseudo-relevance feedback (RM3, Abdul-Jaleel et al. 2004): the best `documents`
 * chunks of a first search are taken as relevant, a relevance model of their terms
 * is built (each chunk's term distribution weighted by its share of the first-pass
 * score), its best `terms` terms are added to the query, and the query is run again
 * with `originalWeight` on the original terms and the rest on the added ones.
 */
export interface LexicalFeedback {
  /** Chunks taken as relevant. Default 3. */
  documents?: number;
  /** Expansion terms added. Default 10. */
  terms?: number;
  /** Weight of the original query in the expanded one, in [0, 1]. Default 0.9. */
  originalWeight?: number;
  /**
   * Terms found in more than this share of the tenant's chunks are not added (they tell
   * chunks apart little, and their long posting lists cost the most). Default 1: none skipped.
   */
  maxDocumentShare?: number;
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
    options?: { topK?: number; filter?: LexicalFilter; feedback?: LexicalFeedback },
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
  /** Field-weighted frequency of each of `terms`, in the same order. */
  frequencies: number[];
  /** Scratch space of one search: its score, valid while `epoch` is the search's. */
  score: number;
  epoch: number;
}

/** A chunk in a term's posting list: the term's weighted frequency there, and the chunk. */
interface Posting {
  frequency: number;
  indexed: IndexedChunk;
}

interface TenantIndex {
  postings: Map<string, Map<string, Posting>>;
  chunks: Map<string, IndexedChunk>;
  byDocument: Map<string, Set<string>>;
  totalLength: number;
}

function toSet(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  return new Set(Array.isArray(value) ? value : [value]);
}

/** `left` ranks before `right`: higher score, then smaller id. */
function before(left: IndexedChunk, right: IndexedChunk): boolean {
  return left.score > right.score || (left.score === right.score && left.chunk.id < right.chunk.id);
}

/**
 * The `limit` best of `scored` that `accepts` keeps, best first: a bounded heap whose
 * root is the worst kept, so a large candidate set is never sorted whole.
 */
function bestOf(
  scored: readonly IndexedChunk[],
  limit: number,
  accepts: (chunk: LexicalChunk) => boolean,
): IndexedChunk[] {
  const heap: IndexedChunk[] = [];
  const siftDown = (start: number) => {
    let parent = start;
    for (;;) {
      const left = 2 * parent + 1;
      const right = left + 1;
      let worst = parent;
      if (left < heap.length && before(heap[worst]!, heap[left]!)) worst = left;
      if (right < heap.length && before(heap[worst]!, heap[right]!)) worst = right;
      if (worst === parent) return;
      [heap[parent], heap[worst]] = [heap[worst]!, heap[parent]!];
      parent = worst;
    }
  };
  for (const candidate of scored) {
    if (limit <= 0 || !accepts(candidate.chunk)) continue;
    if (heap.length < limit) {
      heap.push(candidate);
      let child = heap.length - 1;
      while (child > 0) {
        const parent = (child - 1) >> 1;
        if (!before(heap[parent]!, heap[child]!)) break;
        [heap[parent], heap[child]] = [heap[child]!, heap[parent]!];
        child = parent;
      }
    } else if (before(candidate, heap[0]!)) {
      heap[0] = candidate;
      siftDown(0);
    }
  }
  return heap.sort((left, right) => (before(left, right) ? -1 : before(right, left) ? 1 : 0));
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
  let searchEpoch = 0;
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
        const indexed: IndexedChunk = {
          chunk,
          length,
          terms: [...weighted.keys()],
          frequencies: [...weighted.values()],
          score: 0,
          epoch: 0,
        };
        for (const [term, frequency] of weighted) {
          let posting = tenant.postings.get(term);
          if (!posting) {
            posting = new Map();
            tenant.postings.set(term, posting);
          }
          posting.set(chunk.id, { frequency, indexed });
        }
        tenant.chunks.set(chunk.id, indexed);
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
      // Scores accumulate on the indexed chunks themselves (stamped with this search's
      // epoch), so a posting costs no map lookup; `touched` lists the chunks scored.
      const epoch = ++searchEpoch;
      const touched: IndexedChunk[] = [];
      const accumulate = (weights: Map<string, number>) => {
        for (const [term, weight] of weights) {
          const posting = tenant.postings.get(term);
          if (!posting || weight === 0) continue;
          const idf = Math.log(1 + (total - posting.size + 0.5) / (posting.size + 0.5));
          for (const { frequency, indexed } of posting.values()) {
            if (indexed.epoch !== epoch) {
              indexed.epoch = epoch;
              indexed.score = 0;
              touched.push(indexed);
            }
            const saturation =
              (frequency * (k1 + 1)) /
              (frequency + k1 * (1 - b + (b * indexed.length) / averageLength));
            indexed.score += weight * idf * (saturation + delta);
          }
        }
      };
      const ranked = (limit: number): LexicalMatch[] =>
        bestOf(touched, limit, accepts).map((indexed) => ({
          id: indexed.chunk.id,
          score: indexed.score,
        }));
      const original = new Map<string, number>();
      for (const term of tokenize(query)) original.set(term, 1);
      accumulate(original);
      const feedback = options.feedback;
      if (!feedback) return ranked(topK);

      const feedbackDocuments = Math.max(1, Math.floor(feedback.documents ?? 3));
      const feedbackTerms = Math.max(0, Math.floor(feedback.terms ?? 10));
      const originalWeight = Math.min(1, Math.max(0, feedback.originalWeight ?? 0.9));
      const relevant = ranked(feedbackDocuments);
      const scoreSum = relevant.reduce((sum, match) => sum + match.score, 0);
      if (relevant.length === 0 || !(scoreSum > 0)) return ranked(topK);
      // RM1: P(w | R) = sum over feedback chunks of P(w | chunk) * P(chunk | query).
      const model = new Map<string, number>();
      const maxPostings = (feedback.maxDocumentShare ?? 1) * total;
      for (const match of relevant) {
        const indexed = tenant.chunks.get(match.id)!;
        const chunkWeight = match.score / scoreSum / (indexed.length || 1);
        indexed.terms.forEach((term, position) => {
          if (tenant.postings.get(term)!.size > maxPostings) return;
          model.set(term, (model.get(term) ?? 0) + indexed.frequencies[position]! * chunkWeight);
        });
      }
      const expansion = [...model.entries()]
        .sort((left, right) => right[1] - left[1] || (left[0] < right[0] ? -1 : 1))
        .slice(0, feedbackTerms);
      const expansionSum = expansion.reduce((sum, [, weight]) => sum + weight, 0) || 1;
      // RM3: the original query (uniform over its terms) interpolated with the model.
      // The original terms are already scored with weight 1 each: scale those scores to
      // their share, then add the expansion terms' contributions (a term of both gets both).
      const scale = originalWeight / original.size;
      for (const indexed of touched) indexed.score *= scale;
      const added = new Map<string, number>();
      for (const [term, weight] of expansion) {
        added.set(term, ((1 - originalWeight) * weight) / expansionSum);
      }
      accumulate(added);
      return ranked(topK);
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
