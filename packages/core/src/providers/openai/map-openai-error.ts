import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { ChurnError } from '../../errors/churn-error.js';
import { parseRetryAfter, type RetryDecision, unwrapRetry } from './retry-with-backoff.js';

/** What the adapter knew when the call failed, beside the error itself. */
export interface OpenAIErrorContext {
  /** What was being done, in words: `embedding 12 texts`, `generating a reply`. */
  operation: string;
  /** The configured model, named in messages about it. */
  modelId: string;
  /** The configured per-attempt timeout, named in the timeout message. */
  timeoutMs?: number;
  /** Where requests went, named when the server cannot be reached. */
  baseURL?: string;
}

function readStatus(error: unknown): number | undefined {
  if (error instanceof APIError && typeof error.status === 'number') return error.status;
  return undefined;
}

function readVendorCode(error: unknown): string | undefined {
  if (error instanceof APIError && typeof error.code === 'string') return error.code;
  return undefined;
}

function readParam(error: unknown): string | undefined {
  if (error instanceof APIError && typeof error.param === 'string') return error.param;
  return undefined;
}

function isAbortError(error: unknown): boolean {
  return (
    error instanceof APIUserAbortError ||
    (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))
  );
}

/**
 * The one place an OpenAI failure becomes a {@link ChurnError}. The vendor error is
 * kept as `cause` (with its status, type, code and request id); the message says what
 * happened and how to fix it, and never repeats the vendor's own text, which may
 * echo the request.
 *
 * | vendor | code |
 * | --- | --- |
 * | caller abort | `aborted` |
 * | attempt timeout | `timeout` |
 * | 401, 403, 404 | `configuration` |
 * | 429 `insufficient_quota` | `quota_exceeded` |
 * | 429 | `rate_limited` |
 * | 400 `context_length_exceeded`, 413 | `payload_too_large` |
 * | other 4xx, 5xx, unreachable, unreadable body | `provider_error` |
 */
export function mapOpenAIError(error: unknown, context: OpenAIErrorContext): ChurnError {
  if (ChurnError.isInstance(error)) return error;
  const { cause, timedOut, aborted, tries } = unwrapRetry(error);
  if (ChurnError.isInstance(cause)) return cause;
  const options = { cause };

  if (aborted || (!timedOut && isAbortError(cause))) {
    return new ChurnError(
      'aborted',
      `OpenAI call aborted by the caller while ${context.operation}.`,
      options,
    );
  }
  if (timedOut || cause instanceof APIConnectionTimeoutError) {
    const limit = context.timeoutMs === undefined ? '' : ` within ${context.timeoutMs} ms`;
    return new ChurnError(
      'timeout',
      `OpenAI did not answer${limit}${tries} while ${context.operation}: raise timeoutMs, or check that the server at baseURL is responsive.`,
      options,
    );
  }

  const status = readStatus(cause);
  const vendorCode = readVendorCode(cause);
  if (status === 401) {
    return new ChurnError(
      'configuration',
      'OpenAI rejected the API key (401): check OPENAI_API_KEY, or the apiKey passed to the factory.',
      options,
    );
  }
  if (status === 403) {
    return new ChurnError(
      'configuration',
      `OpenAI refused access (403) while ${context.operation}: check that the API key's project may use model "${context.modelId}" from this region.`,
      options,
    );
  }
  if (status === 404) {
    return new ChurnError(
      'configuration',
      `OpenAI answered 404 while ${context.operation}: check the model name ("${context.modelId}") and that baseURL ends with /v1.`,
      options,
    );
  }
  if (status === 429 && vendorCode === 'insufficient_quota') {
    return new ChurnError(
      'quota_exceeded',
      'OpenAI quota exhausted (429 insufficient_quota): add credit or raise the limit in the OpenAI billing settings.',
      options,
    );
  }
  if (status === 429) {
    return new ChurnError(
      'rate_limited',
      `OpenAI rate limit reached${tries} while ${context.operation}: lower the request rate or batch size, or raise maxRetries.`,
      options,
    );
  }
  if (status === 413 || vendorCode === 'context_length_exceeded') {
    return new ChurnError(
      'payload_too_large',
      `The input is too long for model "${context.modelId}" while ${context.operation}: send shorter texts (smaller chunks or fewer messages).`,
      options,
    );
  }
  if (status !== undefined && status >= 400 && status < 500) {
    const param = readParam(cause);
    const where = param ? ` (parameter "${param}")` : '';
    return new ChurnError(
      'provider_error',
      `OpenAI rejected the request as invalid (${status})${where} while ${context.operation}: check the model settings; the vendor error is kept as the cause.`,
      options,
    );
  }
  if (status !== undefined && status >= 500) {
    return new ChurnError(
      'provider_error',
      `OpenAI failed (${status})${tries} while ${context.operation}: try again later, or check status.openai.com.`,
      options,
    );
  }
  if (cause instanceof SyntaxError) {
    return new ChurnError(
      'provider_error',
      `OpenAI answered with a body that is not valid JSON while ${context.operation}: check that baseURL points at an OpenAI-compatible API.`,
      options,
    );
  }
  if (cause instanceof APIConnectionError) {
    const where = context.baseURL ? ` at ${context.baseURL}` : '';
    return new ChurnError(
      'provider_error',
      `Could not reach OpenAI${where}${tries} while ${context.operation}: check the network and baseURL.`,
      options,
    );
  }
  return new ChurnError(
    'provider_error',
    `OpenAI call failed while ${context.operation}: the vendor error is kept as the cause.`,
    options,
  );
}

/** Retry policy for OpenAI: the statuses the SDK itself would retry, plus dropped connections. */
export function classifyOpenAIError(error: unknown): RetryDecision {
  if (error instanceof APIUserAbortError) return { retryable: false };
  if (error instanceof APIError) {
    const status = error.status;
    const headers = error.headers instanceof Headers ? error.headers : undefined;
    if (status === undefined) return { retryable: error instanceof APIConnectionError };
    const shouldRetry = headers?.get('x-should-retry');
    if (shouldRetry === 'false') return { retryable: false };
    if (status === 429 && readVendorCode(error) === 'insufficient_quota')
      return { retryable: false };
    const retryable =
      shouldRetry === 'true' || status === 408 || status === 409 || status === 429 || status >= 500;
    const retryAfterMs = retryable ? parseRetryAfter(headers) : undefined;
    return retryAfterMs === undefined ? { retryable } : { retryable, retryAfterMs };
  }
  return { retryable: false };
}
