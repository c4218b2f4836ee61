import { describe, expect, it } from 'vitest';
import { fixedClock } from '../clock.js';
import type { PaymentEvent } from '../payment-provider/v1/payment-event.js';
import { applyPaymentEvent, type PaymentRiskState } from './apply-payment-event.js';

const clock = fixedClock('2026-03-10T12:00:00Z');
const at = (day: number, hour = 12) => new Date(Date.UTC(2026, 2, day, hour));

const active: PaymentRiskState = { accountStatus: 'active', accountValue: 49, failureCount: 0 };

const failed = (id: string, day: number, attemptCount = 1): PaymentEvent => ({
  id,
  type: 'invoice-payment-failed',
  providerEventType: 'invoice.payment_failed',
  createdAt: at(day),
  customerId: 'cus_1',
  invoiceId: 'in_1',
  amountDue: 49,
  currency: 'usd',
  attemptCount,
  nextRetryAt: at(day + 3),
  failedAt: at(day),
});
const paid = (id: string, day: number): PaymentEvent => ({
  id,
  type: 'invoice-paid',
  providerEventType: 'invoice.paid',
  createdAt: at(day),
  customerId: 'cus_1',
  invoiceId: 'in_1',
  amountPaid: 49,
  currency: 'usd',
  paidAt: at(day),
});
const card = (expiryMonth: number, expiryYear: number) => ({
  providerPaymentMethodId: 'pm_1',
  brand: 'visa',
  cardType: 'visa' as const,
  lastFourDigits: '4242',
  expiryMonth,
  expiryYear,
});
const expiring = (id: string, day: number): PaymentEvent => ({
  id,
  type: 'card-expiring',
  providerEventType: 'customer.source.expiring',
  createdAt: at(day),
  customerId: 'cus_1',
  card: card(3, 2026),
});
const updated = (id: string, day: number): PaymentEvent => ({
  id,
  type: 'card-updated-automatically',
  providerEventType: 'payment_method.automatically_updated',
  createdAt: at(day),
  customerId: 'cus_1',
  card: card(3, 2030),
});
const cancelled = (id: string, day: number): PaymentEvent => ({
  id,
  type: 'subscription-cancelled',
  providerEventType: 'customer.subscription.deleted',
  createdAt: at(day),
  customerId: 'cus_1',
  subscriptionId: 'sub_1',
  cancelledAt: at(day),
});

function applyAll(state: PaymentRiskState, events: PaymentEvent[]) {
  return events.reduce((current, event) => applyPaymentEvent(current, event, clock).state, state);
}

