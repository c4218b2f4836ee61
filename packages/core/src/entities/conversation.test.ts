import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conversationArbitrary } from './arbitraries.js';
import { type ConversationInput, ConversationSchema } from './conversation.js';
import type { ChatSessionOutcome, ChatSessionStatus, ConversationStatus } from './enums.js';
import { parseEntity } from './parse-entity.js';
import { describeEntity, toDate } from './rule-test-kit.js';

const example: ConversationInput = {
  id: 'conv_1',
  tenantId: 'ten_1',
  purpose: 'recovery',
  sessionId: 'sess_1',
  userId: 'user_42',
  customerId: 'cus_1',
  startedAt: '2026-03-15T12:00:00Z',
  lastActivity: '2026-03-15T12:01:30Z',
  endedAt: '2026-03-15T12:02:00Z',
  status: 'closed',
  recovery: {
    status: 'completed',
    outcome: 'payment-updated',
    adminUserId: 'adm_1',
    paymentAttempted: true,
    resolutionTime: 120,
  },
};

const later = (input: ConversationInput, seconds: number): Date =>
  new Date(toDate(input.startedAt).getTime() + seconds * 1000);

/** The input turned into a recovery conversation in the given state, consistent unless told otherwise. */
function recovery(
  input: ConversationInput,
  state: {
    status: ChatSessionStatus;
    outcome?: ChatSessionOutcome;
    endedAfterSeconds?: number;
    paymentAttempted?: boolean;
    resolutionTime?: number;
    conversationStatus?: ConversationStatus;
  },
): ConversationInput {
  const { endedAt, recovery: _, ...rest } = input;
  const conversation: ConversationInput = {
    ...rest,
    purpose: 'recovery',
    customerId: 'cus_1',
    lastActivity: input.startedAt,
    status: state.conversationStatus ?? 'escalated',
    recovery: {
      status: state.status,
      adminUserId: 'adm_1',
      paymentAttempted: state.paymentAttempted ?? true,
    },
  };
  if (state.outcome !== undefined && conversation.recovery)
    conversation.recovery.outcome = state.outcome;
  if (state.resolutionTime !== undefined && conversation.recovery) {
    conversation.recovery.resolutionTime = state.resolutionTime;
  }
  if (state.endedAfterSeconds !== undefined)
    conversation.endedAt = later(input, state.endedAfterSeconds);
  return conversation;
}

