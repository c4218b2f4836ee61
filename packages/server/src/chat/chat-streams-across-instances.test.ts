/**
 * Two instances of the server behind a load balancer: two handlers sharing one storage and
 * one Redis (the real one at 127.0.0.1:6379; unreachable is a failure, never a skip). With
 * `REDIS_URL` set, the chat's replies in progress live in Redis, so a customer whose
 * connection lands on the other instance resumes the reply, and stops it, there.
 */
import type { StorageV1 } from '@churn/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChurnHandler } from '../handler/create-churn-handler.js';
import { createPGliteStorage, type PostgresStorage } from '../storage/postgres-storage.js';
import {
  createGate,
  createMemoryLogger,
  createPacedLanguageModel,
  createTestTenant,
  helpCentre,
  type ReceivedChunk,
  readChunks,
  type TestTenant,
  textOf,
  waitFor,
  widgetHeaders,
} from './chat-test-helpers.js';
import { createKnowledgeBaseCache } from './knowledge-base-cache.js';

const redisUrl = process.env.CHURN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let redis: Redis;
let storage: PostgresStorage;
let tenant: TestTenant;
let instanceA: ReturnType<typeof createChurnHandler>;
let instanceB: ReturnType<typeof createChurnHandler>;
// The model of instance A: a test sets its gate and pace.
let gate: ReturnType<typeof createGate> | undefined;
let delayMs = 0;
const model = createPacedLanguageModel({
  wordByWord: true,
  get delayMs() {
    return delayMs;
  },
  gate: { wait: async () => gate?.wait() },
});

beforeAll(async () => {
  redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis is unreachable at ${redisUrl}: start it. This test does not skip.`, {
      cause: error,
    });
  }
  storage = await createPGliteStorage();
  tenant = await createTestTenant(storage as StorageV1, 'Acme');
  const knowledgeBases = createKnowledgeBaseCache({ languageModel: model });
  await knowledgeBases.forTenant(storage as StorageV1, tenant.tenant.id).ingest(helpCentre);
  const previous = process.env.REDIS_URL;
  process.env.REDIS_URL = redisUrl;
  try {
    const common = { storage, rateLimits: { enabled: false }, console: false } as const;
    instanceA = createChurnHandler({
      ...common,
      logger: createMemoryLogger(),
      chat: { knowledgeBases },
    });
    instanceB = createChurnHandler({ ...common, logger: createMemoryLogger() });
  } finally {
    if (previous === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = previous;
  }
}, 30_000);

afterAll(async () => {
  await instanceA?.close();
  await instanceB?.close();
  if (redis && tenant) {
    const keys = await redis.keys(`churn:chat-stream:${tenant.tenant.id}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis?.disconnect();
  await storage?.close();
});

function types(received: readonly ReceivedChunk[]): string[] {
  return received.map(({ chunk }) => (typeof chunk === 'string' ? chunk : chunk.type));
}

const deltas = (received: readonly ReceivedChunk[]) =>
  received.filter(({ chunk }) => typeof chunk !== 'string' && chunk.type === 'text-delta').length;

