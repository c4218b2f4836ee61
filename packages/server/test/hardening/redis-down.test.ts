/**
 * Redis down, on the real Redis at 127.0.0.1:6379 (reached through a TCP proxy so only this
 * suite's connection is cut): the rate limiter fails open to in-process counting by default
 * (limits still hold, per instance, and no request waits for Redis), or refuses with 503 when
 * configured `failureMode: 'closed'`; after `CLIENT KILL` of its connection it reconnects and
 * shares its counts through Redis again. The chat stream registry (Redis when `REDIS_URL` is
 * set) keeps new replies in process while Redis is away, so a reply streams whole (and stop and
 * resume work on the same instance). See docs/reliability.md.
 */
import { randomBytes } from 'node:crypto';
import type { StorageV1 } from '@churn/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, readChunks, type TestTenant } from '../../src/chat/chat-test-helpers.js';
import { createChurnHandler } from '../../src/handler/create-churn-handler.js';
import type { RateLimitOptions } from '../../src/limits/rate-limit-guard.js';
import { createPGliteStorage, type PostgresStorage } from '../../src/storage/postgres-storage.js';
import { memoryLogger, testServerSecret } from '../../src/tenants/tenant-test-helpers.js';
import { createTcpProxy } from './tcp-proxy.js';

const redisUrl = new URL(process.env.CHURN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
const keyPrefix = `churn:test:h3:${randomBytes(4).toString('hex')}:`;
const proxy = createTcpProxy({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
let redis: Redis;
let storage: PostgresStorage;
let tenant: TestTenant;
const handlers: ReturnType<typeof createChurnHandler>[] = [];

beforeAll(async () => {
  redis = new Redis(redisUrl.toString(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis is unreachable at ${redisUrl}: start it. This test does not skip.`, {
      cause: error,
    });
  }
  await proxy.listen();
  storage = await createPGliteStorage();
  tenant = await createTestTenant(storage as StorageV1, 'Acme');
}, 30_000);

afterAll(async () => {
  for (const handler of handlers) await handler.close?.();
  const keys = await redis.keys(`${keyPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await proxy.down();
  await storage?.close();
});

function handlerWith(rateLimits: RateLimitOptions) {
  const logger = memoryLogger();
  const handler = createChurnHandler({ storage, logger, secret: testServerSecret, rateLimits });
  handlers.push(handler);
  return { handler, logger };
}

const readRule = { read: { key: { limit: 5, windowMs: 60_000 } } } as const;

async function getTenant(handler: ReturnType<typeof createChurnHandler>) {
  const response = await handler(
    new Request('http://churn.test/api/tenant', {
      headers: { authorization: `Bearer ${tenant.secretKey}` },
    }),
  );
  const body = await response.text();
  return {
    status: response.status,
    remaining: Number(response.headers.get('x-ratelimit-remaining')),
    body,
    retryAfter: response.headers.get('retry-after'),
  };
}

async function closedPortUrl(): Promise<string> {
  const dead = createTcpProxy({ host: '127.0.0.1', port: 1 });
  await dead.listen();
  const { port } = dead;
  await dead.down();
  return `redis://127.0.0.1:${port}`;
}

describe('Redis down', () => {
  it('REDIS_URL at a closed port: fails open to in-process limits, which still hold', async () => {
    const previous = process.env.REDIS_URL;
    process.env.REDIS_URL = await closedPortUrl();
    try {
      const { handler, logger } = handlerWith({ rules: readRule });
      const answers = [];
      for (let index = 0; index < 6; index++) answers.push(await getTenant(handler));
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 429]);
      expect(JSON.parse(answers[5]!.body)).toMatchObject({ error: { code: 'rate_limited' } });
      expect(logger.lines.join('\n')).toMatch(/Redis rate limiter unavailable/);
    } finally {
      if (previous === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = previous;
    }
  });

  it("failureMode 'closed': answers 503 provider_error with retry-after, as documented", async () => {
    const { handler } = handlerWith({
      rules: readRule,
      redis: { url: await closedPortUrl(), failureMode: 'closed' },
    });
    const answer = await getTenant(handler);
    expect(answer.status).toBe(503);
    expect(answer.retryAfter).toBe('5');
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'provider_error' } });
    expect(answer.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  });

  it('a chat reply streams whole while Redis is down (its stream stays in process)', async () => {
    const previous = process.env.REDIS_URL;
    process.env.REDIS_URL = await closedPortUrl();
    let made: ReturnType<typeof handlerWith>;
    try {
      // REDIS_URL: the chat's replies in progress go to the Redis stream registry.
      made = handlerWith({ redis: { url: process.env.REDIS_URL } });
    } finally {
      if (previous === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = previous;
    }
    const { handler, logger } = made;
    const headers = {
      authorization: `Bearer ${tenant.publishableKey}`,
      'content-type': 'application/json',
      'x-churn-visitor-id': 'visitor-redis-down',
    };
    const created = await handler(
      new Request('http://churn.test/api/conversations', { method: 'POST', headers, body: '{}' }),
    );
    expect(created.status).toBe(201);
    const { conversation } = (await created.json()) as { conversation: { id: string } };
    const reply = await handler(
      new Request(`http://churn.test/api/conversations/${conversation.id}/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ text: 'How do I update my card?' }),
      }),
    );
    expect(reply.status).toBe(200);
    const chunks = await readChunks(reply);
    expect(chunks.at(-1)?.chunk).toBe('[DONE]');
    expect(chunks.map(({ chunk }) => (typeof chunk === 'string' ? chunk : chunk.type))).toContain(
      'finish',
    );
    const warnings = logger.lines.filter((line) =>
      /Redis chat stream registry unavailable/.test(line),
    );
    expect(warnings).toHaveLength(1);
  });

  it('CLIENT KILL of its connection: keeps answering, reconnects, and shares counts again', async () => {
    const url = `redis://127.0.0.1:${proxy.port}`;
    const { handler: first } = handlerWith({ rules: readRule, redis: { url, keyPrefix } });
    for (let index = 0; index < 3; index++) expect((await getTenant(first)).status).toBe(200);
    expect(await redis.keys(`${keyPrefix}*`)).not.toEqual([]);

    const connectionsBefore = proxy.connections;
    const addresses = proxy.upstreamAddresses();
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) {
      // The filter form answers how many clients were killed.
      expect(await redis.client('KILL', 'ADDR', address)).toBe(1);
    }
    // Answered at once, counted in Redis again or in process meanwhile: never an error.
    const during = await getTenant(first);
    expect([200, 429]).toContain(during.status);

    // ioredis reconnects on its own (through the proxy: a new connection).
    const deadline = Date.now() + 10_000;
    while (proxy.connections === connectionsBefore && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await getTenant(first);
    }
    expect(proxy.connections).toBeGreaterThan(connectionsBefore);

    // A second instance on the same Redis sees the first one's spending: the budget is
    // shared again, so it cannot pass more than the 5 requests of the rule in total.
    const { handler: second } = handlerWith({
      rules: readRule,
      redis: { url: redisUrl.toString(), keyPrefix, failureMode: 'closed' },
    });
    const answer = await getTenant(second);
    expect([200, 429]).toContain(answer.status);
    if (answer.status === 200) expect(answer.remaining).toBeLessThanOrEqual(1);
  }, 30_000);
});
