import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { WebhookSignatureError } from './v1/payment-error.js';
import { describePaymentFailure } from './v1/payment-failure.js';
import { signWebhookPayload, verifyWebhookSignature } from './webhook-signature.js';

const secret = 'whsec_test_secret';
const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'invoice.paid' });
const now = new Date('2026-03-10T12:00:00Z');
const timestamp = Math.floor(now.getTime() / 1000);

function problemOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof WebhookSignatureError) return error.problem;
    throw error;
  }
  return undefined;
}

describe('webhook signatures (Stripe scheme)', () => {
  it('signs exactly like the official SDK, and accepts what the SDK signs', () => {
    const ours = signWebhookPayload({ payload, secret, timestamp });
    const theirs = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
    expect(ours).toBe(theirs);
    const event = Stripe.webhooks.constructEvent(
      payload,
      signWebhookPayload({ payload, secret, timestamp: Math.floor(Date.now() / 1000) }),
      secret,
    );
    expect(event.id).toBe('evt_1');
  });

  it('accepts a valid signature within the tolerance, from text or bytes', () => {
    const header = signWebhookPayload({ payload, secret, timestamp });
    expect(verifyWebhookSignature({ payload, header, secret, now })).toEqual({ timestamp });
    const bytes = new TextEncoder().encode(payload);
    expect(verifyWebhookSignature({ payload: bytes, header, secret, now })).toEqual({ timestamp });
    const later = new Date(now.getTime() + 300_000);
    expect(verifyWebhookSignature({ payload, header, secret, now: later })).toEqual({ timestamp });
  });

  it('accepts any of several secrets (a rotation) and any of several v1 signatures', () => {
    const header = signWebhookPayload({ payload, secret, timestamp });
    expect(() =>
      verifyWebhookSignature({ payload, header, secret: ['whsec_new', secret], now }),
    ).not.toThrow();
    const other = signWebhookPayload({ payload, secret: 'whsec_other', timestamp }).split(',')[1];
    expect(() =>
      verifyWebhookSignature({ payload, header: `${header},${other}`, secret, now }),
    ).not.toThrow();
  });

  it.each([
    [
      'tampered payload',
      () =>
        verifyWebhookSignature({
          payload: payload.replace('paid', 'void'),
          header: signWebhookPayload({ payload, secret, timestamp }),
          secret,
          now,
        }),
      'no-matching-signature',
    ],
    [
      'wrong secret',
      () =>
        verifyWebhookSignature({
          payload,
          header: signWebhookPayload({ payload, secret: 'whsec_wrong', timestamp }),
          secret,
          now,
        }),
      'no-matching-signature',
    ],
    [
      'stale timestamp',
      () =>
        verifyWebhookSignature({
          payload,
          header: signWebhookPayload({ payload, secret, timestamp: timestamp - 301 }),
          secret,
          now,
        }),
      'timestamp-outside-tolerance',
    ],
    [
      'future timestamp',
      () =>
        verifyWebhookSignature({
          payload,
          header: signWebhookPayload({ payload, secret, timestamp: timestamp + 301 }),
          secret,
          now,
        }),
      'timestamp-outside-tolerance',
    ],
    [
      'tighter tolerance',
      () =>
        verifyWebhookSignature({
          payload,
          header: signWebhookPayload({ payload, secret, timestamp: timestamp - 11 }),
          secret,
          now,
          toleranceSeconds: 10,
        }),
      'timestamp-outside-tolerance',
    ],
    [
      'missing header',
      () => verifyWebhookSignature({ payload, header: undefined, secret, now }),
      'missing-header',
    ],
    [
      'header without v1',
      () => verifyWebhookSignature({ payload, header: `t=${timestamp},v0=abc`, secret, now }),
      'malformed-header',
    ],
    [
      'no secret configured',
      () => verifyWebhookSignature({ payload, header: 't=1,v1=ab', secret: '', now }),
      'missing-secret',
    ],
  ] as const)('rejects a %s', (_label, run, problem) => {
    expect(problemOf(run)).toBe(problem);
  });

  it('says what to check, with code unauthorized', () => {
    try {
      verifyWebhookSignature({
        payload: `${payload} `,
        header: signWebhookPayload({ payload, secret, timestamp }),
        secret,
        now,
      });
    } catch (error) {
      expect(error).toBeInstanceOf(WebhookSignatureError);
      expect((error as WebhookSignatureError).code).toBe('unauthorized');
      expect((error as WebhookSignatureError).message).toMatch(/raw request body/);
    }
    expect.assertions(3);
  });
});

describe('describePaymentFailure', () => {
  it.each([
    [
      { code: 'card_declined', declineCode: 'generic_decline' },
      'card_declined',
      'Your bank declined the card. Try another card or contact your bank.',
    ],
    [{ code: 'card_declined', declineCode: 'insufficient_funds' }, 'insufficient_funds', undefined],
    [
      { code: 'card_declined', declineCode: 'stolen_card' },
      'card_declined',
      'Your bank declined the card. Try another card or contact your bank.',
    ],
    [{ code: 'expired_card' }, 'expired_card', undefined],
    [{ code: 'incorrect_cvc' }, 'incorrect_cvc', undefined],
    [
      { code: 'authentication_required', declineCode: 'authentication_required' },
      'authentication_required',
      undefined,
    ],
    [{ code: 'invoice_payment_intent_requires_action' }, 'authentication_required', undefined],
    [{ code: 'setup_intent_authentication_failure' }, 'authentication_failed', undefined],
    [{ code: 'something_new' }, 'card_declined', undefined],
    [{}, 'card_declined', undefined],
  ] as const)('%j -> %s', (codes, reason, message) => {
    const failure = describePaymentFailure(codes);
    expect(failure.reason).toBe(reason);
    if (message !== undefined) expect(failure.message).toBe(message);
    expect(failure.message.length).toBeGreaterThan(20);
  });
});
