import Stripe from 'stripe';
import { ChurnError } from '../../errors/churn-error.js';
import { PaymentError } from '../../payment-provider/v1/payment-error.js';
import { describePaymentFailure } from '../../payment-provider/v1/payment-failure.js';
import { parseRetryAfter, type RetryDecision, unwrapRetry } from '../openai/retry-with-backoff.js';

/** What the adapter knew when the call failed, beside the error itself. */
export interface StripeErrorContext {
  /** What was being done, in words: `paying invoice in_123`, `creating a SetupIntent`. */
  operation: string;
  /** The configured per-attempt timeout, named in the timeout message. */
  timeoutMs?: number;
  /** Where requests went (`https://api.stripe.com`), named when the server cannot be reached. */
  apiBase?: string;
}

/** Reads a header from a Stripe error whatever the case of its name. */
function readHeader(error: Stripe.errors.StripeError, name: string): string | undefined {
  const headers = error.headers;
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

function isStripeError(error: unknown): error is Stripe.errors.StripeError {
  return error instanceof Stripe.errors.StripeError;
}

/** True for a connection error the SDK raised because `timeout` passed. */
export function isStripeTimeout(error: unknown): boolean {
  if (!(error instanceof Stripe.errors.StripeConnectionError)) return false;
  const detail = error.detail;
  return (
    (typeof detail === 'object' &&
      detail !== null &&
      'code' in detail &&
      detail.code === 'ETIMEDOUT') ||
    /timeout/i.test(error.message)
  );
}

/**
 * The one place a Stripe failure becomes a {@link ChurnError}. The SDK error is kept as `cause`
 * (type, code, decline code, request id); the message says what happened and how to fix it, and
 * never repeats Stripe's own text, which may echo the request.
 *
 * | Stripe | code |
 * | --- | --- |
 * | 402 card error (`card_declined` + decline code, `expired_card`, `incorrect_cvc`, `authentication_required`...) | `payment_failed` ({@link PaymentError}, plain words in `failure.message`) |
 * | 401, 403 (key rejected, restricted key) | `configuration` |
 * | 404 `resource_missing` | `not_found` |
 * | 400 `idempotency_error` | `conflict` |
 * | 429 | `rate_limited` |
 * | SDK timeout | `timeout` |
 * | other 4xx, 5xx, connection errors, unreadable body | `provider_error` |
 */
export function mapStripeError(error: unknown, context: StripeErrorContext): ChurnError {
  if (ChurnError.isInstance(error)) return error;
  const { cause, tries } = unwrapRetry(error);
  if (ChurnError.isInstance(cause)) return cause;
  const options = { cause };

  if (
    cause instanceof Stripe.errors.StripeCardError ||
    (isStripeError(cause) && cause.statusCode === 402)
  ) {
    const failure = describePaymentFailure({ code: cause.code, declineCode: cause.decline_code });
    return new PaymentError(failure, context.operation, options);
  }
  if (cause instanceof Stripe.errors.StripeAuthenticationError) {
    return new ChurnError(
      'configuration',
      'Stripe rejected the secret key (401): check STRIPE_SECRET_KEY (sk_test_... in test mode, sk_live_... in live mode) and that it was not rolled.',
      options,
    );
  }
  if (cause instanceof Stripe.errors.StripePermissionError) {
    return new ChurnError(
      'configuration',
      `Stripe refused access (403) while ${context.operation}: a restricted key needs write access to Customers, SetupIntents, PaymentMethods, Subscriptions and Invoices.`,
      options,
    );
  }
  if (cause instanceof Stripe.errors.StripeIdempotencyError) {
    return new ChurnError(
      'conflict',
      `Stripe refused a reused idempotency key while ${context.operation}: the key was first used with different parameters; use a new key for a different request.`,
      options,
    );
  }
  if (cause instanceof Stripe.errors.StripeRateLimitError) {
    return new ChurnError(
      'rate_limited',
      `Stripe rate limit reached (429)${tries} while ${context.operation}: lower the request rate (a sync of many customers), or raise maxNetworkRetries.`,
      options,
    );
  }
  if (isStripeError(cause) && (cause.statusCode === 404 || cause.code === 'resource_missing')) {
    const what = cause.param ? ` (parameter "${cause.param}")` : '';
    return new ChurnError(
      'not_found',
      `Stripe has no such object${what} while ${context.operation}: check the id, and that test-mode ids are used with a test-mode key.`,
      options,
    );
  }
  if (isStripeTimeout(cause)) {
    const limit = context.timeoutMs === undefined ? '' : ` within ${context.timeoutMs} ms`;
    return new ChurnError(
      'timeout',
      `Stripe did not answer${limit}${tries} while ${context.operation}: raise timeoutMs, or check the network to Stripe.`,
      options,
    );
  }
  if (cause instanceof Stripe.errors.StripeConnectionError) {
    const where = context.apiBase ? ` at ${context.apiBase}` : '';
    return new ChurnError(
      'provider_error',
      `Could not reach Stripe${where}${tries} while ${context.operation}: check the network and apiBase.`,
      options,
    );
  }
  if (isStripeError(cause) && cause.statusCode !== undefined && cause.statusCode < 500) {
    const where = cause.param ? ` (parameter "${cause.param}")` : '';
    return new ChurnError(
      'provider_error',
      `Stripe rejected the request as invalid (${cause.statusCode})${where} while ${context.operation}: the Stripe error is kept as the cause.`,
      options,
    );
  }
  if (isStripeError(cause)) {
    return new ChurnError(
      'provider_error',
      `Stripe failed (${cause.statusCode ?? 'no status'})${tries} while ${context.operation}: try again later, or check status.stripe.com.`,
      options,
    );
  }
  return new ChurnError(
    'provider_error',
    `Stripe call failed while ${context.operation}: the error is kept as the cause.`,
    options,
  );
}

/**
 * Retry policy: what stripe-node itself retries (409, 5xx, connection errors and timeouts,
 * `Stripe-Should-Retry: true`) plus 429, honouring `Retry-After`. Card errors and other 4xx are
 * final. Every retry reuses the request's idempotency key, so Stripe never applies it twice.
 */
export function classifyStripeError(error: unknown): RetryDecision {
  if (error instanceof Stripe.errors.StripeConnectionError) return { retryable: true };
  if (!isStripeError(error)) return { retryable: false };
  const shouldRetry = readHeader(error, 'stripe-should-retry');
  if (shouldRetry === 'false') return { retryable: false };
  const status = error.statusCode;
  const retryable =
    shouldRetry === 'true' ||
    status === 409 ||
    status === 429 ||
    (status !== undefined && status >= 500);
  if (!retryable) return { retryable: false };
  const retryAfterMs = parseRetryAfter({
    get: (name: string) => readHeader(error, name.toLowerCase()) ?? null,
  });
  return retryAfterMs === undefined ? { retryable } : { retryable, retryAfterMs };
}
