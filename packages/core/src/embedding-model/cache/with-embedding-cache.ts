import { createHash } from 'node:crypto';
import { ChurnError } from '../../errors/churn-error.js';
import type {
  EmbeddingModelV1,
  EmbeddingModelV1CallOptions,
  EmbeddingModelV1Result,
} from '../v1/index.js';
import type { EmbeddingCache } from './embedding-cache.js';

/** Options of {@link withEmbeddingCache}. */
export interface WithEmbeddingCacheOptions {
  cache: EmbeddingCache;
  /**
   * Called when the cache throws or rejects (Redis down, a corrupted reply); the call then
   * goes to the model as if nothing were cached. Log it, at a rate of your choosing.
   */
  onError?: (error: unknown) => void;
  /**
   * The scope of the current call (a tenant id), read at each call and made part of every
   * key: two scopes never share a vector, so none can tell from a cache hit's speed what
   * another one embedded. Without it (or when it answers undefined) texts share one scope.
   */
  namespace?: () => string | undefined;
}

/**
 * The cache key of one text: the SHA-256 (hex) of the namespace (when given: a tenant id),
 * provider, model, dimensions, purpose and text, so two scopes, two models (or two sizes of
 * one model, or a query and a document) never share a vector.
 */
export function embeddingCacheKey(
  model: Pick<EmbeddingModelV1, 'provider' | 'modelId' | 'dimensions'>,
  purpose: 'query' | 'document' | undefined,
  text: string,
  namespace?: string,
): string {
  const scope = namespace === undefined ? '' : `${namespace}\u0000`;
  return createHash('sha256')
    .update(
      `${scope}${model.provider}\u0000${model.modelId}\u0000${model.dimensions}\u0000${purpose ?? 'document'}\u0000${text}`,
      'utf8',
    )
    .digest('hex');
}

function isVector(value: unknown, dimensions: number): value is number[] {
  return (
    Array.isArray(value) &&
    value.length === dimensions &&
    value.every((number) => typeof number === 'number' && Number.isFinite(number))
  );
}

/**
 * Wraps `model` so that a text it already embedded (same namespace, model, dimensions and
 * purpose) is answered from `cache` instead of paying for a remote call again: repeated
 * questions, and chunks whose text did not change on a re-ingest.
 *
 * - One `cache.get` per call for every text; the misses go to the model in ONE call, each
 *   distinct text once (the same text twice in a call is embedded once), then are stored
 *   with one `cache.set`. Vectors come back in input order.
 * - `usage.tokens` counts only what the model reported for the misses (0 when every text
 *   was cached).
 * - A cache that throws or rejects never fails the call: `onError` hears of it and the model
 *   answers. A cached vector of the wrong length or with non-numbers counts as a miss.
 * - The abort signal goes to the model; an already aborted call is refused before the cache.
 *
 * @example
 * const embedder = withEmbeddingCache(createOpenAIEmbeddingModel(), {
 *   cache: createMemoryEmbeddingCache(),
 *   onError: (error) => console.warn('Embedding cache unavailable', error),
 * });
 */
export function withEmbeddingCache(
  model: EmbeddingModelV1,
  options: WithEmbeddingCacheOptions,
): EmbeddingModelV1 {
  const { cache } = options;
  const report = (error: unknown): void => {
    try {
      options.onError?.(error);
    } catch {
      // A failing logger must not fail the embedding either.
    }
  };

  return {
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    dimensions: model.dimensions,
    maxEmbeddingsPerCall: model.maxEmbeddingsPerCall,

    async doEmbed(callOptions: EmbeddingModelV1CallOptions): Promise<EmbeddingModelV1Result> {
      const { values, purpose, abortSignal } = callOptions;
      // Malformed input: the model's own validation says what is wrong.
      if (
        !Array.isArray(values) ||
        values.length === 0 ||
        values.some((value) => typeof value !== 'string')
      ) {
        return model.doEmbed(callOptions);
      }
      if (abortSignal?.aborted) {
        throw new ChurnError('aborted', 'The embedding call was aborted by its caller.', {
          cause: abortSignal.reason,
        });
      }

      // One key per distinct text (in this call's scope), with the positions it fills.
      const namespace = options.namespace?.();
      const positions = new Map<string, number[]>();
      const texts = new Map<string, string>();
      for (const [index, text] of values.entries()) {
        const key = embeddingCacheKey(model, purpose, text, namespace);
        const list = positions.get(key);
        if (list) list.push(index);
        else {
          positions.set(key, [index]);
          texts.set(key, text);
        }
      }
      const keys = [...positions.keys()];

      const found = new Map<string, number[]>();
      try {
        const cached = await cache.get(keys);
        if (!Array.isArray(cached) || cached.length !== keys.length) {
          throw new Error(
            `The embedding cache answered ${Array.isArray(cached) ? `${cached.length} entries` : typeof cached} for ${keys.length} keys: it must answer one entry (or undefined) per key.`,
          );
        }
        for (const [index, key] of keys.entries()) {
          const vector = cached[index];
          if (isVector(vector, model.dimensions)) found.set(key, vector);
        }
      } catch (error) {
        report(error);
      }

      const missing = keys.filter((key) => !found.has(key));
      let usage: EmbeddingModelV1Result['usage'] = { tokens: 0 };
      if (missing.length > 0) {
        const result = await model.doEmbed({
          values: missing.map((key) => texts.get(key) as string),
          ...(purpose === undefined ? {} : { purpose }),
          ...(abortSignal === undefined ? {} : { abortSignal }),
        });
        if (!Array.isArray(result.embeddings) || result.embeddings.length !== missing.length) {
          throw new ChurnError(
            'provider_error',
            `The embedding model ${model.provider}/${model.modelId} returned ${result.embeddings?.length ?? 0} vectors for ${missing.length} texts.`,
          );
        }
        const entries = missing.map((key, index) => {
          const embedding = result.embeddings[index] as number[];
          found.set(key, embedding);
          return { key, embedding };
        });
        usage = result.usage;
        try {
          await cache.set(entries);
        } catch (error) {
          report(error);
        }
      }

      const embeddings: number[][] = new Array(values.length);
      for (const [key, indexes] of positions) {
        const vector = found.get(key) as number[];
        // Each position its own array: a caller changing one never changes another.
        for (const [n, index] of indexes.entries())
          embeddings[index] = n === 0 ? vector : [...vector];
      }
      return usage === undefined ? { embeddings } : { embeddings, usage };
    },
  };
}
