import { randomBytes } from 'node:crypto';
import { createOfflineEmbeddingModel } from '@churn/core';
import { createOpenAIEmbeddingModel } from '@churn/core/openai';
import { type OpenAIEmulator, startOpenAIEmulator } from '@churn/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTestRedis } from '../../test/fixtures/test-redis.js';
import { createChurnHandler } from '../handler/create-churn-handler.js';
import {
  createRedisEmbeddingCache,
  type RedisEmbeddingCache,
} from '../knowledge/redis-embedding-cache.js';
import { createPGliteStorage, type PostgresStorage } from '../storage/postgres-storage.js';
import { createMemoryLogger, createTestTenant, helpCentre, waitFor } from './chat-test-helpers.js';
import { createKnowledgeBaseCache, sharedEmbeddingCacheOf } from './knowledge-base-cache.js';

/** The real Redis (required: the tests fail when it is not running); this run's keys are deleted at the end. */
const redis = useTestRedis('kb-embedding');
const redisUrl = redis.url;
const runPrefix = redis.prefix;

let emulator: OpenAIEmulator;
let storage: PostgresStorage;
let tenantId: string;

beforeAll(async () => {
  emulator = await startOpenAIEmulator();
  storage = await createPGliteStorage();
  tenantId = (await createTestTenant(storage, 'Acme')).tenant.id;
});

afterAll(async () => {
  await emulator?.close();
  await storage?.close();
});

const opened: RedisEmbeddingCache[] = [];
afterEach(async () => {
  emulator.requests.length = 0;
  for (const cache of opened.splice(0)) await cache.close();
});

function openAIEmbedder() {
  return createOpenAIEmbeddingModel({ apiKey: emulator.apiKey, baseURL: emulator.url });
}

/** The texts of every embeddings request the emulator received, one list per request. */
function embeddedInputs(): string[][] {
  return emulator.requests
    .filter((request) => request.path === '/v1/embeddings')
    .map((request) => {
      const input = (request.body as { input: string | string[] }).input;
      return Array.isArray(input) ? input : [input];
    });
}

function requestsFor(text: string): number {
  return embeddedInputs().filter((inputs) => inputs.includes(text)).length;
}

function redisCache(): RedisEmbeddingCache {
  const cache = createRedisEmbeddingCache({ url: redisUrl, prefix: runPrefix });
  opened.push(cache);
  return cache;
}

