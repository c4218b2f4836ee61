import { describe, expect, it } from 'vitest';
import { classifyQuestion } from './classify-question.js';

describe('classifyQuestion', () => {
  it.each([
    ['Why was my card declined?', 'billing'],
    ['Update my card please', 'billing'],
    ['What is my balance?', 'billing'],
    ['I was charged twice this month', 'billing'],
    ['Can you refund my last invoice?', 'docs'],
    ['How do I change my card?', 'docs'],
    ['Where do I find the invoices page?', 'docs'],
    ['How are refunds sent?', 'docs'],
    ['What are the rate limits of the API?', 'docs'],
  ] as const)('%s -> %s', (text, expected) => {
    expect(classifyQuestion(text)).toBe(expected);
  });
});
