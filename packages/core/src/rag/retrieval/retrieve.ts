import { z } from 'zod';
import type { EmbeddingModelV1 } from '../../embedding-model/v1/index.js';
import { ChurnError } from '../../errors/churn-error.js';
import { ValidationError } from '../../errors/validation-error.js';
import type { KnowledgeStoreV1 } from '../../knowledge-store/v1/index.js';
import { createOfflineReranker } from '../../providers/offline/offline-reranker.js';
import type { RerankerV1 } from '../../reranker/v1/index.js';
import type { VectorStoreV1 } from '../../vector-store/v1/index.js';
import type { LexicalChunk, LexicalFeedback, LexicalIndex } from './lexical-index.js';
import type { RetrievedChunk } from './retrieved-chunk.js';

/** Which chunks a retrieval may return: equality or membership, combined with AND. */
export interface RetrievalFilter {
  docType?: string | string[];
  category?: string | string[];
}

/** What to retrieve, and with what. */
export interface RetrieveOptions {
  /** The tenant: the only namespace searched, and the only chunks returned. */
  tenantId: string;
  /** The question, as the customer wrote it (PII already masked). */
  query: string;
  embedder: EmbeddingModelV1;
  vectorStore: VectorStoreV1;
  lexicalIndex: LexicalIndex;
  /** Where to read chunks that vector search found but the lexical index does not hold. */
  knowledgeStore?: KnowledgeStoreV1;
  /** Default: the offline re-ranker. */
  reranker?: RerankerV1;
  filter?: RetrievalFilter;
  /** Chunks returned. Default 5. */
  topK?: number;
  /** Chunks taken from each first stage and re-ranked. Default 30. */
  candidates?: number;
  /**
   * How the two first stages are fused. `rrf` (default): reciprocal rank fusion of
   * their ranks. `convex`: `vectorWeight * v + (1 - vectorWeight) * b`, where `v`
   * and `b` are the cosine and BM25 scores min-max normalised over each stage's
   * own candidates (its best 1, its last 0, a chunk it did not return 0).
   */
  fusion?: 'rrf' | 'convex';
  /** Share of the vector stage in convex fusion, in [0, 1]; BM25 has the rest. Default 0.5. */
  vectorWeight?: number;
  /** The `k` of reciprocal rank fusion (`fusion: 'rrf'`). Default 60. */
  fusionK?: number;
  /**
   * Pseudo-relevance feedback (RM3) on the lexical stage: the query is expanded with the
   * commonest terms of its best BM25 chunks (see {@link LexicalFeedback}). Default
   * {@link defaultLexicalFeedback}, `{ documents: 3, terms: 10, originalWeight: 0.9 }`;
   * `false` searches the question's own words only.
   */
  lexicalFeedback?: LexicalFeedback | false;
  /**
   * Called when the vector side (the query embedding or the vector store) fails with an
   * outage (`provider_error`, `timeout`, `rate_limited`, after the adapter's own retries).
   * Retrieval then goes on with the lexical (BM25) side alone rather than failing the
   * answer: log it here. Any other error (configuration, validation) still throws.
   */
  onVectorSearchError?: (error: unknown) => void;
  abortSignal?: AbortSignal;
}

const outageCodes = new Set(['provider_error', 'timeout', 'rate_limited']);

const optionsSchema = z.object({
  tenantId: z.string().min(1, 'must be the tenant id, a non-empty string'),
  query: z
    .string()
    .max(8_000, 'is longer than 8,000 characters: send the question, not a document')
    .refine((query) => query.trim().length > 0, 'must contain at least one word'),
  topK: z.number().int().min(1).max(100).optional(),
  candidates: z.number().int().min(1).max(1_000).optional(),
  fusion: z.enum(['rrf', 'convex']).optional(),
  vectorWeight: z.number().min(0).max(1).optional(),
  fusionK: z.number().min(0).optional(),
  lexicalFeedback: z
    .union([
      z.literal(false),
      z.object({
        documents: z.number().int().min(1).max(100).optional(),
        terms: z.number().int().min(0).max(100).optional(),
        originalWeight: z.number().min(0).max(1).optional(),
        maxDocumentShare: z.number().min(0).max(1).optional(),
      }),
    ])
    .optional(),
  filter: z
    .object({
      docType: z.union([z.string(), z.array(z.string())]).optional(),
      category: z.union([z.string(), z.array(z.string())]).optional(),
    })
    .optional(),
});

