import { type OpenAIEmulator, startOpenAIEmulator } from '@churn/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAILanguageModel } from '../providers/openai/openai-language-model.js';
import { planRecoveryTurnWithModel, recoveryTools } from './plan-recovery-turn-with-model.js';
import type { RecoveryFacts } from './recovery-engine.js';
import { createRecoveryPhraseMemory } from './recovery-phrasing.js';

let emulator: OpenAIEmulator;
beforeAll(async () => {
  emulator = await startOpenAIEmulator();
});
afterAll(async () => {
  await emulator.close();
});

const facts: RecoveryFacts = {
  customerId: 'cust_1',
  customerName: 'Ada Lovelace',
  category: 'failed-payment',
  card: { brand: 'visa', lastFourDigits: '4242', expiryMonth: 11, expiryYear: 2026 },
  amount: 49,
  failedAt: new Date('2026-11-03T10:00:00Z'),
};

const plan = (message: string) =>
  planRecoveryTurnWithModel({
    facts,
    message,
    turn: 1,
    memory: createRecoveryPhraseMemory(),
    model: createOpenAILanguageModel({
      apiKey: emulator.apiKey,
      baseURL: emulator.url,
      initialRetryDelayMs: 5,
      maxRetries: 0,
    }),
  });

describe('planRecoveryTurnWithModel (OpenAI emulator)', () => {
  it('offers the tools and follows a scripted request_payment_update call', async () => {
    let offered: string[] = [];
    let system = '';
    emulator.setRespond((request) => {
      offered = request.tools.map((tool) => tool.function.name);
      system = String(request.messages[0]?.content ?? '');
      return {
        toolCalls: [
          { name: 'request_payment_update', arguments: { message: 'Great, add the card below.' } },
        ],
      };
    });
    const result = await plan('yes please');
    expect(result).toEqual({
      action: 'request-payment',
      text: 'Great, add the card below.',
      source: 'model',
    });
    expect(offered).toEqual(recoveryTools.map((tool) => tool.name));
    expect(system).toMatch(/Ada/);
    expect(system).toMatch(/4242/);
    expect(system).not.toMatch(/4242 4242|424242/);
  });

  it('follows answer_from_docs, escalate and customer_declined', async () => {
    emulator.setRespond(() => ({
      toolCalls: [{ name: 'answer_from_docs', arguments: { question: 'What does Pro cost?' } }],
    }));
    expect(await plan('how much is pro?')).toMatchObject({
      action: 'answer-from-docs',
      question: 'What does Pro cost?',
    });
    emulator.setRespond(() => ({
      toolCalls: [{ name: 'escalate', arguments: { reason: 'upset' } }],
    }));
    expect(await plan('this is ridiculous')).toMatchObject({ action: 'escalate', reason: 'upset' });
    emulator.setRespond(() => ({
      toolCalls: [{ name: 'customer_declined', arguments: { message: 'No problem.' } }],
    }));
    expect(await plan('no')).toMatchObject({ action: 'customer-declined', text: 'No problem.' });
  });

  it('falls back to the offline plan on invalid arguments or a failing model', async () => {
    emulator.setRespond(() => ({
      toolCalls: [{ name: 'request_payment_update', arguments: '{' }],
    }));
    expect(await plan('yes')).toMatchObject({ action: 'request-payment', source: 'offline' });
    emulator.queueFault({ type: 'status', status: 500 }, { times: 5 });
    expect(await plan('not now')).toMatchObject({ action: 'customer-declined', source: 'offline' });
    emulator.clearFaults();
  });

  it('sends a plain reply when the model writes text without a tool', async () => {
    emulator.setRespond(() => ({ text: 'Happy to help, Ada.' }));
    expect(await plan('hello')).toEqual({
      action: 'reply',
      text: 'Happy to help, Ada.',
      source: 'model',
    });
  });
});
