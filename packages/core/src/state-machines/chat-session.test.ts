import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../clock.js';
import { ChatSessionSchema } from '../entities/chat-session.js';
import {
  type ChatSessionOutcome,
  type ChatSessionStatus,
  chatSessionStatuses,
} from '../entities/enums.js';
import { recoveryTimeLimitSeconds } from '../entities/recovery-rules.js';
import { InvalidTransitionError } from '../errors/invalid-transition-error.js';
import { ValidationError } from '../errors/validation-error.js';
import {
  type ChatSessionEvent,
  type ChatSessionState,
  canTransitionChatSession,
  chatSessionEvents,
  enforceSessionBudget,
  isChatSessionOpen,
  SESSION_BUDGET_SECONDS,
  startChatSession,
  transitionChatSession,
} from './chat-session.js';

const startTime = new Date('2025-03-01T10:00:00.000Z');
const at = (seconds: number) => fixedClock(startTime.getTime() + seconds * 1000);
const sixtySeconds = at(60);

/** A session in `status`, started at `startTime`, consistent with the machine's invariants. */
function sessionIn(status: ChatSessionStatus): ChatSessionState {
  const paymentAttempted = status === 'payment-processing';
  if (status === 'completed' || status === 'abandoned') {
    return {
      status,
      outcome: status === 'completed' ? 'payment-updated' : 'abandoned',
      startTime,
      endTime: new Date(startTime.getTime() + 30_000),
      resolutionTime: 30,
      paymentAttempted: status === 'completed',
    };
  }
  return { status, startTime, paymentAttempted };
}

type Expected =
  | { same: true }
  | { status: ChatSessionStatus; outcome?: ChatSessionOutcome; paymentAttempted?: boolean };

const same = { same: true } as const;
const declined = { status: 'completed', outcome: 'customer-declined' } as const;
const failed = { status: 'completed', outcome: 'technical-failure' } as const;
const abandoned = { status: 'abandoned', outcome: 'abandoned' } as const;

/**
 * Every legal (status, event) pair within the budget and its effect, written out by hand.
 * Every other pair of the cross product must throw.
 */
const legal: [ChatSessionStatus, ChatSessionEvent, Expected][] = [
  ['initiated', 'customer-engaged', { status: 'in-progress' }],
  ['initiated', 'customer-declined', declined],
  ['initiated', 'technical-failure', failed],
  ['initiated', 'abandon', abandoned],
  ['initiated', 'tick', same],
  ['in-progress', 'customer-engaged', same],
  ['in-progress', 'payment-requested', { status: 'payment-requested' }],
  ['in-progress', 'customer-declined', declined],
  ['in-progress', 'technical-failure', failed],
  ['in-progress', 'abandon', abandoned],
  ['in-progress', 'tick', same],
  ['payment-requested', 'customer-engaged', same],
  ['payment-requested', 'payment-requested', same],
  [
    'payment-requested',
    'payment-submitted',
    { status: 'payment-processing', paymentAttempted: true },
  ],
  ['payment-requested', 'payment-failed', { status: 'payment-requested', paymentAttempted: true }],
  ['payment-requested', 'customer-declined', declined],
  ['payment-requested', 'technical-failure', failed],
  ['payment-requested', 'abandon', abandoned],
  ['payment-requested', 'tick', same],
  ['payment-processing', 'customer-engaged', same],
  ['payment-processing', 'payment-submitted', same],
  [
    'payment-processing',
    'payment-succeeded',
    { status: 'completed', outcome: 'payment-updated', paymentAttempted: true },
  ],
  ['payment-processing', 'payment-failed', { status: 'payment-requested', paymentAttempted: true }],
  ['payment-processing', 'technical-failure', failed],
  ['payment-processing', 'tick', same],
  ['completed', 'tick', same],
  ['abandoned', 'abandon', same],
  ['abandoned', 'tick', same],
];

const isLegal = (status: ChatSessionStatus, event: ChatSessionEvent) =>
  legal.some(([from, on]) => from === status && on === event);

