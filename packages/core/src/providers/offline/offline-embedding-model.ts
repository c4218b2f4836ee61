import type {
  EmbeddingModelV1,
  EmbeddingModelV1CallOptions,
  EmbeddingModelV1Result,
} from '../../embedding-model/v1/index.js';
import { ChurnError } from '../../errors/churn-error.js';
import { ValidationError } from '../../errors/validation-error.js';
import { analyzeText, type ConceptMap, createConceptMap, splitWords } from './text-analyzer.js';

/** Settings of {@link createOfflineEmbeddingModel}. */
export interface OfflineEmbeddingModelSettings {
  /**
   * Length of the vectors. Default 1536, the size of OpenAI `text-embedding-3-small`,
   * so a tenant can switch models without resizing its vector store.
   */
  dimensions?: number;
  /** Most texts per call. Default 2048 (as OpenAI). */
  maxEmbeddingsPerCall?: number;
  /** Synonym groups folded into concept features. Default {@link defaultSynonyms}. */
  synonyms?: readonly (readonly string[])[];
}

/** Weights of the four feature families, each L2-normalised before mixing. */
const familyWeights = { word: 1, bigram: 0.45, characters: 0.55, concept: 0.6 } as const;
type Family = keyof typeof familyWeights;

/** FNV-1a, 32 bits. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Murmur3's finaliser: decorrelates the sign bit from the bucket. */
function mix(hash: number): number {
  let value = hash;
  value ^= value >>> 16;
  value = Math.imul(value, 0x85ebca6b);
  value ^= value >>> 13;
  value = Math.imul(value, 0xc2b2ae35);
  value ^= value >>> 16;
  return value >>> 0;
}

function addCount(features: Map<string, number>, key: string, amount = 1): void {
  features.set(key, (features.get(key) ?? 0) + amount);
}

/** Sparse weighted features of `text`, by family (sublinear tf: 1 + ln tf). */
export function extractLexicalFeatures(
  text: string,
  concepts: ConceptMap,
): Record<Family, Map<string, number>> {
  const terms = analyzeText(text);
  const word = new Map<string, number>();
  const bigram = new Map<string, number>();
  const characters = new Map<string, number>();
  const concept = new Map<string, number>();
  const wordCounts = new Map<string, number>();
  terms.forEach((term, index) => {
    addCount(word, term.stem);
    addCount(wordCounts, term.word);
    const conceptId = concepts.get(term.stem);
    if (conceptId !== undefined) addCount(concept, conceptId);
    const next = terms[index + 1];
    if (next) addCount(bigram, `${conceptId ?? term.stem} ${concepts.get(next.stem) ?? next.stem}`);
  });
  // Character trigrams of each distinct word, padded, spread so that a long word
  // weighs as much as a short one: typos keep most of their trigrams.
  for (const [written, count] of wordCounts) {
    const padded = `<${written}>`;
    const grams = Math.max(1, padded.length - 2);
    const weight = (1 + Math.log(count)) / Math.sqrt(grams);
    for (let start = 0; start + 3 <= padded.length; start++) {
      addCount(characters, padded.slice(start, start + 3), weight);
    }
  }
  const sublinear = (features: Map<string, number>) => {
    for (const [key, count] of features) features.set(key, 1 + Math.log(count));
    return features;
  };
  return {
    word: sublinear(word),
    bigram: sublinear(bigram),
    characters,
    concept: sublinear(concept),
  };
}

/**
 * Hashes lexical features of `text` into a unit vector of `dimensions` (signed
 * feature hashing: each feature adds its weight, with a sign from its hash, to one
 * bucket, so collisions cancel out on average instead of piling up).
 */
