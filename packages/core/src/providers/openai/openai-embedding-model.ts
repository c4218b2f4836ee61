import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import type {
  EmbeddingModelV1,
  EmbeddingModelV1CallOptions,
  EmbeddingModelV1Result,
} from '../../embedding-model/v1/index.js';
import { ChurnError } from '../../errors/churn-error.js';
import { ValidationError } from '../../errors/validation-error.js';
import { classifyOpenAIError, mapOpenAIError } from './map-openai-error.js';
import { type OpenAISettings, resolveOpenAISettings } from './openai-settings.js';
import { retryWithBackoff } from './retry-with-backoff.js';

/** The API's own limits on one `POST /embeddings` request. */
export const OPENAI_EMBEDDING_LIMITS = {
  /** Most inputs in one request. */
  maxInputsPerRequest: 2048,
  /** Most tokens, summed over the inputs, in one request. */
  maxTokensPerRequest: 300_000,
  /** Most tokens in one input (the `text-embedding-3-*` and `ada-002` context). */
  maxTokensPerInput: 8191,
} as const;

/** Settings of {@link createOpenAIEmbeddingModel}. */
export interface OpenAIEmbeddingModelSettings extends OpenAISettings {
  /** Default `text-embedding-3-small`. */
  model?: string;
  /**
   * Length of the returned vectors. Default 1536 (the seed's Pinecone index). Sent to the
   * API for `text-embedding-3-*` models, which shorten their vectors on request.
   */
  dimensions?: number;
  /**
   * Wire format of the vectors. `base64` (default, about a third of the bytes) is what the
   * official SDK asks for; `float` suits compatible servers that do not know base64.
   * Either way the adapter accepts both forms in the answer.
   */
  encodingFormat?: 'base64' | 'float';
  /** Counts tokens to plan batches. Default: cl100k_base, the tokenizer of these models. */
  countTokens?: (text: string) => number;
}

function countCl100kTokens(text: string): number {
  return countTokens(text, { disallowedSpecial: new Set() });
}

/** Decodes the API's base64 form: little-endian float32 values. */
export function decodeBase64Embedding(base64: string): number[] {
  const bytes = Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
  if (bytes.byteLength % 4 !== 0) {
    throw new ChurnError(
      'provider_error',
      `OpenAI returned a base64 embedding of ${bytes.byteLength} bytes, not a whole number of float32 values: check that baseURL points at an OpenAI-compatible API.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Array<number>(bytes.byteLength / 4);
  for (let index = 0; index < values.length; index++)
    values[index] = view.getFloat32(index * 4, true);
  return values;
}

/** Scales a vector to unit length (a zero vector stays zero). */
export function normalizeVector(values: number[]): number[] {
  let sum = 0;
  for (const value of values) sum += value * value;
  const norm = Math.sqrt(sum);
  return norm === 0 ? values.slice() : values.map((value) => value / norm);
}

/**
 * Splits inputs into requests that respect both limits of the API: at most
 * `maxInputs` inputs and `maxTokens` tokens each. Order is kept. Returns index ranges.
 */
export function planEmbeddingBatches(
  tokenCounts: number[],
  limits: { maxInputs: number; maxTokens: number } = {
    maxInputs: OPENAI_EMBEDDING_LIMITS.maxInputsPerRequest,
    maxTokens: OPENAI_EMBEDDING_LIMITS.maxTokensPerRequest,
  },
): Array<{ start: number; end: number; tokens: number }> {
  const batches: Array<{ start: number; end: number; tokens: number }> = [];
  let start = 0;
  let tokens = 0;
  for (let index = 0; index < tokenCounts.length; index++) {
    const count = tokenCounts[index] ?? 0;
    const size = index - start;
    if (size > 0 && (size >= limits.maxInputs || tokens + count > limits.maxTokens)) {
      batches.push({ start, end: index, tokens });
      start = index;
      tokens = 0;
    }
    tokens += count;
  }
  if (tokenCounts.length > start) batches.push({ start, end: tokenCounts.length, tokens });
  return batches;
}

function readEmbedding(value: unknown, dimensions: number, modelId: string): number[] {
  let values: number[];
  if (typeof value === 'string') values = decodeBase64Embedding(value);
  else if (Array.isArray(value) && value.every((item) => typeof item === 'number')) values = value;
  else {
    throw new ChurnError(
      'provider_error',
      'OpenAI returned an embedding that is neither base64 nor a list of numbers: check that baseURL points at an OpenAI-compatible API.',
    );
  }
  if (values.length !== dimensions) {
    throw new ChurnError(
      'configuration',
      `OpenAI model "${modelId}" returned ${values.length} dimensions, not the ${dimensions} configured: set dimensions to the model's size (and the vector index to match).`,
    );
  }
  return normalizeVector(values);
}

/**
 * An {@link EmbeddingModelV1} served by OpenAI's embeddings API (or a compatible server).
 *
 * - Takes at most 2048 texts per call (`maxEmbeddingsPerCall`, the API's input limit;
 *   callers batch above it) and splits a call into several requests when its texts
 *   pass 300 000 tokens (counted with cl100k_base); a single text over 8191 tokens is
 *   refused before any request with a `payload_too_large` error.
 * - Retries 408/409/429/5xx, dropped connections and timeouts with exponential backoff
 *   and jitter, obeying `Retry-After` (see {@link OpenAISettings.maxRetries}).
 * - Returns unit-length vectors in input order; maps every failure to a `ChurnError`.
 *
 * @example
 * ```ts
 * const embedder = createOpenAIEmbeddingModel({ apiKey: process.env.OPENAI_API_KEY! });
 * const { embeddings } = await embedder.doEmbed({ values: ['How do refunds work?'] });
 * ```
 */