const illegal = chatSessionStatuses.flatMap((status) =>
  chatSessionEvents
    .filter((event) => !isLegal(status, event))
    .map((event) => [status, event] as const),
);

function thrownBy(run: () => unknown): InvalidTransitionError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTransitionError);
    return error as InvalidTransitionError;
  }
  throw new Error('expected an InvalidTransitionError, nothing was thrown');
}

describe('transitionChatSession: the table', () => {
  it('lists its events', () => {
    expect(chatSessionEvents).toEqual([
      'customer-engaged',
      'payment-requested',
      'payment-submitted',
      'payment-succeeded',
      'payment-failed',
      'customer-declined',
      'technical-failure',
      'abandon',
      'tick',
    ]);
  });

  it('covers the whole cross product: legal plus illegal is every pair', () => {
    // 6 statuses x 9 events = 54 pairs: 28 legal, 26 illegal.
    expect(legal.length + illegal.length).toBe(
      chatSessionStatuses.length * chatSessionEvents.length,
    );
    expect(legal).toHaveLength(28);
    expect(illegal).toHaveLength(26);
  });

  it.each(legal)('%s + %s (at 60 s)', (status, event, expected) => {
    const session = Object.freeze(sessionIn(status));
    const next = transitionChatSession(session, event, sixtySeconds);
    expect(canTransitionChatSession(status, event)).toBe(true);
    if ('same' in expected) {
      expect(next).toBe(session);
      return;
    }
    expect(next.status).toBe(expected.status);
    expect(next.paymentAttempted).toBe(expected.paymentAttempted ?? session.paymentAttempted);
    expect(next.startTime).toEqual(startTime);
    if (expected.outcome === undefined) {
      expect(next.outcome).toBeUndefined();
      expect(next.endTime).toBeUndefined();
      expect(next.resolutionTime).toBeUndefined();
    } else {
      expect(next.outcome).toBe(expected.outcome);
      expect(next.endTime).toEqual(new Date('2025-03-01T10:01:00.000Z'));
      expect(next.resolutionTime).toBe(60);
    }
  });

  it.each(illegal)('%s + %s throws InvalidTransitionError', (status, event) => {
    expect(canTransitionChatSession(status, event)).toBe(false);
    const error = thrownBy(() => transitionChatSession(sessionIn(status), event, sixtySeconds));
    expect(error.code).toBe('invalid_transition');
    expect(error.machine).toBe('ChatSession');
    expect(error.state).toBe(status);
    expect(error.event).toBe(event);
    expect(error.message).toContain(`"${status}"`);
    expect(error.message).toContain(`"${event}"`);
  });

  it('hints at the way out', () => {
    expect(
      thrownBy(() => transitionChatSession(sessionIn('completed'), 'customer-engaged', at(60)))
        .message,
    ).toContain('start a new session');
    expect(
      thrownBy(() => transitionChatSession(sessionIn('payment-processing'), 'abandon', at(60)))
        .message,
    ).toContain("'technical-failure'");
    expect(
      thrownBy(() => transitionChatSession(sessionIn('in-progress'), 'payment-submitted', at(60)))
        .message,
    ).toContain("'payment-requested' first");
  });

  it('keeps the customer in the session after a decline so another card can be tried', () => {
    const processing = sessionIn('payment-processing');
    const declinedCard = transitionChatSession(processing, 'payment-failed', at(90));
    expect(declinedCard).toEqual({
      status: 'payment-requested',
      startTime,
      paymentAttempted: true,
    });
    const retried = transitionChatSession(declinedCard, 'payment-submitted', at(100));
    const paid = transitionChatSession(retried, 'payment-succeeded', at(125.5));
    expect(paid).toEqual({
      status: 'completed',
      outcome: 'payment-updated',
      startTime,
      endTime: new Date('2025-03-01T10:02:05.500Z'),
      resolutionTime: 125.5,
      paymentAttempted: true,
    });
  });

  it('passes other fields through and never changes its input', () => {
    const session = Object.freeze({
      id: 'cs_1',
      customerId: 'cus_1',
      ...sessionIn('in-progress'),
    });
    const next = transitionChatSession(session, 'abandon', at(42));
    expect(next.id).toBe('cs_1');
    expect(next.customerId).toBe('cus_1');
    expect(session.status).toBe('in-progress');
    expect(session).not.toHaveProperty('endTime');
  });

  it('starts sessions initiated at the clock', () => {
    expect(startChatSession(fixedClock(startTime))).toEqual({
      status: 'initiated',
      startTime,
      paymentAttempted: false,
    });
  });

  it('ends a session after it started, whatever the clock skew', () => {
    // The seed wants endTime after startTime: a lagging clock (or the same millisecond) ends
    // the session 1 ms after its start.
    for (const clock of [at(-2), at(0)]) {
      const next = transitionChatSession(sessionIn('in-progress'), 'abandon', clock);
      expect(next.endTime).toEqual(new Date('2025-03-01T10:00:00.001Z'));
      expect(next.resolutionTime).toBe(0.001);
    }
  });

  it('uses the same budget as the entity rules', () => {
    expect(SESSION_BUDGET_SECONDS).toBe(recoveryTimeLimitSeconds);
  });

  it('rejects an invalid start time or clock with a ValidationError', () => {
    const broken = { ...sessionIn('in-progress'), startTime: new Date('not a date') };
    expect(() => transitionChatSession(broken, 'tick', at(1))).toThrow(ValidationError);
    expect(() =>
      transitionChatSession(sessionIn('in-progress'), 'tick', () => new Date(Number.NaN)),
    ).toThrow(/clock\(\): must be a valid Date/);
  });
});

