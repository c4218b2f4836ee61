import { type Clock, systemClock } from '../clock.js';
import type { RiskSeverity } from '../entities/enums.js';
import type { PaymentEvent, PaymentEventOfType } from '../payment-provider/v1/payment-event.js';
import {
  type CustomerStatusEvent,
  type CustomerStatusState,
  canTransitionCustomerStatus,
  transitionCustomerStatus,
} from '../state-machines/customer-status.js';
import { assessRisk, daysUntilCardExpiry } from './assess-risk.js';

/**
 * The part of a customer that payment events read and write. A stored customer row with these
 * fields fits; other fields pass through untouched.
 */
export interface PaymentRiskState extends CustomerStatusState {
  riskSeverity?: RiskSeverity | undefined;
  /** Monthly value in major units: it weighs the severity. */
  accountValue: number;
  /** Consecutive failed payments; 0 after a payment goes through. */
  failureCount: number;
  lastFailureDate?: Date | undefined;
  lastPaymentDate?: Date | undefined;
  /** When the provider retries the failed invoice next. */
  nextRetryAt?: Date | undefined;
  /** The card invoices are charged to, as last known. */
  card?: { providerPaymentMethodId?: string; expiryMonth: number; expiryYear: number } | undefined;
  /** `createdAt` of the newest event that changed `accountStatus`: older events never change it back. */
  statusChangedAt?: Date | undefined;
}

/** What {@link applyPaymentEvent} did. */
export interface PaymentEventApplication<State extends PaymentRiskState> {
  /** The new state; the very same object when nothing changed. */
  state: State;
  /**
   * - `applied`: the state changed.
   * - `unchanged`: the event was already reflected (a duplicate, or nothing new).
   * - `stale`: the event is older than what the state already knows; nothing changed.
   * - `ignored`: the event does not apply to this customer (a churned customer, an unhandled type).
   * - `reported`: worth showing (a card saved or refused) but it changes no standing.
   */
  outcome: 'applied' | 'unchanged' | 'stale' | 'ignored' | 'reported';
  /** Plain words for logs and the console. */
  reason: string;
  /** The customer-status event driven through the state machine, when one was. */
  statusEvent?: CustomerStatusEvent;
}

function later(left: Date | undefined, right: Date): Date {
  return left !== undefined && left.getTime() > right.getTime() ? left : right;
}

function expiryIndex(card: { expiryMonth: number; expiryYear: number }): number {
  return card.expiryYear * 12 + card.expiryMonth;
}

function severityOf(state: PaymentRiskState, now: Date): RiskSeverity | undefined {
  const daysToExpiry = state.card ? daysUntilCardExpiry(state.card, now) : undefined;
  if (state.failureCount === 0 && daysToExpiry === undefined) return state.riskSeverity;
  return assessRisk({
    accountValue: Math.max(0, state.accountValue),
    failureCount: state.failureCount,
    daysToExpiry,
    nextRetryAt: state.nextRetryAt,
    now,
  }).severity;
}

function result<State extends PaymentRiskState>(
  state: State,
  outcome: PaymentEventApplication<State>['outcome'],
  reason: string,
  statusEvent?: CustomerStatusEvent,
): PaymentEventApplication<State> {
  return statusEvent === undefined
    ? { state, outcome, reason }
    : { state, outcome, reason, statusEvent };
}

/** `applied` with `next`, or `unchanged` when `next` settles back to the very same state. */
function applied<State extends PaymentRiskState>(
  state: State,
  next: State,
  reason: string,
  statusEvent?: CustomerStatusEvent,
): PaymentEventApplication<State> {
  const settled = settle(state, next);
  if (settled === state) return result(state, 'unchanged', 'Already applied: nothing changed.');
  return result(settled, 'applied', reason, statusEvent);
}

/** Returns `next` unless it equals `state` field by field, so unchanged state keeps its identity. */
function settle<State extends PaymentRiskState>(state: State, next: State): State {
  const keys = new Set([...Object.keys(state), ...Object.keys(next)]) as Set<keyof State>;
  for (const key of keys) {
    const left = state[key];
    const right = next[key];
    if (left instanceof Date && right instanceof Date) {
      if (left.getTime() !== right.getTime()) return next;
    } else if (
      typeof left === 'object' &&
      left !== null &&
      typeof right === 'object' &&
      right !== null
    ) {
      if (JSON.stringify(left) !== JSON.stringify(right)) return next;
    } else if (left !== right) {
      return next;
    }
  }
  return state;
}

function isOlderThanStatus(state: PaymentRiskState, event: PaymentEvent): boolean {
  return (
    state.statusChangedAt !== undefined &&
    event.createdAt.getTime() < state.statusChangedAt.getTime()
  );
}

