import { describe, expect, it } from 'vitest';
import { contentTokens, detectEscalation, tokenOverlap } from './detect-escalation.js';

const detect = (question: string, previousQuestions: string[] = []) =>
  detectEscalation({ question, previousQuestions })?.reason;

describe('detectEscalation', () => {
  it.each([
    'Can I talk to a human please?',
    'I want to speak with a real person',
    'connect me to support',
    'Human!',
    'agent please',
    'I need a representative',
    'please escalate this',
    'operator',
  ])('"%s" asks for a person', (question) => {
    expect(detect(question)).toBe('customer_request');
  });

  it.each([
    'This is useless',
    'What a waste of my time',
    "I'm so frustrated",
    'Why?!!!',
    'that does not help',
  ])('"%s" is frustration', (question) => {
    expect(detect(question)).toBe('user_frustration');
  });

  it.each([
    'How long do refunds take?',
    'Is there a human-readable export?',
    'Who is the agent of record for my invoice?',
  ])('"%s" triggers nothing', (question) => {
    expect(detect(question)).toBeUndefined();
  });

  it('three similar questions in a row are repeated rephrasing; two are not; a different one breaks the chain', () => {
    const first = 'How long do refunds take?';
    const second = 'How long does a refund take?';
    const third = 'How long will my refund take?';
    expect(detect(second, [first])).toBeUndefined();
    expect(detect(third, [first, second])).toBe('repeated_rephrasing');
    expect(detect(third, [first, 'How do I verify webhooks?', second])).toBeUndefined();
  });

  it('measures token overlap as Jaccard over content words', () => {
    expect(contentTokens('How long do refunds take?')).toEqual(
      new Set(['long', 'refunds', 'take']),
    );
    expect(tokenOverlap(new Set(['a', 'b']), new Set(['b', 'c']))).toBeCloseTo(1 / 3, 12);
    expect(tokenOverlap(new Set(), new Set())).toBe(0);
  });
});