describe('the 180-second budget', () => {
  it('is 180 seconds', () => {
    expect(SESSION_BUDGET_SECONDS).toBe(180);
  });

  it.each(['initiated', 'in-progress', 'payment-requested'] as const)(
    '%s: exactly 180 s is within the budget, 180.001 s is past it',
    (status) => {
      const session = sessionIn(status);
      expect(enforceSessionBudget(session, at(180))).toBe(session);
      expect(transitionChatSession(session, 'tick', at(180))).toBe(session);
      const late = enforceSessionBudget(session, at(180.001));
      expect(late).toEqual({
        status: 'abandoned',
        outcome: 'abandoned',
        startTime,
        endTime: new Date('2025-03-01T10:03:00.001Z'),
        resolutionTime: 180.001,
        paymentAttempted: false,
      });
      expect(transitionChatSession(session, 'tick', at(180.001))).toEqual(late);
      expect(transitionChatSession(session, 'abandon', at(180.001))).toEqual(late);
    },
  );

  it('lets legal events through at exactly 180 s', () => {
    const next = transitionChatSession(sessionIn('in-progress'), 'payment-requested', at(180));
    expect(next.status).toBe('payment-requested');
  });

  it('abandons first, so any other event past the budget is illegal', () => {
    const error = thrownBy(() =>
      transitionChatSession(sessionIn('in-progress'), 'payment-requested', at(180.001)),
    );
    expect(error.state).toBe('abandoned');
    expect(error.event).toBe('payment-requested');
    expect(error.message).toContain('180-second budget');
    expect(error.message).toContain('enforceSessionBudget');
  });

  it('never abandons a session whose payment is processing', () => {
    const processing = sessionIn('payment-processing');
    expect(enforceSessionBudget(processing, at(600))).toBe(processing);
    expect(transitionChatSession(processing, 'tick', at(600))).toBe(processing);
    const paid = transitionChatSession(processing, 'payment-succeeded', at(200));
    expect(paid.status).toBe('completed');
    expect(paid.outcome).toBe('payment-updated');
    expect(paid.resolutionTime).toBe(200);
    const broken = transitionChatSession(processing, 'technical-failure', at(200));
    expect(broken.outcome).toBe('technical-failure');
  });

  it('ends a session whose payment fails after the budget ran out as abandoned', () => {
    // 200 s: past the budget, so the card form does not reopen.
    const next = transitionChatSession(sessionIn('payment-processing'), 'payment-failed', at(200));
    expect(next).toEqual({
      status: 'abandoned',
      outcome: 'abandoned',
      startTime,
      endTime: new Date('2025-03-01T10:03:20.000Z'),
      resolutionTime: 200,
      paymentAttempted: true,
    });
  });

  it('leaves ended sessions alone', () => {
    for (const status of ['completed', 'abandoned'] as const) {
      const session = sessionIn(status);
      expect(enforceSessionBudget(session, at(10_000))).toBe(session);
      expect(transitionChatSession(session, 'tick', at(10_000))).toBe(session);
    }
  });
});