describeEntity('Conversation', ConversationSchema, {
  example,
  arbitrary: conversationArbitrary(),
  accepted: [
    {
      title: 'a completed recovery of exactly 180 seconds',
      change: (c) =>
        recovery(c, { status: 'completed', outcome: 'payment-updated', endedAfterSeconds: 180 }),
    },
    {
      title: 'a payment that was processing at 180 seconds and went through at 200',
      change: (c) =>
        recovery(c, {
          status: 'completed',
          outcome: 'payment-updated',
          paymentAttempted: true,
          endedAfterSeconds: 200,
        }),
    },
    {
      title: 'an abandoned recovery of an hour',
      change: (c) =>
        recovery(c, { status: 'abandoned', outcome: 'abandoned', endedAfterSeconds: 3600 }),
    },
    {
      title: 'a declined recovery without a payment attempt',
      change: (c) =>
        recovery(c, {
          status: 'completed',
          outcome: 'customer-declined',
          endedAfterSeconds: 30,
          paymentAttempted: false,
        }),
    },
    {
      title: 'an anonymous support conversation',
      change: ({ recovery: _, endedAt, ...c }) => ({
        ...c,
        purpose: 'support',
        userId: null,
        customerId: null,
        status: 'active',
        lastActivity: c.startedAt,
      }),
    },
  ],
  rules: [
    {
      rule: 'purpose is recovery or support',
      path: ['purpose'],
      message: /must be recovery or support/,
      breakIt: (c) => ({ ...c, purpose: 'sales' }),
    },
    {
      rule: 'status is one of the seed values',
      path: ['status'],
      message: /must be one of: active, closed, escalated/,
      breakIt: (c) => ({ ...c, status: 'open' }),
    },
    {
      rule: 'userId is an id or null, not empty',
      path: ['userId'],
      message: /must not be empty/,
      breakIt: (c) => ({ ...c, userId: '' }),
    },
    {
      rule: 'startedAt is a date',
      path: ['startedAt'],
      message: /must be a date/,
      breakIt: (c) => ({ ...c, startedAt: 'yesterday' }),
    },
    {
      rule: 'endedAt is after startedAt',
      path: ['endedAt'],
      message: /must be after startedAt/,
      breakIt: (c) => ({ ...c, status: 'closed', endedAt: later(c, 0) }),
    },
    {
      rule: 'lastActivity is not before startedAt',
      path: ['lastActivity'],
      message: /must not be before startedAt/,
      breakIt: (c) => ({ ...c, lastActivity: later(c, -0.001) }),
    },
    {
      rule: 'lastActivity is not after endedAt',
      path: ['lastActivity'],
      message: /must not be after endedAt/,
      breakIt: (c) => ({
        ...c,
        status: 'closed',
        endedAt: later(c, 10),
        lastActivity: later(c, 11),
      }),
    },
    {
      rule: 'an active conversation has no end',
      path: ['endedAt'],
      message: /must be absent while status is active/,
      breakIt: (c) => ({
        ...c,
        status: 'active',
        endedAt: later(c, 10),
        lastActivity: c.startedAt,
      }),
    },
    {
      rule: 'a closed conversation has an end',
      path: ['endedAt'],
      message: /is required once status is closed/,
      breakIt: ({ endedAt, ...c }) => ({ ...c, status: 'closed' }),
    },
    {
      rule: 'a recovery conversation names its customer',
      path: ['customerId'],
      message: /is required when purpose is recovery/,
      breakIt: (c) => ({ ...recovery(c, { status: 'initiated' }), customerId: null }),
    },
    {
      rule: 'a recovery conversation carries its recovery details',
      path: ['recovery'],
      message: /is required when purpose is recovery/,
      breakIt: ({ recovery: _, ...c }) => ({ ...c, purpose: 'recovery', customerId: 'cus_1' }),
    },
    {
      rule: 'a support conversation carries no recovery details',
      path: ['recovery'],
      message: /must be absent when purpose is support/,
      breakIt: (c) => ({ ...recovery(c, { status: 'initiated' }), purpose: 'support' }),
    },
    {
      rule: 'recovery status is one of the seed values',
      path: ['recovery', 'status'],
      message: /must be one of: initiated, in-progress/,
      breakIt: (c) => recovery(c, { status: 'paused' as ChatSessionStatus }),
    },
    {
      rule: 'recovery outcome is one of the seed values',
      path: ['recovery', 'outcome'],
      message: /must be one of: payment-updated, customer-declined, technical-failure, abandoned/,
      breakIt: (c) =>
        recovery(c, {
          status: 'completed',
          outcome: 'refunded' as ChatSessionOutcome,
          endedAfterSeconds: 10,
        }),
    },
    {
      rule: 'an ended recovery (completed or abandoned) has an end time',
      path: ['endedAt'],
      message: /is required once status is completed/,
      breakIt: (c) => recovery(c, { status: 'completed', outcome: 'payment-updated' }),
    },
    {
      rule: 'a recovery still running has no end time',
      path: ['endedAt'],
      message: /must be absent while status is payment-requested/,
      breakIt: (c) => recovery(c, { status: 'payment-requested', endedAfterSeconds: 10 }),
    },
    {
      rule: 'an ended recovery has an outcome',
      path: ['recovery', 'outcome'],
      message: /is required once status is abandoned/,
      breakIt: (c) => recovery(c, { status: 'abandoned', endedAfterSeconds: 200 }),
    },
    {
      rule: 'a recovery still running has no outcome',
      path: ['recovery', 'outcome'],
      message: /must be absent while status is in-progress/,
      breakIt: (c) => recovery(c, { status: 'in-progress', outcome: 'customer-declined' }),
    },
    {
      rule: 'an abandoned recovery has outcome abandoned',
      path: ['recovery', 'outcome'],
      message: /must be abandoned when status is abandoned/,
      breakIt: (c) =>
        recovery(c, { status: 'abandoned', outcome: 'technical-failure', endedAfterSeconds: 200 }),
    },
    {
      rule: 'a completed recovery is not abandoned',
      path: ['recovery', 'outcome'],
      message: /cannot be abandoned when status is completed/,
      breakIt: (c) =>
        recovery(c, { status: 'completed', outcome: 'abandoned', endedAfterSeconds: 20 }),
    },
    {
      rule: 'payment-updated means a payment was attempted',
      path: ['recovery', 'paymentAttempted'],
      message: /must be true when outcome is payment-updated/,
      breakIt: (c) =>
        recovery(c, {
          status: 'completed',
          outcome: 'payment-updated',
          endedAfterSeconds: 20,
          paymentAttempted: false,
        }),
    },
    {
      rule: 'resolutionTime equals the seconds from start to end',
      path: ['recovery', 'resolutionTime'],
      message: /must equal the seconds from startedAt to endedAt \(20\)/,
      breakIt: (c) =>
        recovery(c, {
          status: 'completed',
          outcome: 'payment-updated',
          endedAfterSeconds: 20,
          resolutionTime: 21,
        }),
    },
    {
      rule: 'resolutionTime is absent until the session has ended',
      path: ['recovery', 'resolutionTime'],
      message: /must be absent until the session has ended/,
      breakIt: (c) => recovery(c, { status: 'in-progress', resolutionTime: 20 }),
    },
    {
      rule: 'resolutionTime is not negative',
      path: ['recovery', 'resolutionTime'],
      message: /must be a number of seconds, 0 or more/,
      breakIt: (c) => recovery(c, { status: 'in-progress', resolutionTime: -1 }),
    },
    {
      rule: 'a completed recovery took at most 180 seconds unless a payment was processing',
      path: ['recovery', 'resolutionTime'],
      message: /must be at most 180 seconds for a completed session \(this one took 180\.001\)/,
      breakIt: (c) =>
        recovery(c, {
          status: 'completed',
          outcome: 'customer-declined',
          paymentAttempted: false,
          endedAfterSeconds: 180.001,
        }),
    },
  ],
});

describe('Conversation resolution time', () => {
  it('is derived from start and end when left out', () => {
    const { resolutionTime, ...details } = example.recovery ?? {
      status: 'initiated',
      adminUserId: '',
      paymentAttempted: false,
    };
    const conversation = parseEntity(
      ConversationSchema,
      { ...example, recovery: details },
      'Conversation',
    );
    expect(conversation.recovery?.resolutionTime).toBe(120);
  });

  it('always equals (endedAt - startedAt) / 1000 for an ended recovery', () => {
    fc.assert(
      fc.property(conversationArbitrary(), (input) => {
        const conversation = parseEntity(ConversationSchema, input, 'Conversation');
        if (conversation.recovery === undefined) return;
        if (conversation.endedAt === undefined) {
          expect(conversation.recovery.resolutionTime).toBeUndefined();
        } else {
          expect(conversation.recovery.resolutionTime).toBe(
            (conversation.endedAt.getTime() - conversation.startedAt.getTime()) / 1000,
          );
        }
      }),
    );
  });
});