export function embedLexically(text: string, dimensions: number, concepts: ConceptMap): number[] {
  const vector = new Float64Array(dimensions);
  const families = extractLexicalFeatures(text, concepts);
  let any = false;
  for (const family of Object.keys(familyWeights) as Family[]) {
    const features = families[family];
    let norm = 0;
    for (const weight of features.values()) norm += weight * weight;
    if (norm === 0) continue;
    any = true;
    const scale = familyWeights[family] / Math.sqrt(norm);
    for (const [key, weight] of features) {
      const hash = hashString(`${family[0]}:${key}`);
      const bucket = hash % dimensions;
      const sign = mix(hash) & 1 ? -1 : 1;
      vector[bucket]! += sign * weight * scale;
    }
  }
  if (!any) vector[hashString('empty:') % dimensions] = 1;
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm === 0) {
    // Every feature cancelled out in its buckets: vanishingly rare, but stay unit length.
    vector[hashString('empty:') % dimensions] = 1;
    norm = 1;
  }
  return Array.from(vector, (value) => value / norm);
}

/**
 * The offline embedding model: no key, no network, deterministic, a few hundred
 * microseconds per chunk.
 *
 * It is not a neural model. It hashes lexical features into a dense unit vector:
 * stemmed words, word bigrams, character trigrams (so a typo keeps most of its
 * features) and synonym concepts (so "change my card" meets "update the payment
 * method"), each with sublinear term frequency, mixed by family and L2-normalised.
 * The dot product of two such vectors is a robust fuzzy lexical match, which makes
 * vector search and hybrid retrieval work on a laptop with no account. A real model
 * (OpenAI, or a local one) plugs in through the same {@link EmbeddingModelV1}
 * contract; the vector store only needs the same `dimensions`.
 *
 * @example
 * const embedder = createOfflineEmbeddingModel();
 * const { embeddings } = await embedder.doEmbed({ values: ['How do I update my card?'] });
 */
export function createOfflineEmbeddingModel(
  settings: OfflineEmbeddingModelSettings = {},
): EmbeddingModelV1 & { readonly provider: 'offline' } {
  const dimensions = settings.dimensions ?? 1536;
  const maxEmbeddingsPerCall = settings.maxEmbeddingsPerCall ?? 2048;
  const issues = [];
  if (!Number.isInteger(dimensions) || dimensions < 1) {
    issues.push({ path: ['dimensions'], message: 'must be a positive integer, for example 1536' });
  }
  if (!Number.isInteger(maxEmbeddingsPerCall) || maxEmbeddingsPerCall < 1) {
    issues.push({ path: ['maxEmbeddingsPerCall'], message: 'must be a positive integer' });
  }
  if (issues.length > 0) throw new ValidationError('offline embedding model settings', issues);
  const concepts = createConceptMap(settings.synonyms);

  return {
    specificationVersion: 'v1',
    provider: 'offline',
    modelId: `offline-lexical-hash-${dimensions}`,
    dimensions,
    maxEmbeddingsPerCall,

    async doEmbed(options: EmbeddingModelV1CallOptions): Promise<EmbeddingModelV1Result> {
      const { values, abortSignal } = options;
      if (abortSignal?.aborted) {
        throw new ChurnError('aborted', 'The embedding call was aborted by its caller.', {
          cause: abortSignal.reason,
        });
      }
      if (!Array.isArray(values)) {
        throw new ValidationError('embedding call', [
          { path: ['values'], message: 'must be an array of strings' },
        ]);
      }
      if (values.length > maxEmbeddingsPerCall) {
        throw new ValidationError('embedding call', [
          {
            path: ['values'],
            message: `has ${values.length} texts, but one call takes at most ${maxEmbeddingsPerCall} (maxEmbeddingsPerCall): split them into batches`,
          },
        ]);
      }
      const embeddings: number[][] = [];
      let tokens = 0;
      for (const [index, value] of values.entries()) {
        if (typeof value !== 'string') {
          throw new ValidationError('embedding call', [
            { path: ['values', index], message: 'must be a string' },
          ]);
        }
        if (abortSignal?.aborted) {
          throw new ChurnError('aborted', 'The embedding call was aborted by its caller.', {
            cause: abortSignal.reason,
          });
        }
        embeddings.push(embedLexically(value, dimensions, concepts));
        tokens += splitWords(value).length;
      }
      return { embeddings, usage: { tokens } };
    },
  };
}