const defaultReranker: RerankerV1 = createOfflineReranker();

/** The default pseudo-relevance feedback of the lexical stage (see `lexicalFeedback`). */
export const defaultLexicalFeedback: Readonly<Required<LexicalFeedback>> = Object.freeze({
  documents: 3,
  terms: 10,
  originalWeight: 0.9,
  maxDocumentShare: 1,
});

/**
 * Min-max scaling over one stage's candidates: its best match 1, its last 0 (all
 * 1 when they tie). A chunk the stage did not return counts 0, like its last.
 */
function minMaxScaler(matches: readonly { score: number }[]): (score: number) => number {
  let lowest = Number.POSITIVE_INFINITY;
  let highest = Number.NEGATIVE_INFINITY;
  for (const { score } of matches) {
    lowest = Math.min(lowest, score);
    highest = Math.max(highest, score);
  }
  return (score) => (highest > lowest ? (score - lowest) / (highest - lowest) : 1);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new ChurnError('aborted', 'The retrieval was aborted by its caller.', {
      cause: signal.reason,
    });
  }
}

/**
 * Hybrid retrieval for one tenant: vector search and BM25 run side by side, their
 * rankings are fused with reciprocal rank fusion, and the fused candidates are
 * re-ranked.
 *
 * 1. The query is embedded (`purpose: 'query'`) and the vector store is searched in
 *    the tenant's namespace; the lexical index is searched for the same tenant. Both
 *    take `candidates` hits and the same doc-type/category filter.
 * 2. Reciprocal rank fusion: `fused = sum over rankings of 1 / (fusionK + rank)`,
 *    `fusionK` 60. It needs no score calibration between cosine and BM25, and a
 *    chunk both stages agree on rises to the top. With `fusion: 'convex'` the
 *    scores are fused instead (min-max normalised per stage, then weighted), which
 *    keeps a stage's margins: a chunk one stage alone ranks far ahead can win.
 * 3. The best `candidates` fused chunks are re-ranked (the offline re-ranker by
 *    default), given their fused score as a prior, min-max normalised over the
 *    shortlist (the best fused candidate 1, the last 0), so the first stages'
 *    agreement keeps its whole weight in the re-ranker's score (the offline
 *    re-ranker weighs it as much as its own lexical features); the best `topK`
 *    are returned with every score filled and `rank` from 1.
 *
 * Every chunk returned belongs to `tenantId`: the namespace is the tenant id and
 * each hit's tenant is checked again before it is returned.
 */