export function createOpenAIEmbeddingModel(
  settings: OpenAIEmbeddingModelSettings,
): EmbeddingModelV1 {
  const resolved = resolveOpenAISettings(settings);
  const modelId = settings.model ?? 'text-embedding-3-small';
  const dimensions = settings.dimensions ?? 1536;
  if (!Number.isInteger(dimensions) || dimensions < 1) {
    throw new ChurnError(
      'configuration',
      `OpenAI embedding dimensions must be a positive integer, got ${dimensions}.`,
    );
  }
  const encodingFormat = settings.encodingFormat ?? 'base64';
  const count = settings.countTokens ?? countCl100kTokens;
  // Only the text-embedding-3 family accepts `dimensions`; ada-002 rejects the parameter.
  const sendDimensions = modelId.startsWith('text-embedding-3');

  async function embedBatch(
    values: string[],
    abortSignal: AbortSignal | undefined,
  ): Promise<{ embeddings: number[][]; tokens: number | undefined }> {
    const operation = `embedding ${values.length} text${values.length === 1 ? '' : 's'}`;
    try {
      const response = await retryWithBackoff(
        ({ signal }) =>
          resolved.client.embeddings.create(
            {
              model: modelId,
              input: values,
              encoding_format: encodingFormat,
              ...(sendDimensions ? { dimensions } : {}),
            },
            { signal },
          ),
        {
          maxRetries: resolved.maxRetries,
          initialDelayMs: resolved.initialRetryDelayMs,
          maxDelayMs: 8_000,
          maxRetryAfterMs: 60_000,
          timeoutMs: resolved.timeoutMs,
          abortSignal,
          classify: classifyOpenAIError,
        },
      );
      const data: unknown = response?.data;
      if (!Array.isArray(data) || data.length !== values.length) {
        throw new ChurnError(
          'provider_error',
          `OpenAI returned ${Array.isArray(data) ? data.length : 'no'} embeddings for ${values.length} inputs: check that baseURL points at an OpenAI-compatible API.`,
        );
      }
      const embeddings = new Array<number[]>(values.length);
      for (const [position, item] of data.entries()) {
        const record =
          typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
        const index = typeof record.index === 'number' ? record.index : position;
        if (index < 0 || index >= values.length || embeddings[index] !== undefined) {
          throw new ChurnError(
            'provider_error',
            `OpenAI returned an embedding with a wrong index (${index}).`,
          );
        }
        embeddings[index] = readEmbedding(record.embedding, dimensions, modelId);
      }
      const usage: unknown = response.usage;
      const tokens =
        typeof usage === 'object' &&
        usage !== null &&
        'prompt_tokens' in usage &&
        typeof usage.prompt_tokens === 'number'
          ? usage.prompt_tokens
          : undefined;
      return { embeddings, tokens };
    } catch (error) {
      throw mapOpenAIError(error, {
        operation,
        modelId,
        timeoutMs: resolved.timeoutMs,
        baseURL: resolved.baseURL,
      });
    }
  }

  return {
    specificationVersion: 'v1',
    provider: 'openai',
    modelId,
    dimensions,
    maxEmbeddingsPerCall: OPENAI_EMBEDDING_LIMITS.maxInputsPerRequest,

    async doEmbed(options: EmbeddingModelV1CallOptions): Promise<EmbeddingModelV1Result> {
      const { values, abortSignal } = options;
      if (abortSignal?.aborted) {
        throw new ChurnError(
          'aborted',
          'OpenAI call aborted by the caller before embedding started.',
          {
            cause: abortSignal.reason,
          },
        );
      }
      if (values.length === 0) return { embeddings: [], usage: { tokens: 0 } };
      if (values.length > OPENAI_EMBEDDING_LIMITS.maxInputsPerRequest) {
        throw new ValidationError('embedding input', [
          {
            path: ['values'],
            message: `holds ${values.length} texts; one call takes at most ${OPENAI_EMBEDDING_LIMITS.maxInputsPerRequest} (maxEmbeddingsPerCall): batch above it`,
          },
        ]);
      }
      const issues = values.flatMap((value, index) =>
        typeof value !== 'string' || value.length === 0
          ? [
              {
                path: ['values', index],
                message: 'must be a non-empty string (OpenAI rejects empty input)',
              },
            ]
          : [],
      );
      if (issues.length > 0) throw new ValidationError('embedding input', issues);
      const tokenCounts = values.map((value) => count(value));
      const tooLong = tokenCounts.findIndex(
        (tokens) => tokens > OPENAI_EMBEDDING_LIMITS.maxTokensPerInput,
      );
      if (tooLong !== -1) {
        throw new ChurnError(
          'payload_too_large',
          `Text ${tooLong} has ${tokenCounts[tooLong]} tokens; "${modelId}" embeds at most ${OPENAI_EMBEDDING_LIMITS.maxTokensPerInput}: split it into smaller chunks.`,
        );
      }
      const embeddings: number[][] = [];
      let tokens = 0;
      let tokensKnown = true;
      for (const batch of planEmbeddingBatches(tokenCounts)) {
        const result = await embedBatch(values.slice(batch.start, batch.end), abortSignal);
        embeddings.push(...result.embeddings);
        if (result.tokens === undefined) tokensKnown = false;
        else tokens += result.tokens;
      }
      return tokensKnown ? { embeddings, usage: { tokens } } : { embeddings };
    },
  };
}
