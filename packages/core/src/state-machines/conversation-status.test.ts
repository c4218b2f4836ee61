import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConversationStatus, conversationStatuses } from '../entities/enums.js';
import { InvalidTransitionError } from '../errors/invalid-transition-error.js';
import {
  type ConversationStatusEvent,
  canTransitionConversationStatus,
  conversationStatusEvents,
  transitionConversationStatus,
} from './conversation-status.js';

/** Every legal pair and its next status, by hand; the rest of the cross product must throw. */
const legal: [ConversationStatus, ConversationStatusEvent, ConversationStatus][] = [
  ['active', 'escalate', 'escalated'],
  ['active', 'hand-back', 'active'],
  ['active', 'close', 'closed'],
  ['active', 'reopen', 'active'],
  ['escalated', 'escalate', 'escalated'],
  ['escalated', 'hand-back', 'active'],
  ['escalated', 'close', 'closed'],
  ['closed', 'close', 'closed'],
  ['closed', 'reopen', 'active'],
];

const illegal = conversationStatuses.flatMap((status) =>
  conversationStatusEvents
    .filter((event) => !legal.some(([from, on]) => from === status && on === event))
    .map((event) => [status, event] as const),
);

describe('transitionConversationStatus', () => {
  it('lists its events', () => {
    expect(conversationStatusEvents).toEqual(['escalate', 'hand-back', 'close', 'reopen']);
  });

  it('covers the whole cross product: legal plus illegal is every pair', () => {
    // 3 statuses x 4 events = 12 pairs: 9 legal, 3 illegal.
    expect(legal.length + illegal.length).toBe(12);
    expect(illegal).toEqual([
      ['closed', 'escalate'],
      ['closed', 'hand-back'],
      ['escalated', 'reopen'],
    ]);
  });

  it.each(legal)('%s + %s -> %s', (status, event, expected) => {
    expect(transitionConversationStatus(status, event)).toBe(expected);
    expect(canTransitionConversationStatus(status, event)).toBe(true);
  });

  it.each(illegal)('%s + %s throws InvalidTransitionError', (status, event) => {
    expect(canTransitionConversationStatus(status, event)).toBe(false);
    expect(() => transitionConversationStatus(status, event)).toThrow(InvalidTransitionError);
    try {
      transitionConversationStatus(status, event);
    } catch (error) {
      const transition = error as InvalidTransitionError;
      expect(transition.code).toBe('invalid_transition');
      expect(transition.machine).toBe('ConversationStatus');
      expect(transition.state).toBe(status);
      expect(transition.event).toBe(event);
    }
  });

  it('hints at the way out', () => {
    expect(() => transitionConversationStatus('closed', 'escalate')).toThrow(/'reopen' first/);
    expect(() => transitionConversationStatus('escalated', 'reopen')).toThrow(/'hand-back'/);
  });

  it('accepts exactly what its predicate allows, over any sequence', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...conversationStatusEvents)), (events) => {
        let status: ConversationStatus = 'active';
        for (const event of events) {
          if (canTransitionConversationStatus(status, event)) {
            status = transitionConversationStatus(status, event);
            expect(conversationStatuses).toContain(status);
          } else {
            expect(() => transitionConversationStatus(status, event)).toThrow(
              InvalidTransitionError,
            );
          }
        }
      }),
    );
  });
});