describe('applyPaymentEvent', () => {
  it('puts a customer at risk for a failed payment, counting the failure', () => {
    const { state, outcome, statusEvent } = applyPaymentEvent(active, failed('evt_1', 5), clock);
    expect(outcome).toBe('applied');
    expect(statusEvent).toBe('failed-payment-detected');
    expect(state).toMatchObject({
      accountStatus: 'at-risk',
      riskCategory: 'failed-payment',
      riskSeverity: 'medium',
      failureCount: 1,
      lastFailureDate: at(5),
      nextRetryAt: at(8),
      statusChangedAt: at(5),
    });
  });

  it('counts a second failure, at least as many as the invoice attempts', () => {
    const state = applyAll(active, [failed('evt_1', 5), failed('evt_2', 8, 3)]);
    expect(state.failureCount).toBe(3);
    expect(state.riskSeverity).toBe('high');
  });

  it('resolves a failed payment when the invoice is paid, and records the payment', () => {
    const atRisk = applyAll(active, [failed('evt_1', 5)]);
    const { state, outcome, statusEvent } = applyPaymentEvent(atRisk, paid('evt_2', 9), clock);
    expect(outcome).toBe('applied');
    expect(statusEvent).toBe('payment-updated');
    expect(state).toMatchObject({
      accountStatus: 'resolved',
      failureCount: 0,
      lastPaymentDate: at(9),
      nextRetryAt: undefined,
    });
  });

  it('is idempotent: the same event twice leaves the very same state', () => {
    for (const event of [
      failed('evt_1', 5),
      paid('evt_2', 9),
      expiring('evt_3', 1),
      cancelled('evt_4', 2),
    ]) {
      const once = applyPaymentEvent(active, event, clock).state;
      const twice = applyPaymentEvent(once, event, clock);
      expect(twice.state).toBe(once);
      expect(['unchanged', 'ignored', 'stale']).toContain(twice.outcome);
    }
  });

  it('does not let a failure older than the last payment reopen the risk (out of order)', () => {
    // Delivered: paid (day 9) first, then the failure it settled (day 5).
    const afterPayment = applyAll(active, [paid('evt_2', 9)]);
    const result = applyPaymentEvent(afterPayment, failed('evt_1', 5), clock);
    expect(result.outcome).toBe('stale');
    expect(result.state).toBe(afterPayment);
    expect(result.state.accountStatus).toBe('active');
  });

  it('does not let a payment older than the last failure resolve it (out of order)', () => {
    const atRisk = applyAll(active, [failed('evt_2', 9)]);
    const result = applyPaymentEvent(atRisk, paid('evt_1', 5), clock);
    expect(result.state.accountStatus).toBe('at-risk');
    expect(result.state.lastPaymentDate).toEqual(at(5));
    expect(result.state.failureCount).toBe(1);
  });

  it('ends in the same state whatever order failure, retry failure and payment arrive in', () => {
    const events = [failed('evt_1', 5), failed('evt_2', 7, 2), paid('evt_3', 9)];
    const orders = [
      [0, 1, 2],
      [2, 1, 0],
      [1, 2, 0],
      [2, 0, 1],
    ];
    const outcomes = orders.map((order) =>
      applyAll(
        active,
        order.map((index) => events[index]!),
      ),
    );
    for (const outcome of outcomes) {
      expect(outcome.lastPaymentDate).toEqual(at(9));
      expect(outcome.failureCount).toBe(0);
      expect(outcome.accountStatus === 'active' || outcome.accountStatus === 'resolved').toBe(true);
    }
  });

  it('puts a customer at risk for an expiring card, with severity from the days left', () => {
    const { state, statusEvent } = applyPaymentEvent(active, expiring('evt_1', 1), clock);
    expect(statusEvent).toBe('expiring-card-detected');
    expect(state).toMatchObject({
      accountStatus: 'at-risk',
      riskCategory: 'expiring-card',
      riskSeverity: 'low',
      card: { providerPaymentMethodId: 'pm_1', expiryMonth: 3, expiryYear: 2026 },
    });
  });

  it('needs no intervention when the card network updates the card', () => {
    const atRisk = applyAll(active, [expiring('evt_1', 1)]);
    const { state, statusEvent, reason } = applyPaymentEvent(atRisk, updated('evt_2', 3), clock);
    expect(statusEvent).toBe('payment-updated');
    expect(state.accountStatus).toBe('resolved');
    expect(reason).toMatch(/no intervention/);
    // The expiring signal arriving late, after the update, is stale.
    const late = applyPaymentEvent(state, expiring('evt_1', 1), clock);
    expect(late.outcome).toBe('stale');
    expect(late.state).toBe(state);
  });

  it('keeps an expiring-card risk when an invoice is paid with the old card', () => {
    const atRisk = applyAll(active, [expiring('evt_1', 1)]);
    const { state } = applyPaymentEvent(atRisk, paid('evt_2', 3), clock);
    expect(state.accountStatus).toBe('at-risk');
    expect(state.lastPaymentDate).toEqual(at(3));
  });

  it('raises an expiring-card risk to failed-payment, never lowers it', () => {
    const state = applyAll(active, [
      expiring('evt_1', 1),
      failed('evt_2', 2),
      expiring('evt_3', 4),
    ]);
    expect(state.riskCategory).toBe('failed-payment');
  });

  it('churns a customer whose subscription ended, and ignores payment noise afterwards', () => {
    const churned = applyAll(active, [failed('evt_1', 5), cancelled('evt_2', 6)]);
    expect(churned.accountStatus).toBe('churned');
    const noise = applyPaymentEvent(churned, failed('evt_3', 7), clock);
    expect(noise.outcome).toBe('ignored');
    expect(noise.state).toBe(churned);
  });

  it('does not let an event older than the last status change move the status', () => {
    const resolved: PaymentRiskState = {
      ...active,
      accountStatus: 'resolved',
      statusChangedAt: at(9),
    };
    const result = applyPaymentEvent(resolved, cancelled('evt_old', 6), clock);
    expect(result.outcome).toBe('stale');
    expect(result.state).toBe(resolved);
  });

  it('reports setup-intent events without changing the customer, and ignores unhandled ones', () => {
    const reported = applyPaymentEvent(
      active,
      {
        id: 'evt_1',
        type: 'setup-intent-failed',
        providerEventType: 'setup_intent.setup_failed',
        createdAt: at(1),
        setupIntentId: 'seti_1',
        failure: { reason: 'card_declined', message: 'Your bank declined the card.' },
      },
      clock,
    );
    expect(reported).toMatchObject({ outcome: 'reported', state: active });
    const ignored = applyPaymentEvent(
      active,
      {
        id: 'evt_2',
        type: 'event-unhandled',
        providerEventType: 'charge.refunded',
        createdAt: at(1),
      },
      clock,
    );
    expect(ignored.outcome).toBe('ignored');
    expect(ignored.state).toBe(active);
  });

  it('passes the other fields of a stored customer through untouched', () => {
    const stored = { ...active, id: 'c1', name: 'Ada', email: 'ada@example.com' };
    const { state } = applyPaymentEvent(stored, failed('evt_1', 5), clock);
    expect(state).toMatchObject({ id: 'c1', name: 'Ada', email: 'ada@example.com' });
  });
});
