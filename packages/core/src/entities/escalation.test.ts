import { describe, expect, it } from 'vitest';
import { escalationArbitrary } from './arbitraries.js';
import { type EscalationInput, EscalationSchema } from './escalation.js';
import { parseEntity } from './parse-entity.js';
import { describeEntity } from './rule-test-kit.js';

const example: EscalationInput = {
  id: 'esc_1',
  conversationId: 'conv_1',
  reason: 'low_confidence',
  ticketId: 'ZD-10423',
  escalatedAt: '2026-03-15T12:03:00Z',
  status: 'pending',
};

describeEntity('Escalation', EscalationSchema, {
  example,
  arbitrary: escalationArbitrary(),
  accepted: [{ title: 'no ticket yet', change: ({ ticketId, ...e }) => e }],
  rules: [
    {
      rule: 'status is pending, resolved or closed',
      path: ['status'],
      message: /must be one of: pending, resolved, closed/,
      breakIt: (e) => ({ ...e, status: 'open' }),
    },
    {
      rule: 'reason is a slug',
      path: ['reason'],
      message: /must be a lowercase slug like low_confidence/,
      breakIt: (e) => ({ ...e, reason: 'User was angry!' }),
    },
    {
      rule: 'ticketId is at most 100 characters',
      path: ['ticketId'],
      message: /at most 100 characters/,
      breakIt: (e) => ({ ...e, ticketId: 'T'.repeat(101) }),
    },
  ],
});

describe('Escalation defaults', () => {
  it('starts pending when no status is given', () => {
    const { status, ...rest } = example;
    expect(parseEntity(EscalationSchema, rest, 'Escalation').status).toBe('pending');
  });
});
