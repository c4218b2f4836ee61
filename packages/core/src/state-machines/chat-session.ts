import type { Clock } from '../clock.js';
import type { ChatSessionOutcome, ChatSessionStatus } from '../entities/enums.js';
import { InvalidTransitionError } from '../errors/invalid-transition-error.js';
import { ValidationError } from '../errors/validation-error.js';

/** The machine's name as it appears in {@link InvalidTransitionError}. */
const machine = 'ChatSession';

/**
 * The time a recovery conversation has to finish, counted from `startTime`. A session
 * still open after this many seconds is abandoned, unless its payment is being processed.
 */
export const SESSION_BUDGET_SECONDS = 180;

const budgetMilliseconds = SESSION_BUDGET_SECONDS * 1000;

/**
 * Everything that can happen to a recovery conversation.
 *
 * - `customer-engaged`: the customer answered; the conversation is under way. Legal (and a
 *   no-op) in every open state after `initiated`, so the engine may apply it on each message.
 * - `payment-requested`: the assistant showed the card form (a SetupIntent exists).
 * - `payment-submitted`: the customer confirmed the card; the server is verifying and paying.
 * - `payment-succeeded`: the new card is the default and the open invoice is paid.
 * - `payment-failed`: the card was declined (or failed verification). From
 *   `payment-processing` the session goes back to `payment-requested` so the customer can
 *   try another card; in `payment-requested` it only records the attempt.
 * - `customer-declined`: the customer said no.
 * - `technical-failure`: something on our side (or Stripe's) broke; never silent.
 * - `abandon`: the customer left, or an operator ended the session.
 * - `tick`: time passed; enforces the 180-second budget and changes nothing else.
 */
export const chatSessionEvents = [
  'customer-engaged',
  'payment-requested',
  'payment-submitted',
  'payment-succeeded',
  'payment-failed',
  'customer-declined',
  'technical-failure',
  'abandon',
  'tick',
] as const;

/** One of {@link chatSessionEvents}. */
export type ChatSessionEvent = (typeof chatSessionEvents)[number];

/** The statuses a session can still leave: everything but `completed` and `abandoned`. */
export const openChatSessionStatuses = [
  'initiated',
  'in-progress',
  'payment-requested',
  'payment-processing',
] as const satisfies readonly ChatSessionStatus[];

/** One of {@link openChatSessionStatuses}. */
export type OpenChatSessionStatus = (typeof openChatSessionStatuses)[number];

/** True while the session can still change: it is neither `completed` nor `abandoned`. */
export function isChatSessionOpen(status: ChatSessionStatus): status is OpenChatSessionStatus {
  return status !== 'completed' && status !== 'abandoned';
}

/**
 * The part of a recovery session this machine reads and writes. A whole `ChatSession`
 * entity (or a storage row) fits: other fields pass through untouched.
 *
 * Invariants the machine keeps: an open session has no `outcome`, `endTime` or
 * `resolutionTime`; an ended one has all three, with `resolutionTime` equal to
 * `(endTime - startTime) / 1000`; `abandoned` goes with outcome `abandoned` and
 * `completed` with one of the other three outcomes.
 */
export interface ChatSessionState {
  status: ChatSessionStatus;
  outcome?: ChatSessionOutcome | undefined;
  startTime: Date;
  endTime?: Date | undefined;
  /** Seconds from `startTime` to `endTime`, with millisecond precision. */
  resolutionTime?: number | undefined;
  /** True once the customer has submitted a card (whatever came of it). */
  paymentAttempted: boolean;
}

/**
 * What an event does in a status: move to `status` (the same status is a no-op), record a
 * payment attempt, and, when `status` ends the session, set this `outcome`.
 */
export interface ChatSessionEffect {
  readonly status: ChatSessionStatus;
  readonly outcome?: ChatSessionOutcome;
  readonly paymentAttempted?: true;
}

const stay = <Status extends ChatSessionStatus>(status: Status) => ({ status }) as const;
const declined = { status: 'completed', outcome: 'customer-declined' } as const;
const failed = { status: 'completed', outcome: 'technical-failure' } as const;
const abandoned = { status: 'abandoned', outcome: 'abandoned' } as const;

/**
 * The transition table, budget aside: for each status, the events it accepts and their
 * effect. A missing entry is an illegal transition. The 180-second budget is applied around
 * this table by {@link transitionChatSession}.
 */
export const chatSessionTransitions: {
  readonly [Status in ChatSessionStatus]: Readonly<
    Partial<Record<ChatSessionEvent, ChatSessionEffect>>
  >;
} = {
  initiated: {
    'customer-engaged': { status: 'in-progress' },
    'customer-declined': declined,
    'technical-failure': failed,
    abandon: abandoned,
    tick: stay('initiated'),
  },
  'in-progress': {
    'customer-engaged': stay('in-progress'),
    'payment-requested': { status: 'payment-requested' },
    'customer-declined': declined,
    'technical-failure': failed,
    abandon: abandoned,
    tick: stay('in-progress'),
  },
  'payment-requested': {
    'customer-engaged': stay('payment-requested'),
    'payment-requested': stay('payment-requested'),
    'payment-submitted': { status: 'payment-processing', paymentAttempted: true },
    'payment-failed': { status: 'payment-requested', paymentAttempted: true },
    'customer-declined': declined,
    'technical-failure': failed,
    abandon: abandoned,
    tick: stay('payment-requested'),
  },
  'payment-processing': {
    'customer-engaged': stay('payment-processing'),
    'payment-submitted': stay('payment-processing'),
    'payment-succeeded': { status: 'completed', outcome: 'payment-updated' },
    'payment-failed': { status: 'payment-requested' },
    'technical-failure': failed,
    tick: stay('payment-processing'),
  },
  completed: {
    tick: stay('completed'),
  },
  abandoned: {
    abandon: stay('abandoned'),
    tick: stay('abandoned'),
  },
};

