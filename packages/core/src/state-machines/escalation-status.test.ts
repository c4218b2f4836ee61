import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EscalationStatus, escalationStatuses } from '../entities/enums.js';
import { InvalidTransitionError } from '../errors/invalid-transition-error.js';
import {
  canTransitionEscalationStatus,
  type EscalationStatusEvent,
  escalationStatusEvents,
  transitionEscalationStatus,
} from './escalation-status.js';

/** Every legal pair and its next status, by hand; the rest of the cross product must throw. */
const legal: [EscalationStatus, EscalationStatusEvent, EscalationStatus][] = [
  ['pending', 'resolve', 'resolved'],
  ['pending', 'close', 'closed'],
  ['pending', 'reopen', 'pending'],
  ['resolved', 'resolve', 'resolved'],
  ['resolved', 'close', 'closed'],
  ['resolved', 'reopen', 'pending'],
  ['closed', 'close', 'closed'],
];

const illegal = escalationStatuses.flatMap((status) =>
  escalationStatusEvents
    .filter((event) => !legal.some(([from, on]) => from === status && on === event))
    .map((event) => [status, event] as const),
);

describe('transitionEscalationStatus', () => {
  it('lists its events', () => {
    expect(escalationStatusEvents).toEqual(['resolve', 'close', 'reopen']);
  });

  it('covers the whole cross product: legal plus illegal is every pair', () => {
    // 3 statuses x 3 events = 9 pairs: 7 legal, 2 illegal.
    expect(legal.length + illegal.length).toBe(9);
    expect(illegal).toEqual([
      ['closed', 'resolve'],
      ['closed', 'reopen'],
    ]);
  });

  it.each(legal)('%s + %s -> %s', (status, event, expected) => {
    expect(transitionEscalationStatus(status, event)).toBe(expected);
    expect(canTransitionEscalationStatus(status, event)).toBe(true);
  });

  it.each(illegal)('%s + %s throws InvalidTransitionError', (status, event) => {
    expect(canTransitionEscalationStatus(status, event)).toBe(false);
    expect(() => transitionEscalationStatus(status, event)).toThrow(InvalidTransitionError);
    try {
      transitionEscalationStatus(status, event);
    } catch (error) {
      const transition = error as InvalidTransitionError;
      expect(transition.code).toBe('invalid_transition');
      expect(transition.machine).toBe('EscalationStatus');
      expect(transition.state).toBe(status);
      expect(transition.event).toBe(event);
      expect(transition.message).toContain('final');
    }
  });

  it('never leaves closed, over any sequence', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...escalationStatusEvents)), (events) => {
        let status: EscalationStatus = 'pending';
        for (const event of events) {
          const wasClosed = status === 'closed';
          if (canTransitionEscalationStatus(status, event)) {
            status = transitionEscalationStatus(status, event);
          } else {
            expect(() => transitionEscalationStatus(status, event)).toThrow(InvalidTransitionError);
          }
          if (wasClosed) expect(status).toBe('closed');
        }
      }),
    );
  });
});