/** Drives the state machine and stamps `statusChangedAt` when the status moved. */
function transition<State extends PaymentRiskState>(
  state: State,
  statusEvent: CustomerStatusEvent,
  event: PaymentEvent,
): State {
  const next = transitionCustomerStatus(state, statusEvent);
  if (next.accountStatus === state.accountStatus && next.riskCategory === state.riskCategory) {
    return next;
  }
  return { ...next, statusChangedAt: later(state.statusChangedAt, event.createdAt) };
}

function onPaymentFailed<State extends PaymentRiskState>(
  state: State,
  event: PaymentEventOfType<'invoice-payment-failed'>,
  now: Date,
): PaymentEventApplication<State> {
  const failedAt = event.failedAt;
  if (
    state.lastPaymentDate !== undefined &&
    state.lastPaymentDate.getTime() >= failedAt.getTime()
  ) {
    return result(
      state,
      'stale',
      'A payment went through after this failure: it is already settled.',
    );
  }
  if (
    state.lastFailureDate !== undefined &&
    state.lastFailureDate.getTime() >= failedAt.getTime()
  ) {
    return result(state, 'unchanged', 'This failure (or a later one) is already counted.');
  }
  if (!canTransitionCustomerStatus(state.accountStatus, 'failed-payment-detected')) {
    return result(
      state,
      'ignored',
      `The customer is ${state.accountStatus}: a failed payment changes nothing.`,
    );
  }
  let next: State = {
    ...state,
    failureCount: Math.max(state.failureCount + 1, event.attemptCount),
    lastFailureDate: failedAt,
    nextRetryAt: event.nextRetryAt,
  };
  let statusEvent: CustomerStatusEvent | undefined;
  if (!isOlderThanStatus(state, event)) {
    next = transition(next, 'failed-payment-detected', event);
    statusEvent = 'failed-payment-detected';
  }
  if (next.accountStatus === 'at-risk') next = { ...next, riskSeverity: severityOf(next, now) };
  return applied(
    state,
    next,
    `Payment of invoice ${event.invoiceId} failed (attempt ${event.attemptCount}).`,
    statusEvent,
  );
}

function onInvoicePaid<State extends PaymentRiskState>(
  state: State,
  event: PaymentEventOfType<'invoice-paid'>,
): PaymentEventApplication<State> {
  const paidAt = event.paidAt;
  if (state.lastPaymentDate !== undefined && state.lastPaymentDate.getTime() >= paidAt.getTime()) {
    return result(state, 'unchanged', 'This payment (or a later one) is already recorded.');
  }
  let next: State = { ...state, lastPaymentDate: paidAt };
  if (state.lastFailureDate !== undefined && state.lastFailureDate.getTime() > paidAt.getTime()) {
    return applied(
      state,
      next,
      'Payment recorded; a later payment failure is still open, so the customer stays as is.',
    );
  }
  next = { ...next, failureCount: 0, nextRetryAt: undefined };
  let statusEvent: CustomerStatusEvent | undefined;
  if (
    state.accountStatus === 'at-risk' &&
    state.riskCategory === 'failed-payment' &&
    !isOlderThanStatus(state, event)
  ) {
    next = transition(next, 'payment-updated', event);
    statusEvent = 'payment-updated';
  }
  const reason =
    statusEvent !== undefined
      ? `Invoice ${event.invoiceId} was paid: the failed payment is resolved.`
      : state.accountStatus === 'at-risk' && state.riskCategory === 'expiring-card'
        ? `Invoice ${event.invoiceId} was paid; the card still expires, so the customer stays at-risk.`
        : `Invoice ${event.invoiceId} was paid.`;
  return applied(state, next, reason, statusEvent);
}

function onCardExpiring<State extends PaymentRiskState>(
  state: State,
  event: PaymentEventOfType<'card-expiring'>,
  now: Date,
): PaymentEventApplication<State> {
  const known = state.card;
  const sameCard =
    known !== undefined &&
    (known.providerPaymentMethodId === undefined ||
      known.providerPaymentMethodId === event.card.providerPaymentMethodId);
  if (known !== undefined && sameCard && expiryIndex(known) > expiryIndex(event.card)) {
    return result(
      state,
      'stale',
      'The card was already updated to a later expiry (card updater or a new card): no intervention needed.',
    );
  }
  if (!canTransitionCustomerStatus(state.accountStatus, 'expiring-card-detected')) {
    return result(
      state,
      'ignored',
      `The customer is ${state.accountStatus}: an expiring card changes nothing.`,
    );
  }
  if (isOlderThanStatus(state, event)) {
    return result(state, 'stale', 'The customer status changed after this event was sent.');
  }
  let next: State = {
    ...state,
    card: {
      providerPaymentMethodId: event.card.providerPaymentMethodId,
      expiryMonth: event.card.expiryMonth,
      expiryYear: event.card.expiryYear,
    },
  };
  next = transition(next, 'expiring-card-detected', event);
  next = { ...next, riskSeverity: severityOf(next, now) };
  const days = daysUntilCardExpiry(event.card, now);
  return applied(
    state,
    next,
    `The card ending ${event.card.lastFourDigits} ${days < 0 ? 'has expired' : `expires in ${days} days`}.`,
    'expiring-card-detected',
  );
}