describe('transitionChatSession: properties', () => {
  const step = fc.record({
    event: fc.constantFrom(...chatSessionEvents),
    // Milliseconds since the previous event: mostly short, sometimes long enough to cross the budget.
    after: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 200_000 })),
  });

  it('never produces an invalid session, whatever the events and timing', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        let session = startChatSession(fixedClock(startTime));
        let now = startTime.getTime();
        for (const { event, after } of steps) {
          now += after;
          const clock = fixedClock(now);
          const before = structuredClone(session);
          const withinBudget = enforceSessionBudget(session, clock) === session;
          let next: ChatSessionState;
          try {
            next = transitionChatSession(session, event, clock);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidTransitionError);
            // Within the budget, the predicate predicts every refusal.
            if (withinBudget) expect(canTransitionChatSession(session.status, event)).toBe(false);
            continue;
          }
          if (withinBudget) expect(canTransitionChatSession(session.status, event)).toBe(true);
          expect(session).toEqual(before);
          expect(chatSessionStatuses).toContain(next.status);
          expect(next.startTime).toEqual(startTime);
          if (before.paymentAttempted) expect(next.paymentAttempted).toBe(true);
          if (isChatSessionOpen(next.status)) {
            expect(next.outcome).toBeUndefined();
            expect(next.endTime).toBeUndefined();
            expect(next.resolutionTime).toBeUndefined();
            if (next.status !== 'payment-processing') {
              expect(now - startTime.getTime()).toBeLessThanOrEqual(SESSION_BUDGET_SECONDS * 1000);
            }
          } else {
            expect(next.endTime).toBeInstanceOf(Date);
            expect(next.resolutionTime).toBe(
              (next.endTime!.getTime() - next.startTime.getTime()) / 1000,
            );
            expect(next.status === 'abandoned').toBe(next.outcome === 'abandoned');
            if (next.outcome === 'payment-updated') expect(next.paymentAttempted).toBe(true);
            if (isChatSessionOpen(before.status)) {
              expect(next.endTime!.getTime()).toBe(Math.max(now, startTime.getTime() + 1));
            } else {
              expect(next).toBe(session);
            }
          }
          session = next;
        }
      }),
    );
  });
});

describe('transitionChatSession: with the ChatSession entity', () => {
  it('takes a parsed ChatSession and returns one the schema accepts', () => {
    const step = fc.record({
      event: fc.constantFrom(...chatSessionEvents),
      // Up to 30 steps of at most 6 s: the whole run stays within the 180-second budget.
      after: fc.integer({ min: 0, max: 6_000 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        let session = ChatSessionSchema.parse({
          id: 'cs_1',
          tenantId: 'tenant_1',
          customerId: 'cus_1',
          adminUserId: 'admin_1',
          ...startChatSession(fixedClock(startTime)),
        });
        let now = startTime.getTime();
        for (const { event, after } of steps) {
          now += after;
          if (!canTransitionChatSession(session.status, event)) continue;
          session = transitionChatSession(session, event, fixedClock(now));
          const parsed = ChatSessionSchema.safeParse(session);
          expect(parsed.error?.issues).toBeUndefined();
          expect(parsed.data).toEqual(session);
        }
      }),
    );
  });
});
