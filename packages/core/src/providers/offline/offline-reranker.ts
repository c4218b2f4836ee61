import { ChurnError } from '../../errors/churn-error.js';
import { ValidationError } from '../../errors/validation-error.js';
import type { RerankerV1 } from '../../reranker/v1/index.js';
import {
  type AnalyzedTerm,
  analyzeText,
  type ConceptMap,
  createConceptMap,
} from './text-analyzer.js';

/** Settings of {@link createOfflineReranker}. */
export interface OfflineRerankerSettings {
  /** Synonym groups: a concept match counts almost as much as the word. */
  synonyms?: readonly (readonly string[])[];
  /** Weights of the features; each feature is in [0, 1] and the weights are normalised. */
  weights?: Partial<OfflineRerankerWeights>;
}

/** How much each feature of the offline re-ranker counts. */
export interface OfflineRerankerWeights {
  /** Share of the query's terms (weighted by rarity among the candidates) the passage contains. */
  coverage: number;
  /** Query bigrams found adjacent in the passage, and the whole query as a phrase. */
  phrase: number;
  /** Query terms found in the passage's title or headings. */
  heading: number;
  /** How close together the matched terms sit in the passage. */
  proximity: number;
  /**
   * The first-stage score the retriever passes as `priorScore`. Default 0.85, the
   * sum of the other defaults: first stages and lexical features weigh the same.
   */
  prior: number;
}

/**
 * A document for the offline re-ranker: the contract's `{ id, text }`, plus what a
 * retriever knows and the offline scorer can use. Other re-rankers ignore the extras.
 */
export interface OfflineRerankDocument {
  id: string;
  text: string;
  /** Title of the document the passage comes from. */
  title?: string;
  /** Headings from the document title down to the passage's section. */
  headings?: string[];
  /** First-stage score in [0, 1] (for example the normalised fused score). */
  priorScore?: number;
}

/** The offline {@link RerankerV1}; accepts {@link OfflineRerankDocument}s. */
export interface OfflineReranker extends RerankerV1 {
  readonly provider: 'offline';
  doRerank(options: {
    query: string;
    documents: OfflineRerankDocument[];
    topN?: number;
    abortSignal?: AbortSignal;
  }): Promise<{ results: { id: string; score: number }[] }>;
}

const defaultWeights: OfflineRerankerWeights = {
  coverage: 0.45,
  phrase: 0.15,
  heading: 0.15,
  proximity: 0.1,
  prior: 0.85,
};

function trigrams(word: string): Set<string> {
  const padded = `<${word}>`;
  const grams = new Set<string>();
  for (let start = 0; start + 3 <= padded.length; start++)
    grams.add(padded.slice(start, start + 3));
  return grams;
}

function jaccard(left: Set<string>, right: Set<string>): number {
  let shared = 0;
  for (const gram of left) if (right.has(gram)) shared++;
  return shared / (left.size + right.size - shared || 1);
}

interface QueryTerm {
  key: string;
  stem: string;
  word: string;
  grams: Set<string>;
}

interface PassageView {
  keys: string[];
  stems: Set<string>;
  keySet: Set<string>;
  words: Map<string, Set<string>>;
  adjacent: Set<string>;
  headingKeys: Set<string>;
  headingStems: Set<string>;
}

/**
 * The offline re-ranker: a deterministic cross-feature scorer in [0, 1] for
 * (question, passage) pairs, with no model and no network.
 *
 * Features, each in [0, 1], weighted (defaults in parentheses) and summed:
 * - coverage (0.45): the query terms the passage contains, each weighted by its
 *   rarity among the candidates (a term every candidate has tells little); a stem
 *   counts 1, a synonym 0.8, a close spelling (trigram Jaccard >= 0.5) up to 0.6;
 * - phrase (0.15): query bigrams adjacent in the passage, plus the whole query as a phrase;
 * - heading (0.15): query terms in the title or headings;
 * - proximity (0.1): matched terms close together (distinct matches / shortest window);
 * - prior (0.85, as much as the four features together): the first-stage score,
 *   when the retriever passes one; without it the other weights are scaled up.
 *
 * The features are lexical: they see much the same evidence as BM25, so they are
 * not a stronger judge than the two first stages (BM25 and vectors) that the prior
 * summarises. With a prior, the score is therefore an even interpolation,
 * `0.5 * features + 0.5 * prior`: the features re-order what the first stages agree
 * on and break their near-ties, but cannot alone push down a passage both stages
 * rank high. (At 0.15 they could, and lost gold pages both stages had in their top 5.)
 *
 * @example
 * const reranker = createOfflineReranker();
 * const { results } = await reranker.doRerank({ query, documents });
 */