export async function retrieve(options: RetrieveOptions): Promise<RetrievedChunk[]> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw ValidationError.fromZod('retrieval options', parsed.error);
  const { tenantId, query, embedder, vectorStore, lexicalIndex, knowledgeStore, abortSignal } =
    options;
  const topK = options.topK ?? 5;
  const candidates = Math.max(options.candidates ?? 30, topK);
  const fusion = options.fusion ?? 'rrf';
  const vectorWeight = options.vectorWeight ?? 0.5;
  const fusionK = options.fusionK ?? 60;
  const lexicalFeedback =
    options.lexicalFeedback === false
      ? undefined
      : { ...defaultLexicalFeedback, ...options.lexicalFeedback };
  const reranker = options.reranker ?? defaultReranker;
  const filter = options.filter;
  throwIfAborted(abortSignal);

  const [vectorMatches, lexicalMatches] = await Promise.all([
    (async () => {
      try {
        const { embeddings } = await embedder.doEmbed({
          values: [query],
          purpose: 'query',
          abortSignal,
        });
        const vector = embeddings[0];
        if (!vector) {
          throw new ChurnError(
            'provider_error',
            `The embedding model ${embedder.provider} returned no vector for the query.`,
          );
        }
        const { matches } = await vectorStore.doQuery({
          namespace: tenantId,
          vector,
          topK: candidates,
          filter,
          abortSignal,
        });
        return matches.filter((match) => match.metadata.tenantId === tenantId);
      } catch (error) {
        // An outage of the embedder or the vector store degrades to keyword search.
        if (abortSignal?.aborted || !ChurnError.isInstance(error) || !outageCodes.has(error.code)) {
          throw error;
        }
        options.onVectorSearchError?.(error);
        return [];
      }
    })(),
    Promise.resolve(
      lexicalIndex.search(tenantId, query, {
        topK: candidates,
        filter,
        feedback: lexicalFeedback,
      }),
    ),
  ]);
  throwIfAborted(abortSignal);

  interface Candidate {
    id: string;
    similarityScore: number;
    lexicalScore: number;
    fusedScore: number;
  }
  const fused = new Map<string, Candidate>();
  const entry = (id: string): Candidate => {
    let candidate = fused.get(id);
    if (!candidate) {
      candidate = { id, similarityScore: 0, lexicalScore: 0, fusedScore: 0 };
      fused.set(id, candidate);
    }
    return candidate;
  };
  if (fusion === 'rrf') {
    vectorMatches.forEach((match, index) => {
      const candidate = entry(match.id);
      candidate.similarityScore = match.score;
      candidate.fusedScore += 1 / (fusionK + index + 1);
    });
    lexicalMatches.forEach((match, index) => {
      const candidate = entry(match.id);
      candidate.lexicalScore = match.score;
      candidate.fusedScore += 1 / (fusionK + index + 1);
    });
  } else {
    const vectorScore = minMaxScaler(vectorMatches);
    const lexicalScore = minMaxScaler(lexicalMatches);
    for (const match of vectorMatches) {
      const candidate = entry(match.id);
      candidate.similarityScore = match.score;
      candidate.fusedScore += vectorWeight * vectorScore(match.score);
    }
    for (const match of lexicalMatches) {
      const candidate = entry(match.id);
      candidate.lexicalScore = match.score;
      candidate.fusedScore += (1 - vectorWeight) * lexicalScore(match.score);
    }
  }
  const shortlist = [...fused.values()]
    .sort((left, right) => right.fusedScore - left.fusedScore || (left.id < right.id ? -1 : 1))
    .slice(0, candidates);

  // The chunks' text: from the lexical index, else from the knowledge store.
  const chunks = new Map<string, LexicalChunk>();
  const missing: string[] = [];
  for (const candidate of shortlist) {
    const chunk = lexicalIndex.get(tenantId, candidate.id);
    if (chunk) chunks.set(candidate.id, chunk);
    else missing.push(candidate.id);
  }
  if (missing.length > 0 && knowledgeStore) {
    for (const stored of await knowledgeStore.getChunks({ tenantId, chunkIds: missing })) {
      chunks.set(stored.id, {
        id: stored.id,
        documentId: stored.documentId,
        content: stored.content,
        metadata: stored.metadata,
      });
    }
  }
  const hydrated = shortlist.filter((candidate) => {
    const chunk = chunks.get(candidate.id);
    return chunk !== undefined && chunk.metadata.tenantId === tenantId;
  });
  if (hydrated.length === 0) return [];

  // The prior spans the shortlist: min-max over the fused scores, so the best
  // candidate brings 1 and the last 0. Divided by the best possible RRF score
  // instead, every candidate would sit between about 0.35 and 1 and the first
  // stages' evidence would barely move the re-ranker's score.
  let fusedMin = Number.POSITIVE_INFINITY;
  let fusedMax = Number.NEGATIVE_INFINITY;
  for (const candidate of hydrated) {
    fusedMin = Math.min(fusedMin, candidate.fusedScore);
    fusedMax = Math.max(fusedMax, candidate.fusedScore);
  }
  const priorOf = (fusedScore: number): number =>
    fusedMax > fusedMin ? (fusedScore - fusedMin) / (fusedMax - fusedMin) : 1;
  throwIfAborted(abortSignal);
  const { results } = await reranker.doRerank({
    query,
    documents: hydrated.map((candidate) => {
      const chunk = chunks.get(candidate.id)!;
      return {
        id: candidate.id,
        text: chunk.content,
        title: chunk.metadata.title,
        headings: chunk.metadata.headingPath,
        priorScore: priorOf(candidate.fusedScore),
      };
    }),
    topN: topK,
    abortSignal,
  });

  const byId = new Map(hydrated.map((candidate) => [candidate.id, candidate]));
  const retrieved: RetrievedChunk[] = [];
  for (const result of results) {
    const candidate = byId.get(result.id);
    const chunk = chunks.get(result.id);
    if (!candidate || !chunk) continue;
    retrieved.push({
      chunkId: chunk.id,
      documentId: chunk.documentId,
      content: chunk.content,
      metadata: chunk.metadata,
      similarityScore: candidate.similarityScore,
      lexicalScore: candidate.lexicalScore,
      fusedScore: candidate.fusedScore,
      rerankScore: Math.max(0, Math.min(1, result.score)),
      rank: retrieved.length + 1,
    });
    if (retrieved.length === topK) break;
  }
  return retrieved;
}