describe('createKnowledgeBaseCache: embedding cache', () => {
  it('embeds a repeated question once with the default (memory) cache', async () => {
    const knowledgeBase = createKnowledgeBaseCache({ embedder: openAIEmbedder() }).forTenant(
      storage,
      tenantId,
    );
    await knowledgeBase.ingest([helpCentre[0]!]);
    emulator.requests.length = 0;

    const question = 'How do I change the card on file?';
    const first = await knowledgeBase.search(question);
    const second = await knowledgeBase.search(question);
    expect(first.length).toBeGreaterThan(0);
    expect(second.map((chunk) => chunk.chunkId)).toEqual(first.map((chunk) => chunk.chunkId));
    expect(requestsFor(question)).toBe(1);

    await knowledgeBase.search('Where are my invoices?');
    expect(requestsFor('Where are my invoices?')).toBe(1);
    expect(embeddedInputs()).toHaveLength(2);
  });

  it("keeps each tenant's vectors to itself: another tenant's equal question is embedded again", async () => {
    const otherTenantId = (await createTestTenant(storage, 'Globex')).tenant.id;
    const cache = createKnowledgeBaseCache({ embedder: openAIEmbedder() });
    const acme = cache.forTenant(storage, tenantId);
    const globex = cache.forTenant(storage, otherTenantId);
    emulator.requests.length = 0;
    const question = `Do you offer an annual plan? ${randomBytes(3).toString('hex')}`;
    await acme.search(question);
    await acme.search(question);
    expect(requestsFor(question)).toBe(1);
    // Globex asking the very same text learns nothing from Acme's cache: it pays its own call.
    await globex.search(question);
    expect(requestsFor(question)).toBe(2);
    await globex.search(question);
    expect(requestsFor(question)).toBe(2);
  });

  it('does not embed the unchanged chunk texts of a re-ingested document again', async () => {
    const knowledgeBase = createKnowledgeBaseCache({ embedder: openAIEmbedder() }).forTenant(
      storage,
      tenantId,
    );
    const source = { ...helpCentre[0]!, id: 'reingest-card' };
    await knowledgeBase.ingest([source]);
    const before = embeddedInputs().flat().length;
    expect(before).toBeGreaterThan(0);
    // A copy under another id: same chunk texts, so no remote call.
    await knowledgeBase.ingest([{ ...source, id: 'reingest-card-copy' }]);
    expect(embeddedInputs().flat().length).toBe(before);
  });

  it('shares vectors between instances through Redis', async () => {
    const question = `Can I pay by bank transfer? ${randomBytes(3).toString('hex')}`;
    const instanceA = createKnowledgeBaseCache({
      embedder: openAIEmbedder(),
      embeddingCache: redisCache(),
    }).forTenant(storage, tenantId);
    const instanceB = createKnowledgeBaseCache({
      embedder: openAIEmbedder(),
      embeddingCache: redisCache(),
    }).forTenant(storage, tenantId);
    await instanceA.search(question);
    expect(requestsFor(question)).toBe(1);
    await instanceB.search(question);
    expect(requestsFor(question)).toBe(1);
    expect((await redis.admin().keys(`${runPrefix}*`)).length).toBeGreaterThan(0);
  });

  it('answers through the model when Redis is down, warning at most once a minute', async () => {
    const warnings: unknown[] = [];
    const unreachable = createRedisEmbeddingCache({ url: 'redis://127.0.0.1:1' });
    opened.push(unreachable);
    const knowledgeBase = createKnowledgeBaseCache({
      embedder: openAIEmbedder(),
      embeddingCache: unreachable,
      onEmbeddingCacheError: (error) => warnings.push(error),
    }).forTenant(storage, tenantId);
    const question = 'How do refunds work?';
    await knowledgeBase.search(question);
    await knowledgeBase.search(question);
    expect(requestsFor(question)).toBe(2);
    expect(warnings).toHaveLength(1);
  });

  it('is off with embeddingCache: false, and never wraps the offline embedder', async () => {
    const embedder = openAIEmbedder();
    const off = createKnowledgeBaseCache({ embedder, embeddingCache: false }).forTenant(
      storage,
      tenantId,
    );
    expect(off.settings.embedder).toBe(embedder);
    await off.search('Is there a free trial?');
    await off.search('Is there a free trial?');
    expect(requestsFor('Is there a free trial?')).toBe(2);

    const offline = createOfflineEmbeddingModel();
    expect(
      createKnowledgeBaseCache({ embedder: offline }).forTenant(storage, tenantId).settings
        .embedder,
    ).toBe(offline);
    const cached = createKnowledgeBaseCache({ embedder }).forTenant(storage, tenantId);
    expect(cached.settings.embedder).not.toBe(embedder);
    expect(cached.settings.embedder).toMatchObject({ provider: 'openai', dimensions: 1536 });
  });
});

describe('sharedEmbeddingCacheOf and createChurnHandler with REDIS_URL', () => {
  const saved = process.env.REDIS_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = saved;
  });

  it('makes a Redis cache only for a remote embedder with REDIS_URL and no cache chosen', async () => {
    const logger = createMemoryLogger();
    delete process.env.REDIS_URL;
    expect(sharedEmbeddingCacheOf({ embedder: openAIEmbedder() }, logger)).toBeUndefined();
    process.env.REDIS_URL = redisUrl;
    expect(sharedEmbeddingCacheOf(undefined, logger)).toBeUndefined();
    expect(
      sharedEmbeddingCacheOf({ embedder: createOfflineEmbeddingModel() }, logger),
    ).toBeUndefined();
    expect(
      sharedEmbeddingCacheOf({ embedder: openAIEmbedder(), embeddingCache: false }, logger),
    ).toBeUndefined();
    const shared = sharedEmbeddingCacheOf({ embedder: openAIEmbedder() }, logger);
    expect(shared).toBeDefined();
    await shared!.set([{ key: `${randomBytes(4).toString('hex')}`, embedding: [1] }]);
    await shared!.close();
  });

  it('opens the Redis connection with the handler and closes it with the handler', async () => {
    const connections = async () =>
      String(await redis.admin().client('LIST'))
        .split('\n')
        .filter((line) => line.includes('name=churn-embedding-cache')).length;
    const before = await connections();
    process.env.REDIS_URL = redisUrl;
    const handler = createChurnHandler({
      storage,
      logger: createMemoryLogger(),
      console: false,
      operations: { workers: false },
      chat: { knowledgeBase: { embedder: openAIEmbedder() } },
    });
    await waitFor(async () => (await connections()) === before + 1);
    await handler.close();
    await waitFor(async () => (await connections()) === before);
  });
});
