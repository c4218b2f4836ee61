import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { ChurnError } from '../../errors/churn-error.js';
import { PaymentError } from '../../payment-provider/v1/payment-error.js';
import { RetryExhaustedError } from '../openai/retry-with-backoff.js';
import { classifyStripeError, mapStripeError } from './map-stripe-error.js';

const generate = (raw: Record<string, unknown>) =>
  Stripe.errors.StripeError.generate(
    raw as unknown as Parameters<typeof Stripe.errors.StripeError.generate>[0],
  );
const context = {
  operation: 'paying invoice in_1',
  timeoutMs: 1000,
  apiBase: 'https://api.stripe.com',
};

describe('mapStripeError', () => {
  it.each([
    [
      {
        statusCode: 402,
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'generic_decline',
        message: 'Your card was declined.',
      },
      'payment_failed',
    ],
    [
      { statusCode: 401, type: 'invalid_request_error', message: 'Invalid API Key provided' },
      'configuration',
    ],
    [
      { statusCode: 403, type: 'invalid_request_error', message: 'Vendor text 403' },
      'configuration',
    ],
    [
      {
        statusCode: 404,
        type: 'invalid_request_error',
        code: 'resource_missing',
        param: 'id',
        message: 'No such invoice',
      },
      'not_found',
    ],
    [
      { statusCode: 400, type: 'idempotency_error', message: 'Keys for idempotent requests...' },
      'conflict',
    ],
    [
      { statusCode: 429, type: 'invalid_request_error', code: 'rate_limit', message: 'Too many' },
      'rate_limited',
    ],
    [
      { statusCode: 400, type: 'invalid_request_error', param: 'customer', message: 'Bad' },
      'provider_error',
    ],
    [
      { statusCode: 500, type: 'api_error', message: 'An unknown error occurred' },
      'provider_error',
    ],
  ] as const)('%j -> %s, keeping the SDK error as cause', (raw, code) => {
    const original = generate(raw);
    const mapped = mapStripeError(original, context);
    expect(mapped.code).toBe(code);
    expect(mapped.cause).toBe(original);
    // Stripe's own text is never repeated (it may echo the request).
    expect(mapped.message).not.toContain(raw.message);
  });

  it('turns a card error into a PaymentError whose failure speaks plainly', () => {
    const mapped = mapStripeError(
      generate({
        statusCode: 402,
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'insufficient_funds',
        message: 'x',
      }),
      context,
    );
    expect(mapped).toBeInstanceOf(PaymentError);
    expect((mapped as PaymentError).failure).toMatchObject({
      reason: 'insufficient_funds',
      declineCode: 'insufficient_funds',
    });
    expect(mapped.message).toContain('paying invoice in_1');
  });

  it('tells a timeout from an unreachable server, and counts attempts', () => {
    const timeout = new Stripe.errors.StripeConnectionError({
      message: 'Request aborted due to timeout being reached (1000ms)',
      detail: Object.assign(new TypeError('ETIMEDOUT'), { code: 'ETIMEDOUT' }),
    } as unknown as ConstructorParameters<typeof Stripe.errors.StripeConnectionError>[0]);
    const mapped = mapStripeError(
      new RetryExhaustedError(timeout, { timedOut: false, aborted: false, attempts: 3 }),
      context,
    );
    expect(mapped.code).toBe('timeout');
    expect(mapped.message).toContain('within 1000 ms after 3 attempts');
    const refused = new Stripe.errors.StripeConnectionError({
      message: 'An error occurred with our connection to Stripe.',
    } as unknown as ConstructorParameters<typeof Stripe.errors.StripeConnectionError>[0]);
    expect(mapStripeError(refused, context).message).toContain('https://api.stripe.com');
  });

  it('passes ChurnErrors through', () => {
    const error = new ChurnError('forbidden', 'no');
    expect(mapStripeError(error, context)).toBe(error);
  });
});

describe('classifyStripeError', () => {
  it('retries 409, 429 (with Retry-After), 5xx and connection errors; not card errors or 400', () => {
    const withHeaders = (raw: Record<string, unknown>, headers: Record<string, string> = {}) =>
      generate({ ...raw, headers });
    expect(
      classifyStripeError(
        withHeaders({ statusCode: 429, type: 'invalid_request_error' }, { 'retry-after': '2' }),
      ),
    ).toEqual({ retryable: true, retryAfterMs: 2000 });
    expect(classifyStripeError(withHeaders({ statusCode: 500, type: 'api_error' }))).toEqual({
      retryable: true,
    });
    expect(
      classifyStripeError(withHeaders({ statusCode: 409, type: 'invalid_request_error' })),
    ).toEqual({ retryable: true });
    expect(
      classifyStripeError(
        withHeaders({ statusCode: 500, type: 'api_error' }, { 'stripe-should-retry': 'false' }),
      ),
    ).toEqual({ retryable: false });
    expect(classifyStripeError(withHeaders({ statusCode: 402, type: 'card_error' }))).toEqual({
      retryable: false,
    });
    expect(
      classifyStripeError(withHeaders({ statusCode: 400, type: 'invalid_request_error' })),
    ).toEqual({ retryable: false });
    expect(
      classifyStripeError(
        new Stripe.errors.StripeConnectionError({
          message: 'x',
        } as unknown as ConstructorParameters<typeof Stripe.errors.StripeConnectionError>[0]),
      ),
    ).toEqual({ retryable: true });
  });
});
