import { ChurnError } from '../../errors/churn-error.js';
import { unwrapRetry } from '../openai/retry-with-backoff.js';

/** What the adapter knew when a Pinecone call failed. */
export interface PineconeErrorContext {
  /** What was being done, in words: `upserting 40 records`. */
  operation: string;
  /** The index host, named when it cannot be reached. */
  indexHost: string;
  timeoutMs?: number;
}

/**
 * A Pinecone SDK error together with the HTTP answer behind it. The SDK's error classes
 * carry neither status nor headers, so the adapter's `fetch` records them.
 */
export class PineconeAttemptError extends Error {
  readonly status: number | undefined;
  readonly headers: Headers | undefined;

  constructor(cause: unknown, status: number | undefined, headers: Headers | undefined) {
    super(cause instanceof Error ? cause.message : 'Pinecone request failed.', { cause });
    this.name = 'PineconeAttemptError';
    this.status = status;
    this.headers = headers;
  }
}

/**
 * The one place a Pinecone failure becomes a {@link ChurnError}; the SDK error is kept as
 * `cause`. 401/403 -> `configuration`, 429 -> `rate_limited`, 400/413/422 -> `provider_error`
 * naming the likely fix, 5xx and unreachable -> `provider_error`, caller abort ->
 * `aborted`, attempt timeout -> `timeout`.
 */
export function mapPineconeError(error: unknown, context: PineconeErrorContext): ChurnError {
  if (ChurnError.isInstance(error)) return error;
  const { cause, timedOut, aborted, tries } = unwrapRetry(error);
  if (ChurnError.isInstance(cause)) return cause;
  const status = cause instanceof PineconeAttemptError ? cause.status : undefined;
  const vendor = cause instanceof PineconeAttemptError ? cause.cause : cause;
  const options = { cause: vendor };

  if (aborted) {
    return new ChurnError(
      'aborted',
      `Pinecone call aborted by the caller while ${context.operation}.`,
      options,
    );
  }
  if (timedOut) {
    const limit = context.timeoutMs === undefined ? '' : ` within ${context.timeoutMs} ms`;
    return new ChurnError(
      'timeout',
      `Pinecone did not answer${limit}${tries} while ${context.operation}: raise timeoutMs, or check the index host.`,
      options,
    );
  }
  if (status === 401 || status === 403) {
    return new ChurnError(
      'configuration',
      `Pinecone rejected the API key (${status}): check PINECONE_API_KEY and that the key belongs to the project of index host ${context.indexHost}.`,
      options,
    );
  }
  if (status === 404) {
    return new ChurnError(
      'configuration',
      `Pinecone answered 404 while ${context.operation}: check the index host (${context.indexHost}); copy it from the Pinecone console or describeIndex().`,
      options,
    );
  }
  if (status === 429) {
    return new ChurnError(
      'rate_limited',
      `Pinecone rate limit reached${tries} while ${context.operation}: lower the write or query rate, or raise maxRetries.`,
      options,
    );
  }
  if (status === 413) {
    return new ChurnError(
      'payload_too_large',
      `Pinecone refused a request as too large while ${context.operation}: lower the upsert batch size.`,
      options,
    );
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new ChurnError(
      'provider_error',
      `Pinecone rejected the request (${status}) while ${context.operation}: check that the index dimension matches the embedding model and that metadata values are strings, numbers, booleans or lists of strings; the vendor error is kept as the cause.`,
      options,
    );
  }
  if (status !== undefined && status >= 500) {
    return new ChurnError(
      'provider_error',
      `Pinecone failed (${status})${tries} while ${context.operation}: try again later, or check status.pinecone.io.`,
      options,
    );
  }
  if (vendor instanceof SyntaxError || (vendor instanceof Error && /JSON/.test(vendor.message))) {
    return new ChurnError(
      'provider_error',
      `Pinecone answered with a body that is not valid JSON while ${context.operation}: check that the index host points at a Pinecone index.`,
      options,
    );
  }
  if (vendor instanceof Error && vendor.name === 'PineconeConnectionError') {
    return new ChurnError(
      'provider_error',
      `Could not reach Pinecone at ${context.indexHost}${tries} while ${context.operation}: check the network and the index host.`,
      options,
    );
  }
  return new ChurnError(
    'provider_error',
    `Pinecone call failed while ${context.operation}: the vendor error is kept as the cause.`,
    options,
  );
}
