import type { EscalationStatus } from '../entities/enums.js';
import { InvalidTransitionError } from '../errors/invalid-transition-error.js';

/** The machine's name as it appears in {@link InvalidTransitionError}. */
const machine = 'EscalationStatus';

/**
 * Everything that can happen to an escalation (a hand-over to a human).
 *
 * - `resolve`: the human answered or fixed the problem.
 * - `close`: the escalation is filed away: after resolution, or without one (a duplicate,
 *   spam, the customer went away).
 * - `reopen`: the customer says a resolved problem is not fixed; back to the queue.
 */
export const escalationStatusEvents = ['resolve', 'close', 'reopen'] as const;

/** One of {@link escalationStatusEvents}. */
export type EscalationStatusEvent = (typeof escalationStatusEvents)[number];

/**
 * The transition table: for each status, the events it accepts and the status each leads
 * to. A missing entry is an illegal transition; an entry leading back to the same status is
 * an idempotent no-op (a ticket system reporting the same change twice). `closed` is final.
 */
export const escalationStatusTransitions: {
  readonly [Status in EscalationStatus]: Readonly<
    Partial<Record<EscalationStatusEvent, EscalationStatus>>
  >;
} = {
  pending: {
    resolve: 'resolved',
    close: 'closed',
    reopen: 'pending',
  },
  resolved: {
    resolve: 'resolved',
    close: 'closed',
    reopen: 'pending',
  },
  closed: {
    close: 'closed',
  },
};

function hintFor(status: EscalationStatus): string | undefined {
  if (status === 'closed') {
    return 'a closed escalation is final; escalate the conversation again to open a new one';
  }
  return undefined;
}

/**
 * True when `event` is legal for an escalation in `status`, so a UI can enable the
 * matching action. {@link transitionEscalationStatus} throws exactly when this is false.
 */
export function canTransitionEscalationStatus(
  status: EscalationStatus,
  event: EscalationStatusEvent,
): boolean {
  return escalationStatusTransitions[status][event] !== undefined;
}

/**
 * The status an escalation moves to on `event`. Pure and timeless.
 *
 * @throws {InvalidTransitionError} when the status does not accept the event.
 */
export function transitionEscalationStatus(
  status: EscalationStatus,
  event: EscalationStatusEvent,
): EscalationStatus {
  const next = escalationStatusTransitions[status][event];
  if (next === undefined) {
    throw new InvalidTransitionError(machine, status, event, hintFor(status));
  }
  return next;
}
