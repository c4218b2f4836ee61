import { describe, expect, it } from 'vitest';
import { classifyQuestion, isAccountQuestion } from './classify-question.js';

describe('classifyQuestion', () => {
  it.each([
    ['Why was my card declined?', 'billing'],
    ['Update my card please', 'billing'],
    ['What is my balance?', 'billing'],
    ['Which card do I have on file?', 'billing'],
    ['Do I owe anything?', 'billing'],
    ['Can you show me my invoices?', 'billing'],
    ['Could you check my last payment?', 'billing'],
    ['Can I change my card from the app?', 'docs'],
    ['When was my last payment?', 'billing'],
    ['Is my subscription paid up?', 'billing'],
    ['Which cards do you accept?', 'docs'],
    ['What payment methods can I use?', 'docs'],
    ['Which cards can I pay with?', 'docs'],
    ['Which currencies can I be billed in?', 'docs'],
    ['Are invoices emailed to me automatically?', 'docs'],
    ['What invoices have I paid this year?', 'billing'],
    ['Which card did we use last time?', 'billing'],
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

describe('isAccountQuestion', () => {
  it.each([
    ['Which card do I have on file?', true],
    ['What is my balance?', true],
    ["What's the card you charge?", true],
    ['When was my last payment?', true],
    ['When does my card expire?', true],
    ['Is my subscription paid up?', true],
    ['Am I paid up?', true],
    ['How much is my subscription?', true],
    ['Can you check my payments?', true],
    ['Can you show me my invoices?', true],
    ['Send me my receipts', true],
    ['Can you check why my card was declined?', false],
    ['Why was my card declined?', false],
    ['I was charged twice this month', false],
    ['Update my card please', false],
    ['Can you refund my last invoice?', false],
    ['Cancel my subscription', false],
    ['What? You charged me the wrong amount!', false],
  ] as const)('%s -> %s', (text, expected) => {
    expect(isAccountQuestion(text)).toBe(expected);
  });
});