function call(
  handler: ReturnType<typeof createChurnHandler>,
  visitor: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  return handler(
    new Request(`http://churn.test${path}`, {
      method,
      headers: widgetHeaders(tenant, { visitor }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
}

async function createConversation(visitor: string): Promise<string> {
  const created = await call(instanceA, visitor, 'POST', '/api/conversations', {});
  expect(created.status).toBe(201);
  return ((await created.json()) as { conversation: { id: string } }).conversation.id;
}

describe('chat streams across two instances (Redis)', () => {
  it('resumes on B, from its start to its end, the reply A is generating', async () => {
    gate = createGate();
    delayMs = 5;
    const visitor = 'visitor-resume-elsewhere';
    const id = await createConversation(visitor);
    const reply = await call(instanceA, visitor, 'POST', `/api/conversations/${id}/messages`, {
      text: 'How do I change the card on file?',
    });
    expect(reply.status).toBe(200);
    const onA = readChunks(reply);
    // The model has started on A (and waits for the gate).
    await waitFor(() => gate!.waiting > 0);

    const view = await call(instanceB, visitor, 'GET', `/api/conversations/${id}`);
    expect(((await view.json()) as { streaming: boolean }).streaming).toBe(true);
    const resumed = await call(instanceB, visitor, 'GET', `/api/conversations/${id}/stream`);
    expect(resumed.status).toBe(200);
    expect(resumed.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    const onB = readChunks(resumed);
    gate.open();

    const [fromA, fromB] = await Promise.all([onA, onB]);
    expect(types(fromB)).toEqual(types(fromA));
    expect(types(fromB).slice(0, 2)).toEqual(['start', 'start-step']);
    expect(types(fromB).slice(-3)).toEqual(['finish-step', 'finish', '[DONE]']);
    expect(textOf(fromB)).toBe(textOf(fromA));
    expect(textOf(fromB)).toMatch(/Update card/);

    const messages = await storage.messages.list({
      tenantId: tenant.tenant.id,
      conversationId: id,
    });
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(messages[1]!.content).toBe(textOf(fromB));
    // Ended: nothing to resume on either instance.
    await waitFor(async () => {
      const after = await call(instanceB, visitor, 'GET', `/api/conversations/${id}`);
      return !((await after.json()) as { streaming: boolean }).streaming;
    });
    expect((await call(instanceB, visitor, 'GET', `/api/conversations/${id}/stream`)).status).toBe(
      204,
    );
  });

  it('stops on B the reply running on A: stored as stopped', async () => {
    gate = undefined;
    delayMs = 40;
    const visitor = 'visitor-stop-elsewhere';
    const id = await createConversation(visitor);
    const reply = await call(instanceA, visitor, 'POST', `/api/conversations/${id}/messages`, {
      text: 'How do I change the card on file and when is the new card charged?',
    });
    expect(reply.status).toBe(200);
    let stopped: Promise<Response> | undefined;
    const fromA = await readChunks(reply, (_chunk, all) => {
      if (!stopped && deltas(all) >= 2) {
        stopped = call(instanceB, visitor, 'POST', `/api/conversations/${id}/stop`);
      }
    });
    const stop = await stopped!;
    expect(stop.status).toBe(200);
    expect(await stop.json()).toEqual({ stopped: true });
    expect(types(fromA).slice(-4)).toEqual(['text-end', 'finish-step', 'abort', '[DONE]']);
    const partial = textOf(fromA);
    expect(partial.length).toBeGreaterThan(0);

    const messages = await storage.messages.list({
      tenantId: tenant.tenant.id,
      conversationId: id,
    });
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(messages[1]!.content).toBe(partial);
    expect(messages[1]!.metadata.state).toBe('stopped');
    // Nothing left to stop, on either instance.
    const again = await call(instanceB, visitor, 'POST', `/api/conversations/${id}/stop`);
    expect(await again.json()).toEqual({ stopped: false });
  });

  it('a new message on B stops the reply still streaming on A, then answers', async () => {
    gate = undefined;
    delayMs = 40;
    const visitor = 'visitor-replace-elsewhere';
    const id = await createConversation(visitor);
    const first = await call(instanceA, visitor, 'POST', `/api/conversations/${id}/messages`, {
      text: 'How do I change the card on file and when is the new card charged?',
    });
    let second: Promise<Response> | undefined;
    const fromA = await readChunks(first, (_chunk, all) => {
      if (!second && deltas(all) >= 2) {
        second = call(instanceB, visitor, 'POST', `/api/conversations/${id}/messages`, {
          text: 'How are refunds sent?',
        });
      }
    });
    expect(types(fromA).slice(-2)).toEqual(['abort', '[DONE]']);
    const answer = await second!;
    expect(answer.status).toBe(200);
    const fromB = await readChunks(answer);
    expect(types(fromB).slice(-2)).toEqual(['finish', '[DONE]']);
    const messages = await storage.messages.list({
      tenantId: tenant.tenant.id,
      conversationId: id,
    });
    expect(messages.map((message) => [message.role, message.metadata.state])).toEqual([
      ['user', undefined],
      ['assistant', 'stopped'],
      ['user', undefined],
      ['assistant', undefined],
    ]);
  });

  it('answers the next message on B once the reply on A has ended', async () => {
    delayMs = 0;
    gate = undefined;
    const visitor = 'visitor-next-elsewhere';
    const id = await createConversation(visitor);
    const first = await call(instanceA, visitor, 'POST', `/api/conversations/${id}/messages`, {
      text: 'How do refunds work?',
    });
    await readChunks(first);
    const second = await call(instanceB, visitor, 'POST', `/api/conversations/${id}/messages`, {
      text: 'How are refunds sent?',
    });
    expect(second.status).toBe(200);
    expect(types(await readChunks(second)).at(-1)).toBe('[DONE]');
  });
});
