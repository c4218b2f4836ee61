import type { AccountStatus, RiskCategory } from '../entities/enums.js';
import { InvalidTransitionError } from '../errors/invalid-transition-error.js';

/** The machine's name as it appears in {@link InvalidTransitionError}. */
const machine = 'CustomerStatus';

/**
 * Everything that can happen to a customer's account standing.
 *
 * - `expiring-card-detected` / `failed-payment-detected`: a payment issue was found
 *   (a card-expiry scan, `invoice.payment_failed`). One event per risk category, so the
 *   event alone says which category the customer is at risk for.
 * - `payment-updated`: a working payment method is in place (and the open invoice paid).
 * - `customer-cancelled`: the customer cancelled the subscription.
 * - `intervention-failed`: recovery is given up for good (dunning exhausted, or an operator
 *   marks the customer lost). One abandoned or declined chat is not this: it leaves the
 *   customer at-risk so another intervention can be tried.
 * - `customer-reactivated`: a churned customer subscribed again.
 */
export const customerStatusEvents = [
  'expiring-card-detected',
  'failed-payment-detected',
  'payment-updated',
  'customer-cancelled',
  'intervention-failed',
  'customer-reactivated',
] as const;

/** One of {@link customerStatusEvents}. */
export type CustomerStatusEvent = (typeof customerStatusEvents)[number];

/**
 * The part of a customer this machine reads and writes. A whole `Customer` entity (or a
 * storage row) fits: other fields pass through untouched.
 */
export interface CustomerStatusState {
  accountStatus: AccountStatus;
  /** The last payment issue found; meaningful while `at-risk`, kept afterwards as history. */
  riskCategory?: RiskCategory | undefined;
}

/**
 * The transition table: for each status, the events it accepts and the status each leads
 * to. A missing entry is an illegal transition. An entry leading back to the same status
 * is an idempotent no-op (the same event delivered twice), except that a detected issue
 * can raise the risk category of an at-risk customer (see {@link transitionCustomerStatus}).
 */
export const customerStatusTransitions: {
  readonly [State in AccountStatus]: Readonly<Partial<Record<CustomerStatusEvent, AccountStatus>>>;
} = {
  active: {
    'expiring-card-detected': 'at-risk',
    'failed-payment-detected': 'at-risk',
    'customer-cancelled': 'churned',
    'customer-reactivated': 'active',
  },
  'at-risk': {
    'expiring-card-detected': 'at-risk',
    'failed-payment-detected': 'at-risk',
    'payment-updated': 'resolved',
    'customer-cancelled': 'churned',
    'intervention-failed': 'churned',
  },
  resolved: {
    'expiring-card-detected': 'at-risk',
    'failed-payment-detected': 'at-risk',
    'payment-updated': 'resolved',
    'customer-cancelled': 'churned',
  },
  churned: {
    'customer-cancelled': 'churned',
    'intervention-failed': 'churned',
    'customer-reactivated': 'active',
  },
};

/** The risk category a detection event reports, or undefined for other events. */
function detectedCategory(event: CustomerStatusEvent): RiskCategory | undefined {
  if (event === 'expiring-card-detected') return 'expiring-card';
  if (event === 'failed-payment-detected') return 'failed-payment';
  return undefined;
}

/**
 * The detection event for a risk category: `expiring-card` -> `expiring-card-detected`,
 * `failed-payment` -> `failed-payment-detected`.
 */
export function riskDetectedEvent(category: RiskCategory): CustomerStatusEvent {
  return category === 'expiring-card' ? 'expiring-card-detected' : 'failed-payment-detected';
}

/** How serious each category is: a failed payment (money already lost) outranks an expiring card. */
const categoryRank: Record<RiskCategory, number> = { 'expiring-card': 1, 'failed-payment': 2 };

function hintFor(status: AccountStatus, event: CustomerStatusEvent): string | undefined {
  if (status === 'churned') {
    return "a churned customer is final; apply 'customer-reactivated' if they subscribed again";
  }
  if (event === 'payment-updated') {
    return 'no payment issue is open, so there is nothing to resolve';
  }
  if (event === 'intervention-failed') {
    return "only an at-risk customer can be lost to a failed intervention; use 'customer-cancelled' if they cancelled";
  }
  if (event === 'customer-reactivated') {
    return 'only a churned customer can be reactivated';
  }
  return undefined;
}

/**
 * True when `event` is legal for a customer in `status`, so a UI can enable the matching
 * action. {@link transitionCustomerStatus} throws exactly when this is false.
 */
export function canTransitionCustomerStatus(
  status: AccountStatus,
  event: CustomerStatusEvent,
): boolean {
  return customerStatusTransitions[status][event] !== undefined;
}

/**
 * Applies one event to a customer's account standing. Pure: the input is never changed;
 * when nothing changes (an idempotent repeat) the very same object is returned, so
 * `next === state` tells a caller there is nothing to save.
 *
 * A detected issue sets `riskCategory`. While already at-risk, a new issue only raises the
 * category (`expiring-card` -> `failed-payment`), never lowers it.
 *
 * @throws {InvalidTransitionError} when the status does not accept the event.
 */
export function transitionCustomerStatus<State extends CustomerStatusState>(
  state: State,
  event: CustomerStatusEvent,
): State {
  const next = customerStatusTransitions[state.accountStatus][event];
  if (next === undefined) {
    throw new InvalidTransitionError(
      machine,
      state.accountStatus,
      event,
      hintFor(state.accountStatus, event),
    );
  }
  const category = detectedCategory(event);
  let riskCategory = state.riskCategory;
  if (category !== undefined) {
    const keepCurrent =
      state.accountStatus === 'at-risk' &&
      riskCategory !== undefined &&
      categoryRank[riskCategory] >= categoryRank[category];
    if (!keepCurrent) riskCategory = category;
  }
  if (riskCategory !== state.riskCategory) return { ...state, accountStatus: next, riskCategory };
  if (next !== state.accountStatus) return { ...state, accountStatus: next };
  return state;
}
