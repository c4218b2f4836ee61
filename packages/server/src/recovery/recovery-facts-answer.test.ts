import { createRecoveryPhraseMemory, type RecoveryFacts } from '@churn/core';
import { describe, expect, it } from 'vitest';
import { answerFromSessionFacts, isSessionFactsQuestion } from './recovery-facts-answer.js';

const facts: RecoveryFacts = {
  customerId: 'cust_1',
  customerName: 'Ada Lovelace',
  category: 'failed-payment',
  card: { brand: 'visa', lastFourDigits: '4242', expiryMonth: 12, expiryYear: 2030 },
  amount: 49,
  currency: 'usd',
  failedAt: new Date('2026-11-03T10:00:00Z'),
};

describe('questions about the session itself', () => {
  it.each([
    'What happened?',
    'what happened to my payment',
    "What's wrong?",
    'Why was my payment declined?',
    "Why didn't the charge go through?",
    'Which card was it?',
    'How much do I owe?',
    'When did the payment fail?',
  ])('"%s" is answered from the facts', (question) => {
    expect(isSessionFactsQuestion(question)).toBe(true);
  });

  it.each([
    'How do I update my card?',
    'Can I get a refund?',
    'Where do I download invoices?',
    'What payment methods do you accept?',
  ])('"%s" goes to the docs', (question) => {
    expect(isSessionFactsQuestion(question)).toBe(false);
  });

  it('names the card, the amount and the date, and the last decline when there was one', () => {
    const memory = createRecoveryPhraseMemory();
    const first = answerFromSessionFacts(facts, { turns: 1 }, memory);
    expect(first).toContain('Visa ending 4242');
    expect(first).toContain('$49.00');
    expect(first).toContain('November 3');
    const after = answerFromSessionFacts(
      facts,
      {
        turns: 2,
        lastDecline: 'Your bank declined the card. Try another card or contact your bank.',
      },
      memory,
    );
    expect(after).toContain('Visa ending 4242');
    expect(after).toContain('Your bank declined the card.');
  });

  it('speaks of the expiry for an expiring card', () => {
    const answer = answerFromSessionFacts(
      { ...facts, category: 'expiring-card', amount: undefined, failedAt: undefined },
      { turns: 1 },
      createRecoveryPhraseMemory(),
    );
    expect(answer).toContain('Visa ending 4242');
    expect(answer).toContain('12/2030');
  });
});