function onCardUpdated<State extends PaymentRiskState>(
  state: State,
  event: PaymentEventOfType<'card-updated-automatically'>,
): PaymentEventApplication<State> {
  const known = state.card;
  if (
    known !== undefined &&
    known.providerPaymentMethodId === event.card.providerPaymentMethodId &&
    expiryIndex(known) >= expiryIndex(event.card)
  ) {
    return result(state, 'unchanged', 'This card update is already known.');
  }
  let next: State = {
    ...state,
    card: {
      providerPaymentMethodId: event.card.providerPaymentMethodId,
      expiryMonth: event.card.expiryMonth,
      expiryYear: event.card.expiryYear,
    },
  };
  if (
    state.accountStatus === 'at-risk' &&
    state.riskCategory === 'expiring-card' &&
    !isOlderThanStatus(state, event)
  ) {
    next = transition(next, 'payment-updated', event);
    return applied(
      state,
      next,
      'The card network updated the card automatically: no intervention needed.',
      'payment-updated',
    );
  }
  return applied(
    state,
    next,
    state.accountStatus === 'at-risk'
      ? 'The card network updated the card; the failed invoice is still open until the next retry pays it.'
      : 'The card network updated the card.',
  );
}

function onSubscriptionCancelled<State extends PaymentRiskState>(
  state: State,
  event: PaymentEventOfType<'subscription-cancelled'>,
): PaymentEventApplication<State> {
  if (!canTransitionCustomerStatus(state.accountStatus, 'customer-cancelled')) {
    return result(
      state,
      'ignored',
      `The customer is ${state.accountStatus}: cancellation does not apply.`,
    );
  }
  if (isOlderThanStatus(state, event)) {
    return result(state, 'stale', 'The customer status changed after this cancellation was sent.');
  }
  const next = transition(state, 'customer-cancelled', event);
  if (next === state) return result(state, 'unchanged', 'The customer is already churned.');
  return result(
    next,
    'applied',
    `Subscription ${event.subscriptionId} ended: the customer churned.`,
    'customer-cancelled',
  );
}

/**
 * Applies one normalised payment event to a customer, through the customer-status state
 * machine. Pure and idempotent: applying the same event twice gives the same state (the second
 * time the very same object, outcome `unchanged`).
 *
 * Out-of-order delivery (Stripe does not guarantee order): each fact is compared with the
 * timestamps the state already holds, so an older event never overrides newer state.
 * - A failure at or before `lastPaymentDate` is `stale` (it was paid since); one at or before
 *   `lastFailureDate` is already counted.
 * - A payment at or before `lastPaymentDate` is already recorded; a payment older than
 *   `lastFailureDate` is recorded but resolves nothing (a newer failure is open).
 * - An expiring-card signal for a card already known with a later expiry is `stale`.
 * - No event whose `createdAt` is older than `statusChangedAt` changes `accountStatus`.
 *
 * Mapping: `invoice-payment-failed` -> at-risk `failed-payment` (failureCount + 1, at least the
 * invoice's attempt count); `invoice-paid` -> resolved when at-risk for a failed payment (an
 * expiring card still expires, so that risk stays); `card-expiring` -> at-risk `expiring-card`;
 * `card-updated-automatically` -> resolved when at-risk for an expiring card (the card network
 * fixed it: no intervention needed); `subscription-cancelled` -> churned; setup-intent events
 * are `reported`. Severity is recomputed with {@link assessRisk} at `clock()`.
 */
export function applyPaymentEvent<State extends PaymentRiskState>(
  state: State,
  event: PaymentEvent,
  clock: Clock = systemClock,
): PaymentEventApplication<State> {
  switch (event.type) {
    case 'invoice-payment-failed':
      return onPaymentFailed(state, event, clock());
    case 'invoice-paid':
      return onInvoicePaid(state, event);
    case 'card-expiring':
      return onCardExpiring(state, event, clock());
    case 'card-updated-automatically':
      return onCardUpdated(state, event);
    case 'subscription-cancelled':
      return onSubscriptionCancelled(state, event);
    case 'setup-intent-succeeded':
      return result(state, 'reported', `SetupIntent ${event.setupIntentId} saved a new card.`);
    case 'setup-intent-failed':
      return result(
        state,
        'reported',
        `SetupIntent ${event.setupIntentId} failed${event.failure ? `: ${event.failure.reason}` : ''}.`,
      );
    case 'event-unhandled':
      return result(state, 'ignored', `Event ${event.providerEventType} is not used by recovery.`);
  }
}
