import { describe, expect, it } from 'vitest';
import {
  classifyRecoveryMessage,
  composeRecoveryGreeting,
  planRecoveryTurn,
  type RecoveryFacts,
  sayRecoveryStep,
} from './recovery-engine.js';
import {
  createRecoveryPhraseMemory,
  pickRecoveryPhrase,
  recoveryPhraseSteps,
  recoveryPhrases,
} from './recovery-phrasing.js';

const facts = (customerId: string, name: string): RecoveryFacts => ({
  customerId,
  customerName: name,
  category: 'failed-payment',
  card: { brand: 'visa', lastFourDigits: '4242', expiryMonth: 11, expiryYear: 2026 },
  amount: 49,
  currency: 'usd',
  failedAt: new Date('2026-11-03T10:00:00Z'),
});

const customers = Array.from({ length: 40 }, (_, index) =>
  facts(`cust_${index.toString(36)}_${index * 7919}`, `Customer${index} Lastname`),
);

describe('offline phrasing', () => {
  it('greets by first name and says what happened in plain words', () => {
    const memory = createRecoveryPhraseMemory();
    const greeting = composeRecoveryGreeting(facts('cust_1', 'Ada Lovelace'), memory);
    expect(greeting).toMatch(/Ada/);
    expect(greeting).not.toMatch(/Lovelace/);
    expect(greeting).toMatch(/Visa ending 4242/);
    expect(greeting).toMatch(/\$49\.00/);
    expect(greeting).toMatch(/November 3/);
    expect(greeting).not.toMatch(/\{[a-z]+\}/);
  });

  it('describes an expiring card with its expiry', () => {
    const memory = createRecoveryPhraseMemory();
    const greeting = composeRecoveryGreeting(
      { ...facts('cust_2', 'Bob'), category: 'expiring-card', amount: undefined },
      memory,
    );
    expect(greeting).toMatch(/11\/2026/);
    expect(greeting).toMatch(/4242/);
  });

  it('never says the same line twice in a row across customers, for every step', () => {
    const memory = createRecoveryPhraseMemory();
    for (const step of recoveryPhraseSteps) {
      let previous: string | undefined;
      for (const customer of customers) {
        const line = sayRecoveryStep(step, customer, memory, { values: { reason: 'Declined.' } });
        // Names differ by customer: compare the lines without them.
        expect(line.length).toBeGreaterThan(5);
        if (previous !== undefined) {
          expect(line.replace(customer.customerName.split(' ')[0]!, '')).not.toBe(previous);
        }
        previous = line.replace(customer.customerName.split(' ')[0]!, '');
      }
    }
  });

  it('greetings of consecutive customers always differ and use several phrasings', () => {
    const memory = createRecoveryPhraseMemory();
    const greetings = customers.map((customer) =>
      composeRecoveryGreeting(customer, memory).replace(/Customer\d+/, 'NAME'),
    );
    for (let index = 1; index < greetings.length; index += 1) {
      expect(greetings[index]).not.toBe(greetings[index - 1]);
    }
    expect(new Set(greetings).size).toBeGreaterThanOrEqual(8);
  });

  it('is deterministic per customer with a fresh memory', () => {
    const first = composeRecoveryGreeting(facts('cust_x', 'Xena'), createRecoveryPhraseMemory());
    const second = composeRecoveryGreeting(facts('cust_x', 'Xena'), createRecoveryPhraseMemory());
    expect(first).toBe(second);
  });

  it('pickRecoveryPhrase skips the phrasing used last for the step', () => {
    const memory = createRecoveryPhraseMemory();
    const first = pickRecoveryPhrase({ step: 'offer', customerKey: 'same', memory });
    const second = pickRecoveryPhrase({ step: 'offer', customerKey: 'same', memory });
    expect(second).not.toBe(first);
  });

  it('every step has several phrasings', () => {
    for (const step of recoveryPhraseSteps) {
      expect(recoveryPhrases[step].length).toBeGreaterThanOrEqual(3);
    }
  });
});

describe('classifyRecoveryMessage', () => {
  it.each([
    ['Yes, let us fix it', 'accept'],
    ['sure', 'accept'],
    ['Update my card please', 'accept'],
    ['Can I update my card now?', 'accept'],
    ['Not now, thanks', 'decline'],
    ['no', 'decline'],
    ['maybe later', 'decline'],
    ['I want to talk to a human', 'escalate'],
    ['How much is the Pro plan?', 'question'],
    ['Why was my card declined?', 'question'],
    ['hmm', 'other'],
  ] as const)('%s -> %s', (text, intent) => {
    expect(classifyRecoveryMessage(text)).toBe(intent);
  });
});

describe('planRecoveryTurn', () => {
  it('maps intents to actions with varied text', () => {
    const memory = createRecoveryPhraseMemory();
    const input = (message: string) => ({
      facts: facts('cust_p', 'Pat'),
      message,
      turn: 1,
      memory,
    });
    expect(planRecoveryTurn(input('yes')).action).toBe('request-payment');
    expect(planRecoveryTurn(input('not now')).action).toBe('customer-declined');
    expect(planRecoveryTurn(input('a person please')).action).toBe('escalate');
    const question = planRecoveryTurn(input('What plans do you have?'));
    expect(question).toMatchObject({
      action: 'answer-from-docs',
      question: 'What plans do you have?',
    });
    expect(planRecoveryTurn(input('hmm')).action).toBe('reply');
  });
});
