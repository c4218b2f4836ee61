import { createSandboxPaymentProvider, type StorageV1 } from '@churn/core';
import { createOpenAILanguageModel } from '@churn/core/openai';
import { type OpenAIEmulator, startOpenAIEmulator } from '@churn/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, type TestTenant } from '../chat/chat-test-helpers.js';
import { createPGliteStorage } from '../storage/postgres-storage.js';
import {
  createAtRiskCustomer,
  paymentParts,
  recoveryClient,
  startRecoveryServer,
} from './recovery-test-helpers.js';

describe('the recovery conversation with a language model (OpenAI emulator)', () => {
  let emulator: OpenAIEmulator;
  let storage: StorageV1;
  let tenant: TestTenant;
  let server: Awaited<ReturnType<typeof startRecoveryServer>>;
  let client: ReturnType<typeof recoveryClient>;

  beforeAll(async () => {
    emulator = await startOpenAIEmulator();
    storage = await createPGliteStorage();
    tenant = await createTestTenant(storage, 'Acme');
    const sandbox = createSandboxPaymentProvider();
    server = await startRecoveryServer({
      storage,
      payments: {
        provider: () => sandbox,
        languageModel: createOpenAILanguageModel({
          apiKey: emulator.apiKey,
          baseURL: emulator.url,
          maxRetries: 0,
        }),
      },
    });
    client = recoveryClient(server.url, tenant);
  });

  afterAll(async () => {
    await server?.close();
    await emulator?.close();
  });

  it('follows the scripted request_payment_update tool call with the card form', async () => {
    await createAtRiskCustomer(storage, tenant, { id: 'cust_llm', name: 'Lara Model' });
    const started = await client.startInterventions(['cust_llm']);
    const conversationId = (started.body.interventions as { conversationId: string }[])[0]!
      .conversationId;
    let offered: string[] = [];
    let lastUser = '';
    emulator.setRespond((request) => {
      offered = request.tools.map((tool) => tool.function.name);
      lastUser = request.lastUserMessage;
      return {
        toolCalls: [
          {
            name: 'request_payment_update',
            arguments: { message: 'Lovely, Lara. Pop the new card in below.' },
          },
        ],
      };
    });
    const reply = await client.send(conversationId, 'cust_llm', 'ok go on');
    expect(reply.text).toBe('Lovely, Lara. Pop the new card in below.');
    expect(paymentParts(reply.chunks)[0]).toMatchObject({
      step: 'payment-requested',
      mode: 'sandbox',
    });
    expect(offered).toContain('request_payment_update');
    expect(offered).toContain('answer_from_docs');
    expect(offered).toContain('escalate');
    expect(lastUser).toBe('ok go on');
    const conversation = await storage.conversations.get({
      tenantId: tenant.tenant.id,
      id: conversationId,
    });
    expect(conversation!.recovery!.status).toBe('payment-requested');
  });
});
