/**
 * The vendors failing under a real chat turn: the OpenAI emulator (chat and embeddings) and
 * the Pinecone emulator answer 429, 500, malformed bodies, hangs, dropped connections and cut
 * streams (their fault queues), while the real handler answers a widget over a socket. A
 * transient fault is retried and the customer gets the whole reply; a lasting one ends the
 * reply with the UI stream's `error` part (a friendly sentence, nothing internal) within the
 * bounded retries and timeouts, never a hung request; the customer's message is always kept
 * and the next turn works. Ingestion that fails on the embedder writes no document.
 */
import type { LanguageModelV1, StorageV1 } from '@churn/core';
import { createOpenAIEmbeddingModel, createOpenAILanguageModel } from '@churn/core/openai';
import { createPineconeVectorStore } from '@churn/core/pinecone';
import {
  type EmulatorFault,
  type OpenAIEmulator,
  type PineconeEmulator,
  startOpenAIEmulator,
  startPineconeEmulator,
} from '@churn/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestTenant,
  helpCentre,
  readChunks,
  startChatServer,
  type TestTenant,
  widgetHeaders,
} from '../../src/chat/chat-test-helpers.js';
import { createKnowledgeBaseCache } from '../../src/chat/knowledge-base-cache.js';
import { createPGliteStorage, type PostgresStorage } from '../../src/storage/postgres-storage.js';

const fast = { maxRetries: 2, initialRetryDelayMs: 5, timeoutMs: 800 };
let openai: OpenAIEmulator;
let pinecone: PineconeEmulator;
let storage: PostgresStorage;
let acme: TestTenant;
let server: Awaited<ReturnType<typeof startChatServer>>;
const figures: string[] = [];

beforeAll(async () => {
  openai = await startOpenAIEmulator();
  pinecone = await startPineconeEmulator({ dimension: 256 });
  storage = await createPGliteStorage();
  acme = await createTestTenant(storage as StorageV1, 'Acme');
  const languageModel: LanguageModelV1 = createOpenAILanguageModel({
    apiKey: openai.apiKey,
    baseURL: openai.url,
    ...fast,
  });
  const knowledgeBases = createKnowledgeBaseCache({
    languageModel,
    embedder: createOpenAIEmbeddingModel({
      apiKey: openai.apiKey,
      baseURL: openai.url,
      dimensions: 256,
      ...fast,
    }),
    vectorStore: createPineconeVectorStore({
      apiKey: pinecone.apiKey,
      indexHost: pinecone.url,
      dimensions: 256,
      ...fast,
    }),
  });
  server = await startChatServer({ storage, chat: { knowledgeBases } });
  const report = await knowledgeBases.forTenant(storage, acme.tenant.id).ingest(helpCentre);
  expect(report.totals.added).toBe(helpCentre.length);
}, 60_000);

afterAll(async () => {
  console.info(`[vendor-faults]\n${figures.join('\n')}`);
  await server?.close();
  await openai?.close();
  await pinecone?.close();
  await storage?.close();
});

const visitor = 'visitor-faults';

async function turn(text: string) {
  const created = await fetch(`${server.url}/api/conversations`, {
    method: 'POST',
    headers: widgetHeaders(acme, { visitor }),
    body: '{}',
  });
  expect(created.status).toBe(201);
  const { conversation } = (await created.json()) as { conversation: { id: string } };
  const started = performance.now();
  const response = await fetch(`${server.url}/api/conversations/${conversation.id}/messages`, {
    method: 'POST',
    headers: widgetHeaders(acme, { visitor }),
    body: JSON.stringify({ text }),
  });
  expect(response.status).toBe(200);
  const chunks = await readChunks(response);
  const elapsed = Math.round(performance.now() - started);
  const types = chunks.map(({ chunk }) => (typeof chunk === 'string' ? chunk : chunk.type));
  const error = chunks.find(({ chunk }) => typeof chunk !== 'string' && chunk.type === 'error')
    ?.chunk as { errorText: string } | undefined;
  const messages = await storage.messages.list({
    tenantId: acme.tenant.id,
    conversationId: conversation.id,
  });
  return { types, error, messages, elapsed };
}

type Outcome = Awaited<ReturnType<typeof turn>>;

