import type { ConversationStatus } from '../entities/enums.js';
import { InvalidTransitionError } from '../errors/invalid-transition-error.js';

/** The machine's name as it appears in {@link InvalidTransitionError}. */
const machine = 'ConversationStatus';

/**
 * Everything that can happen to a support conversation's status.
 *
 * - `escalate`: hand the conversation to a human (low confidence, frustration, a request).
 * - `hand-back`: the human returns the conversation to the assistant.
 * - `close`: the conversation is over (the customer or an operator ended it, or it idled out).
 * - `reopen`: the customer writes again in a closed conversation.
 */
export const conversationStatusEvents = ['escalate', 'hand-back', 'close', 'reopen'] as const;

/** One of {@link conversationStatusEvents}. */
export type ConversationStatusEvent = (typeof conversationStatusEvents)[number];

/**
 * The transition table: for each status, the events it accepts and the status each leads
 * to. A missing entry is an illegal transition; an entry leading back to the same status is
 * an idempotent no-op (the same request delivered twice, a double click).
 */
export const conversationStatusTransitions: {
  readonly [Status in ConversationStatus]: Readonly<
    Partial<Record<ConversationStatusEvent, ConversationStatus>>
  >;
} = {
  active: {
    escalate: 'escalated',
    'hand-back': 'active',
    close: 'closed',
    reopen: 'active',
  },
  escalated: {
    escalate: 'escalated',
    'hand-back': 'active',
    close: 'closed',
  },
  closed: {
    close: 'closed',
    reopen: 'active',
  },
};

function hintFor(status: ConversationStatus, event: ConversationStatusEvent): string | undefined {
  if (status === 'escalated' && event === 'reopen') {
    return "the conversation is open with a human; use 'hand-back' to return it to the assistant";
  }
  if (status === 'closed') {
    return "apply 'reopen' first";
  }
  return undefined;
}

/**
 * True when `event` is legal for a conversation in `status`, so a UI can enable the
 * matching action. {@link transitionConversationStatus} throws exactly when this is false.
 */
export function canTransitionConversationStatus(
  status: ConversationStatus,
  event: ConversationStatusEvent,
): boolean {
  return conversationStatusTransitions[status][event] !== undefined;
}

/**
 * The status a support conversation moves to on `event`. Pure, and timeless: the
 * conversation's `lastActivity` is the caller's to stamp.
 *
 * @throws {InvalidTransitionError} when the status does not accept the event.
 */
export function transitionConversationStatus(
  status: ConversationStatus,
  event: ConversationStatusEvent,
): ConversationStatus {
  const next = conversationStatusTransitions[status][event];
  if (next === undefined) {
    throw new InvalidTransitionError(machine, status, event, hintFor(status, event));
  }
  return next;
}