export function createOfflineReranker(settings: OfflineRerankerSettings = {}): OfflineReranker {
  const concepts: ConceptMap = createConceptMap(settings.synonyms);
  const weights = { ...defaultWeights, ...settings.weights };
  for (const [key, value] of Object.entries(weights)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new ValidationError('offline reranker settings', [
        { path: ['weights', key], message: 'must be a non-negative number' },
      ]);
    }
  }
  const keyOf = (term: AnalyzedTerm) => concepts.get(term.stem) ?? term.stem;

  const view = (document: OfflineRerankDocument): PassageView => {
    const terms = analyzeText(document.text);
    const keys = terms.map(keyOf);
    const words = new Map<string, Set<string>>();
    for (const term of terms) if (!words.has(term.word)) words.set(term.word, trigrams(term.word));
    const adjacent = new Set<string>();
    for (let index = 0; index + 1 < keys.length; index++) {
      adjacent.add(`${keys[index]} ${keys[index + 1]}`);
    }
    const headingTerms = analyzeText(
      [document.title ?? '', ...(document.headings ?? [])].join(' \n '),
    );
    return {
      keys,
      stems: new Set(terms.map((term) => term.stem)),
      keySet: new Set(keys),
      words,
      adjacent,
      headingKeys: new Set(headingTerms.map(keyOf)),
      headingStems: new Set(headingTerms.map((term) => term.stem)),
    };
  };

  const matchStrength = (term: QueryTerm, passage: PassageView): number => {
    if (passage.stems.has(term.stem)) return 1;
    if (passage.keySet.has(term.key)) return 0.8;
    if (term.word.length < 4) return 0;
    let best = 0;
    for (const grams of passage.words.values()) best = Math.max(best, jaccard(term.grams, grams));
    return best >= 0.5 ? 0.6 * best : 0;
  };

  const proximity = (queryKeys: Set<string>, passage: PassageView): number => {
    const hits: { position: number; key: string }[] = [];
    passage.keys.forEach((key, position) => {
      if (queryKeys.has(key)) hits.push({ position, key });
    });
    const distinct = new Set(hits.map((hit) => hit.key)).size;
    if (distinct < 2) return 0;
    // Shortest window holding every distinct matched key (two pointers).
    const counts = new Map<string, number>();
    let covered = 0;
    let shortest = Number.POSITIVE_INFINITY;
    let start = 0;
    for (const hit of hits) {
      const count = counts.get(hit.key) ?? 0;
      if (count === 0) covered++;
      counts.set(hit.key, count + 1);
      while (covered === distinct) {
        const first = hits[start]!;
        shortest = Math.min(shortest, hit.position - first.position + 1);
        const firstCount = counts.get(first.key)! - 1;
        counts.set(first.key, firstCount);
        if (firstCount === 0) covered--;
        start++;
      }
    }
    return (distinct / shortest) * (distinct / queryKeys.size);
  };

  return {
    specificationVersion: 'v1',
    provider: 'offline',
    modelId: 'offline-cross-features-v1',

    async doRerank({ query, documents, topN, abortSignal }) {
      if (abortSignal?.aborted) {
        throw new ChurnError('aborted', 'The re-rank call was aborted by its caller.', {
          cause: abortSignal.reason,
        });
      }
      if (typeof query !== 'string' || !Array.isArray(documents)) {
        throw new ValidationError('re-rank call', [
          { path: [], message: 'needs a query string and an array of { id, text } documents' },
        ]);
      }
      if (topN !== undefined && (!Number.isInteger(topN) || topN < 0)) {
        throw new ValidationError('re-rank call', [
          { path: ['topN'], message: 'must be a non-negative integer' },
        ]);
      }
      const seen = new Set<string>();
      const queryTerms: QueryTerm[] = [];
      for (const term of analyzeText(query)) {
        if (seen.has(term.stem)) continue;
        seen.add(term.stem);
        queryTerms.push({
          key: keyOf(term),
          stem: term.stem,
          word: term.word,
          grams: trigrams(term.word),
        });
      }
      const queryKeys = new Set(queryTerms.map((term) => term.key));
      const querySequence = queryTerms.map((term) => term.key);
      const passages = documents.map(view);
      // Rarity of each query term among the candidates.
      const rarity = queryTerms.map((term) => {
        const frequency = passages.filter((passage) => passage.keySet.has(term.key)).length;
        return 1 + Math.log((passages.length + 1) / (frequency + 1));
      });
      const totalRarity = rarity.reduce((sum, value) => sum + value, 0);

      const scored = documents.map((document, order) => {
        const passage = passages[order]!;
        if (queryTerms.length === 0) return { id: document.id, score: 0, order };
        let coverage = 0;
        let heading = 0;
        queryTerms.forEach((term, index) => {
          coverage += rarity[index]! * matchStrength(term, passage);
          if (passage.headingStems.has(term.stem)) heading += rarity[index]!;
          else if (passage.headingKeys.has(term.key)) heading += 0.8 * rarity[index]!;
        });
        coverage /= totalRarity;
        heading /= totalRarity;
        let phrase = coverage;
        if (querySequence.length >= 2) {
          let bigrams = 0;
          for (let index = 0; index + 1 < querySequence.length; index++) {
            if (passage.adjacent.has(`${querySequence[index]} ${querySequence[index + 1]}`))
              bigrams++;
          }
          const whole = passage.keys.join(' ').includes(querySequence.join(' ')) ? 1 : 0;
          phrase = 0.7 * (bigrams / (querySequence.length - 1)) + 0.3 * whole;
        }
        const features = {
          coverage,
          phrase,
          heading,
          proximity: proximity(queryKeys, passage),
        };
        let total = 0;
        let weightSum = 0;
        for (const [name, value] of Object.entries(features)) {
          const weight = weights[name as keyof OfflineRerankerWeights];
          total += weight * value;
          weightSum += weight;
        }
        const prior = document.priorScore;
        if (typeof prior === 'number' && Number.isFinite(prior)) {
          total += weights.prior * Math.max(0, Math.min(1, prior));
          weightSum += weights.prior;
        }
        const score = weightSum > 0 ? Math.max(0, Math.min(1, total / weightSum)) : 0;
        return { id: document.id, score, order };
      });
      scored.sort((left, right) => right.score - left.score || left.order - right.order);
      const kept = topN === undefined ? scored : scored.slice(0, topN);
      return { results: kept.map(({ id, score }) => ({ id, score })) };
    },
  };
}