function expectWhole(outcome: Outcome) {
  expect(outcome.types).toContain('finish');
  expect(outcome.types).not.toContain('error');
  expect(outcome.types.at(-1)).toBe('[DONE]');
  expect(outcome.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
}

function expectTechnicalFailure(outcome: Outcome) {
  expect(outcome.types).toContain('error');
  expect(outcome.types.at(-1)).toBe('[DONE]');
  expect(outcome.error?.errorText).toBeTruthy();
  expect(outcome.error?.errorText).not.toMatch(
    /127\.0\.0\.1|sk-|ECONN|status code|Error:|at .*\.js|openai|pinecone/i,
  );
  // What the customer wrote is kept, whatever happened to the reply.
  expect(outcome.messages[0]?.role).toBe('user');
}

const chatPath = '/v1/chat/completions';

describe('the language model failing', () => {
  const transient: [string, EmulatorFault][] = [
    ['429 with retry-after-ms', { type: 'status', status: 429, retryAfterMs: 5 }],
    ['500', { type: 'status', status: 500 }],
    ['503', { type: 'status', status: 503 }],
    ['a dropped connection', { type: 'disconnect' }],
    ['a hang (one attempt times out)', { type: 'hang' }],
  ];
  for (const [name, fault] of transient) {
    it(`retries ${name} once and streams the whole reply`, async () => {
      openai.clearFaults();
      openai.queueFault(fault, { path: chatPath });
      const outcome = await turn('How do I update my card?');
      figures.push(`model ${name} once: whole reply in ${outcome.elapsed} ms`);
      expectWhole(outcome);
    });
  }

  const lasting: [string, EmulatorFault][] = [
    ['429 every time', { type: 'status', status: 429, retryAfterMs: 5 }],
    ['500 every time', { type: 'status', status: 500 }],
    ['a malformed body', { type: 'malformed-body' }],
    ['a hang every time', { type: 'hang' }],
    ['401 (a bad key, not retried)', { type: 'status', status: 401 }],
  ];
  for (const [name, fault] of lasting) {
    it(`ends the reply with an error part on ${name}, without hanging`, async () => {
      openai.clearFaults();
      openai.queueFault(fault, { path: chatPath, times: fast.maxRetries + 1 });
      const outcome = await turn('How do I update my card?');
      figures.push(`model ${name}: error part after ${outcome.elapsed} ms`);
      expectTechnicalFailure(outcome);
      openai.clearFaults();
      expectWhole(await turn('And refunds?'));
    }, 30_000);
  }

  it('keeps what was written when the stream is cut mid-answer (state failed)', async () => {
    openai.clearFaults();
    openai.queueFault({ type: 'stream-cut', afterChunks: 3 }, { path: chatPath, times: 3 });
    const outcome = await turn('How do I update my card?');
    figures.push(
      `model stream cut after 3 chunks: ${outcome.types.includes('error') ? 'error part' : 'whole reply'} in ${outcome.elapsed} ms`,
    );
    expect(outcome.types.at(-1)).toBe('[DONE]');
    if (outcome.types.includes('error')) {
      expectTechnicalFailure(outcome);
      const reply = outcome.messages[1];
      if (reply) expect(reply.metadata).toMatchObject({ state: 'failed' });
    } else {
      expectWhole(outcome);
    }
    openai.clearFaults();
  }, 30_000);
});

describe('the embedder and the vector store failing', () => {
  it('answers from keyword search when query embeddings fail every time', async () => {
    openai.clearFaults();
    openai.queueFault({ type: 'status', status: 500 }, { path: '/v1/embeddings', times: 3 });
    const outcome = await turn('How long do refunds take?');
    figures.push(
      `embedder 500 x3 on the question: ${outcome.types.includes('error') ? 'error part' : 'whole reply'} in ${outcome.elapsed} ms`,
    );
    expect(outcome.types.at(-1)).toBe('[DONE]');
    expect(outcome.types).not.toContain('error');
    expectWhole(outcome);
    openai.clearFaults();
  }, 30_000);

  it('answers from keyword search when Pinecone hangs or answers garbage', async () => {
    for (const fault of [
      { type: 'hang' },
      { type: 'malformed-body' },
      { type: 'status', status: 500 },
    ] as EmulatorFault[]) {
      pinecone.clearFaults();
      pinecone.queueFault(fault, { times: 3 });
      const outcome = await turn('How do I update my card?');
      figures.push(
        `pinecone ${fault.type === 'status' ? fault.status : fault.type} x3: ${outcome.types.includes('error') ? 'error part' : 'whole reply'} in ${outcome.elapsed} ms`,
      );
      expect(outcome.types.at(-1)).toBe('[DONE]');
      expect(outcome.types).not.toContain('error');
      expectWhole(outcome);
    }
    pinecone.clearFaults();
  }, 30_000);

  it('an ingest whose embeddings fail writes no document (no half document)', async () => {
    const before = await storage.knowledge.listDocuments({ tenantId: acme.tenant.id });
    openai.clearFaults();
    openai.queueFault({ type: 'status', status: 500 }, { path: '/v1/embeddings', times: 3 });
    const knowledgeBase = server.knowledgeBases.forTenant(storage, acme.tenant.id);
    const outcome = await knowledgeBase
      .ingest([
        {
          type: 'text',
          id: 'chargebacks',
          title: 'Chargebacks',
          content: '# Chargebacks\n\nA chargeback is a disputed payment.',
        },
      ])
      .then(
        (report) => `report: ${JSON.stringify(report.totals)}`,
        (error: Error) => `error: ${error.message}`,
      );
    figures.push(`ingest with embedder 500 x3: ${outcome}`);
    openai.clearFaults();
    const after = await storage.knowledge.listDocuments({ tenantId: acme.tenant.id });
    expect(JSON.stringify(after)).not.toContain('chargebacks');
    expect(after.length).toBe(before.length);
  }, 30_000);
});