function hintFor(session: ChatSessionState, event: ChatSessionEvent): string | undefined {
  const { status } = session;
  if (!isChatSessionOpen(status)) {
    return `the session has ended (outcome ${session.outcome ?? status}); start a new session`;
  }
  if (status === 'payment-processing') {
    if (event === 'payment-requested') return 'a card is already being processed';
    return "a card is being processed: wait for 'payment-succeeded' or 'payment-failed', or report 'technical-failure'";
  }
  if (event === 'payment-requested') return "apply 'customer-engaged' first";
  if (event === 'payment-submitted' || event === 'payment-failed') {
    return "no card form is showing: apply 'payment-requested' first";
  }
  if (event === 'payment-succeeded') {
    return "no card is being processed: apply 'payment-submitted' first";
  }
  return undefined;
}

/**
 * True when `event` is legal for a session in `status` (budget aside), so a UI can enable
 * the matching action. Within the budget, {@link transitionChatSession} throws exactly when
 * this is false.
 */
export function canTransitionChatSession(
  status: ChatSessionStatus,
  event: ChatSessionEvent,
): boolean {
  return chatSessionTransitions[status][event] !== undefined;
}

function milliseconds(value: Date, path: string): number {
  const time = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(time)) {
    throw new ValidationError('ChatSession', [
      { path: [path], message: `must be a valid Date, got ${String(value)}` },
    ]);
  }
  return time;
}

function readClock(clock: Clock): number {
  return milliseconds(clock(), 'clock()');
}

/**
 * Ends a session at `now`. The end must be after the start (a seed rule), so a session
 * ended in the millisecond it started, or read with a clock that lags the one that started
 * it, ends one millisecond after its start.
 */
function end<Session extends ChatSessionState>(
  session: Session,
  status: ChatSessionStatus,
  outcome: ChatSessionOutcome,
  now: number,
): Session {
  const start = milliseconds(session.startTime, 'startTime');
  const endTime = new Date(Math.max(now, start + 1));
  return {
    ...session,
    status,
    outcome,
    endTime,
    resolutionTime: (endTime.getTime() - start) / 1000,
  };
}

function isOverBudget(session: ChatSessionState, now: number): boolean {
  return (
    isChatSessionOpen(session.status) &&
    session.status !== 'payment-processing' &&
    now - milliseconds(session.startTime, 'startTime') > budgetMilliseconds
  );
}

function abandonIfOverBudget<Session extends ChatSessionState>(
  session: Session,
  now: number,
): Session {
  return isOverBudget(session, now) ? end(session, 'abandoned', 'abandoned', now) : session;
}

/**
 * A new session, `initiated` now.
 */
export function startChatSession(clock: Clock): ChatSessionState {
  return { status: 'initiated', startTime: new Date(readClock(clock)), paymentAttempted: false };
}

/**
 * Applies the 180-second budget: an open session more than {@link SESSION_BUDGET_SECONDS}
 * past its `startTime` becomes `abandoned` (outcome `abandoned`, `endTime` now), unless its
 * payment is processing. Exactly 180 s is still within the budget. Returns the same object
 * when nothing changes, so `next === session` means there is nothing to save.
 */
export function enforceSessionBudget<Session extends ChatSessionState>(
  session: Session,
  clock: Clock,
): Session {
  return abandonIfOverBudget(session, readClock(clock));
}

/**
 * Applies one event to a recovery session at the clock's "now". Pure: the input is never
 * changed; an idempotent repeat returns the very same object.
 *
 * The budget comes first: a session already past 180 s (and not processing a payment) is
 * abandoned before the event is considered, so only `tick` and `abandon` are then legal
 * and any other event throws (save {@link enforceSessionBudget}'s result to record the
 * abandonment). It also comes last: a payment that fails after the budget ran out ends the
 * session as abandoned instead of reopening the card form.
 *
 * Ending a session sets `outcome`, `endTime` (now, and at least one millisecond after
 * `startTime`) and `resolutionTime` (seconds from `startTime` to `endTime`).
 *
 * @throws {InvalidTransitionError} when the (budget-checked) status does not accept the event.
 * @throws {ValidationError} when `startTime` or the clock's answer is not a valid date.
 */
export function transitionChatSession<Session extends ChatSessionState>(
  session: Session,
  event: ChatSessionEvent,
  clock: Clock,
): Session {
  const now = readClock(clock);
  const current = abandonIfOverBudget(session, now);
  const effect = chatSessionTransitions[current.status][event];
  if (effect === undefined) {
    const hint =
      current === session
        ? hintFor(current, event)
        : `the session passed its ${SESSION_BUDGET_SECONDS}-second budget and was abandoned; save enforceSessionBudget(session, clock) and start a new session`;
    throw new InvalidTransitionError(machine, current.status, event, hint);
  }
  let next = current;
  if (effect.outcome !== undefined && effect.status !== current.status) {
    next = end(current, effect.status, effect.outcome, now);
  } else if (effect.status !== current.status) {
    next = { ...current, status: effect.status };
  }
  if (effect.paymentAttempted && !next.paymentAttempted) {
    next = { ...next, paymentAttempted: true };
  }
  return abandonIfOverBudget(next, now);
}
