import { ChurnError } from '../../errors/churn-error.js';
import type { PaymentFailure } from './payment-failure.js';

/**
 * A card problem that could not be returned as a result (a decline while creating or
 * confirming something). `failure.message` is safe to show the customer; `message` is for logs
 * and names the operation. The provider's error is kept as `cause`.
 */
export class PaymentError extends ChurnError {
  readonly failure: PaymentFailure;

  constructor(failure: PaymentFailure, operation: string, options: { cause?: unknown } = {}) {
    super(
      'payment_failed',
      `The card was refused while ${operation} (${failure.reason}${failure.declineCode ? `, ${failure.declineCode}` : ''}): ${failure.message}`,
      options,
    );
    this.name = 'PaymentError';
    this.failure = failure;
  }
}

/** Why a webhook delivery was rejected. */
export type WebhookSignatureProblem =
  | 'missing-header'
  | 'malformed-header'
  | 'no-matching-signature'
  | 'timestamp-outside-tolerance'
  | 'missing-secret';

/**
 * A webhook delivery whose signature does not verify (code `unauthorized`). The message says
 * what to check: the endpoint secret, the raw body, the server clock.
 */
export class WebhookSignatureError extends ChurnError {
  readonly problem: WebhookSignatureProblem;

  constructor(problem: WebhookSignatureProblem, message: string) {
    super('unauthorized', message);
    this.name = 'WebhookSignatureError';
    this.problem = problem;
  }
}
