import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toNodeHandler } from '../adapters/node/to-node-handler.js';
import { createTestTenant } from '../chat/chat-test-helpers.js';
import { createChurnHandler } from '../handler/create-churn-handler.js';
import { signCustomerToken } from '../identity/customer-token.js';
import { createPGliteStorage, type PostgresStorage } from '../storage/postgres-storage.js';
import { callApi, memoryLogger, testServerSecret } from '../tenants/tenant-test-helpers.js';
import { clientAddressOf, setClientAddress } from './client-address.js';
import { createMemoryRateLimiter } from './memory-rate-limiter.js';
import { classifyRoute, type RateLimitOptions } from './rate-limit-guard.js';
import { createRedisRateLimiter } from './redis-rate-limiter.js';

let storage: PostgresStorage;
let tenant: Awaited<ReturnType<typeof createTestTenant>>;

beforeAll(async () => {
  storage = await createPGliteStorage();
  tenant = await createTestTenant(storage);
});
afterAll(async () => {
  await storage.close();
});

function handlerWith(rateLimits: RateLimitOptions) {
  return createChurnHandler({
    storage,
    secret: testServerSecret,
    logger: memoryLogger(),
    rateLimits,
  });
}

describe('classifyRoute', () => {
  it.each([
    ['POST', '/api/auth/sign-in', 'sign-in'],
    ['POST', '/api/auth/refresh', 'sign-in'],
    ['POST', '/api/chat', 'chat-turn'],
    ['POST', '/api/conversations/:id/messages', 'chat-turn'],
    ['GET', '/api/conversations/:id', 'read'],
    ['PATCH', '/api/tenant', 'write'],
    ['OPTIONS', '/api/chat', undefined],
    ['GET', '/healthz', undefined],
  ])('%s %s is %s', (method, path, expected) => {
    expect(classifyRoute(method, path)).toBe(expected);
  });
});

describe('rate limits in createChurnHandler', () => {
  it('answers 429 rate_limited with retry-after and x-ratelimit-* per API key', async () => {
    const handler = handlerWith({ rules: { read: { key: { limit: 2, windowMs: 60_000 } } } });
    const first = await callApi(handler, 'GET', '/api/widget/config', {
      token: tenant.publishableKey,
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(Number(first.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
    await callApi(handler, 'GET', '/api/widget/config', { token: tenant.publishableKey });
    const refused = await callApi(handler, 'GET', '/api/widget/config', {
      token: tenant.publishableKey,
    });
    expect(refused.status).toBe(429);
    expect(refused.body.error?.code).toBe('rate_limited');
    expect(refused.body.error?.message).toMatch(/with this API key.*retry after 30 s/);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    // Another key has its own allowance.
    const other = await callApi(handler, 'GET', '/api/tenant', { token: tenant.secretKey });
    expect(other.status).toBe(200);
  });

  it('limits sign-in strictly per client address (trustProxy)', async () => {
    const handler = handlerWith({ trustProxy: 1 });
    const body = {
      tenantId: tenant.tenant.id,
      email: 'nobody@example.com',
      password: 'wrong password!',
    };
    const statuses: number[] = [];
    for (let index = 0; index < 11; index++) {
      const answer = await callApi(handler, 'POST', '/api/auth/sign-in', {
        body,
        headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' },
      });
      statuses.push(answer.status);
    }
    expect(statuses.slice(0, 10).every((status) => status === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
    const elsewhere = await callApi(handler, 'POST', '/api/auth/sign-in', {
      body,
      headers: { 'x-forwarded-for': '203.0.113.10' },
    });
    expect(elsewhere.status).toBe(401);
  }, 30_000);

  it('counts a customer only once the route accepted the identity', async () => {
    const handler = handlerWith({
      rules: { read: { customer: { limit: 2, windowMs: 60_000 } } },
    });
    const forged = await signCustomerToken({
      tenantId: tenant.tenant.id,
      customerId: 'cus_victim',
      secret: `cis_${'x'.repeat(43)}`,
    });
    for (let index = 0; index < 5; index++) {
      const answer = await callApi(handler, 'GET', '/api/widget/config', {
        token: tenant.publishableKey,
        headers: { 'x-churn-customer-token': forged },
      });
      expect(answer.status).toBe(401);
    }
    const real = await signCustomerToken({
      tenantId: tenant.tenant.id,
      customerId: 'cus_victim',
      secret: tenant.identitySecret,
    });
    const statuses: number[] = [];
    for (let index = 0; index < 4; index++) {
      const answer = await callApi(handler, 'GET', '/api/widget/config', {
        token: tenant.publishableKey,
        headers: { 'x-churn-customer-token': real },
      });
      statuses.push(answer.status);
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
  });

  it('does not limit /healthz or preflights, and turns off with enabled: false', async () => {
    const handler = handlerWith({
      rules: { read: { key: { limit: 1, windowMs: 60_000 } } },
      enabled: false,
    });
    for (let index = 0; index < 3; index++) {
      const answer = await callApi(handler, 'GET', '/api/tenant', { token: tenant.secretKey });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-ratelimit-limit')).toBeNull();
    }
    const limited = handlerWith({
      rules: { read: { ip: { limit: 1, windowMs: 60_000 } } },
      clientAddress: () => '192.0.2.1',
    });
    for (let index = 0; index < 3; index++) {
      expect((await callApi(limited, 'GET', '/healthz')).status).toBe(200);
    }
  });

  it('lets the widget read a 429 from another origin', async () => {
    const handler = handlerWith({
      rules: { 'chat-turn': { ip: { limit: 1, windowMs: 60_000 } } },
      clientAddress: () => '192.0.2.2',
    });
    const send = () =>
      callApi(handler, 'POST', '/api/conversations/c_unknown/messages', {
        token: tenant.publishableKey,
        body: { text: 'hello' },
        headers: { origin: 'https://shop.example.com' },
      });
    await send();
    const refused = await send();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    expect(refused.headers.get('access-control-expose-headers')).toMatch(/retry-after/);
  });

  it('shares counts between two instances through the real Redis', async () => {
    const keyPrefix = `churn:test:guard:${Date.now()}:`;
    const makeLimiter = () =>
      createRedisRateLimiter({ url: 'redis://127.0.0.1:6379', keyPrefix, failureMode: 'closed' });
    const limiters = [makeLimiter(), makeLimiter()];
    const [first, second] = limiters.map((limiter) =>
      handlerWith({ limiter, rules: { read: { key: { limit: 3, windowMs: 60_000 } } } }),
    );
    const statuses: number[] = [];
    for (const handler of [first!, second!, first!, second!]) {
      statuses.push(
        (await callApi(handler, 'GET', '/api/tenant', { token: tenant.secretKey })).status,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    for (const limiter of limiters) await limiter.close();
  });
});

describe('client addresses', () => {
  it('the node:http bridge passes the socket address', async () => {
    const seen: (string | undefined)[] = [];
    const server = createServer(
      toNodeHandler(async (request) => {
        seen.push(clientAddressOf(request));
        return new Response('ok');
      }),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    await (
      await fetch(`http://127.0.0.1:${port}/`, { headers: { 'x-forwarded-for': '1.2.3.4' } })
    ).text();
    server.close();
    expect(seen).toEqual(['127.0.0.1']);
  });

  it('reads x-forwarded-for only as far as it is trusted', () => {
    const request = new Request('http://x/', {
      headers: { 'x-forwarded-for': 'spoofed, 198.51.100.7, 10.0.0.2' },
    });
    setClientAddress(request, '10.0.0.3');
    expect(clientAddressOf(request)).toBe('10.0.0.3');
    expect(clientAddressOf(request, { trustProxy: 1 })).toBe('10.0.0.2');
    expect(clientAddressOf(request, { trustProxy: 2 })).toBe('198.51.100.7');
    expect(clientAddressOf(request, { trustProxy: true })).toBe('spoofed');
    expect(clientAddressOf(request, { clientAddress: () => '192.0.2.9' })).toBe('192.0.2.9');
    expect(createMemoryRateLimiter().provider).toBe('memory');
  });
});
