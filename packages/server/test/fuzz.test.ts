/**
 * Generated bad input against every route of the real handler: each route comes from the
 * router itself (`GET /api`), never a hand list, so a new route is fuzzed the day it lands.
 * Requests carry malformed JSON, wrong types, huge strings, deep nesting, unknown ids,
 * another tenant's ids, bad, revoked and expired credentials, missing and garbage headers.
 * Every answer must be below 500 with `{ error: { code, message } }` for errors, and the
 * row count of every table must be unchanged afterwards.
 *
 * Valid credentials of tenant A are only sent where the input is certainly refused: reads,
 * paths holding unknown or tenant B's ids, and bodies the route's own schema rejects.
 */
import type { StorageV1 } from '@churn/core';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, type TestTenant } from '../src/chat/chat-test-helpers.js';
import { createChurnHandler } from '../src/handler/create-churn-handler.js';
import type { RouteOpenApi } from '../src/http/router.js';
import { signAdminAccessToken } from '../src/identity/admin-token.js';
import { signCustomerToken } from '../src/identity/customer-token.js';
import { routeDocumentation } from '../src/openapi/route-documentation.js';
import { createPGliteStorage, type PostgresStorage } from '../src/storage/postgres-storage.js';
import {
  memoryLogger,
  testPlatformKey,
  testServerSecret,
} from '../src/tenants/tenant-test-helpers.js';

interface IndexRoute {
  method: string;
  path: string;
}

let storage: PostgresStorage;
let handler: ReturnType<typeof createChurnHandler>;
let tenantA: TestTenant;
let tenantB: TestTenant;
let routes: IndexRoute[];
const foreignIds: string[] = [];
const credentials: { name: string; headers: Record<string, string>; valid: boolean }[] = [];

async function snapshot(): Promise<Record<string, number>> {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'
    order by table_name`.execute(storage.db);
  const counts: Record<string, number> = {};
  for (const { table_name: table } of tables.rows) {
    const result = await sql<{
      count: string | number;
    }>`select count(*) as count from ${sql.table(table)}`.execute(storage.db);
    counts[table] = Number(result.rows[0]?.count ?? 0);
  }
  return counts;
}

beforeAll(async () => {
  storage = await createPGliteStorage();
  handler = createChurnHandler({
    storage,
    platformKey: testPlatformKey,
    secret: testServerSecret,
    logger: memoryLogger(),
    rateLimits: { enabled: false },
  });
  tenantA = await createTestTenant(storage as StorageV1, 'Tenant A');
  tenantB = await createTestTenant(storage as StorageV1, 'Tenant B');
  // Tenant B's own rows: their ids must answer 404 to tenant A.
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await handler(
      new Request(`http://churn.test${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
    expect(response.status, `${method} ${path}`).toBeLessThan(300);
    return (await response.json()) as Record<string, unknown>;
  };
  const created = await call('POST', '/api/conversations', tenantB.secretKey, {});
  foreignIds.push(tenantB.tenant.id, (created.conversation as { id: string }).id);
  const keysOfB = (await call('GET', '/api/keys', tenantB.secretKey)).apiKeys as { id: string }[];
  for (const key of keysOfB) foreignIds.push(key.id);
  // A revoked key (of a third tenant).
  const revoked = await createTestTenant(storage as StorageV1, 'Tenant R');
  const keysOfR = (await call('GET', '/api/keys', revoked.secretKey)).apiKeys as {
    id: string;
    prefix: string;
  }[];
  const revokedKey = keysOfR.find((key) => revoked.secretKey.startsWith(key.prefix))!;
  await call('POST', `/api/keys/${revokedKey.id}/revoke`, revoked.secretKey);
  const expiredCustomer = await signCustomerToken({
    tenantId: tenantA.tenant.id,
    customerId: 'cus_a',
    secret: tenantA.identitySecret,
    now: new Date(Date.now() - 3 * 3600_000),
    expiresInSeconds: 60,
  });
  const foreignCustomer = await signCustomerToken({
    tenantId: tenantB.tenant.id,
    customerId: 'cus_b',
    secret: tenantB.identitySecret,
  });
  const expiredAdmin = await signAdminAccessToken({
    secret: testServerSecret,
    tenantId: tenantA.tenant.id,
    adminUserId: 'adm_nobody',
    role: 'admin',
    sessionId: 'ses_nobody',
    now: new Date(Date.now() - 3 * 3600_000),
  });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  credentials.push(
    { name: 'none', headers: {}, valid: false },
    { name: 'not bearer', headers: { authorization: 'Basic dXNlcjpwYXNz' }, valid: false },
    { name: 'empty bearer', headers: { authorization: 'Bearer ' }, valid: false },
    { name: 'unknown key', headers: bearer(`pk_live_${'A'.repeat(43)}`), valid: false },
    { name: 'unknown secret key', headers: bearer(`sk_live_${'B'.repeat(43)}`), valid: false },
    { name: 'revoked key', headers: bearer(revoked.secretKey), valid: false },
    { name: 'wrong platform key', headers: bearer(`${testPlatformKey}x`), valid: false },
    { name: 'expired admin token', headers: bearer(expiredAdmin.token), valid: false },
    {
      name: 'forged jwt',
      headers: bearer('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'),
      valid: false,
    },
    {
      name: 'expired customer token',
      headers: { ...bearer(tenantA.publishableKey), 'x-churn-customer-token': expiredCustomer },
      valid: false,
    },
    {
      name: "other tenant's customer token",
      headers: { ...bearer(tenantA.publishableKey), 'x-churn-customer-token': foreignCustomer },
      valid: false,
    },
    {
      name: 'hash without id',
      headers: { ...bearer(tenantA.publishableKey), 'x-churn-customer-hash': 'ab'.repeat(32) },
      valid: false,
    },
    {
      name: 'bad visitor id',
      headers: { ...bearer(tenantA.publishableKey), 'x-churn-visitor-id': '<script>' },
      valid: false,
    },
    { name: 'publishable key of A', headers: bearer(tenantA.publishableKey), valid: true },
    { name: 'secret key of A', headers: bearer(tenantA.secretKey), valid: true },
  );
  const index = await handler(new Request('http://churn.test/api'));
  routes = ((await index.json()) as { routes: IndexRoute[] }).routes;
}, 60_000);

afterAll(async () => {
  await handler?.close?.();
  await storage?.close();
});

const deepArray = `${'['.repeat(5000)}${']'.repeat(5000)}`;
const deepObject = `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`;

/** Bodies no route accepts: text, JSON of the wrong shape, oversize, deeply nested. */
const badBody = fc.oneof(
  fc.string({ maxLength: 200 }).map((text) => `{${text}`),
  fc.constantFrom('', 'null', 'true', '42', '"text"', '[]', '[{}]', '{"a":', '\u0000', '{}}'),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify([value])),
  fc
    .record({
      text: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string())),
      name: fc.oneof(fc.integer(), fc.constant({})),
      email: fc.oneof(fc.integer(), fc.string({ maxLength: 5 })),
      scope: fc.integer(),
      messages: fc.string(),
      status: fc.integer(),
      tenantId: fc.constant(null),
    })
    .map((value) => JSON.stringify({ ...value, __unknown__: true })),
  fc.constant(JSON.stringify({ text: 'x'.repeat(300_000) })),
  fc.constant(`"${'x'.repeat(1024 * 1024 + 10)}"`),
  fc.constantFrom(deepArray, deepObject),
);

const badId = fc.oneof(
  fc.constantFrom(
    'does_not_exist',
    '0',
    '-1',
    '..',
    '%00',
    'a'.repeat(300),
    "' or 1=1 --",
    '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  ),
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.constantFrom(...[0, 1, 2, 3].map((index) => `foreign:${index}`)),
);

const badQuery = fc.constantFrom(
  '',
  '?limit=-1',
  '?limit=abc&offset=-5',
  '?offset=99999999999999999999',
  '?limit=1e309',
  '?status=nope&from=yesterday&to=%ZZ',
  `?q=${'x'.repeat(5000)}`,
  '?metrics=__proto__&interval=century',
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  undefined,
);

const extraHeaders = fc.constantFrom<Record<string, string>>(
  {},
  { origin: 'https://evil.example' },
  { 'content-length': '999999999' },
  { 'x-churn-customer-id': 'cus_x' },
  { 'stripe-signature': 't=1,v1=deadbeef' },
);

function fillPath(path: string, ids: string[]): string {
  let index = 0;
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)|\*$/g, () => {
    const id = ids[index++ % ids.length] ?? 'x';
    const resolved = id.startsWith('foreign:')
      ? (foreignIds[Number(id.slice(8)) % foreignIds.length] ?? 'x')
      : id;
    return encodeURIComponent(resolved);
  });
}

/** The route's body schema, when documented: valid credentials only go with bodies it refuses. */
function bodySchemaOf(route: IndexRoute): RouteOpenApi['requestBody'] {
  return routeDocumentation[`${route.method} ${route.path}`]?.requestBody;
}

function certainlyRefused(route: IndexRoute, body: string, hasIds: boolean): boolean {
  if (route.method === 'GET' || route.method === 'HEAD' || route.method === 'OPTIONS') return true;
  if (hasIds) return true;
  const schema = bodySchemaOf(route);
  if (!schema) return false;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return true;
  }
  return !schema.safeParse(value).success;
}

describe('fuzz: every route with bad input', () => {
  it('never answers 5xx, always answers errors as JSON, and changes no stored row', async () => {
    expect(routes.length).toBeGreaterThan(20);
    const before = await snapshot();
    const seen = new Set<string>();
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: routes.length - 1 }),
        fc.nat({ max: credentials.length - 1 }),
        fc.array(badId, { minLength: 1, maxLength: 3 }),
        badBody,
        badQuery,
        contentType,
        extraHeaders,
        async (routeIndex, credentialIndex, ids, body, query, type, extra) => {
          const route = routes[routeIndex]!;
          const hasIds = /:|\*$/.test(route.path);
          let credential = credentials[credentialIndex]!;
          if (credential.valid && !certainlyRefused(route, body, hasIds))
            credential = credentials[0]!;
          // Ids of tenant A itself would be valid input: only unknown and foreign ones here.
          const headers = new Headers({ ...extra, ...credential.headers });
          if (type) headers.set('content-type', type);
          if (extra['content-length']) headers.delete('content-length');
          const withBody = route.method !== 'GET' && route.method !== 'HEAD';
          const request = new Request(`http://churn.test${fillPath(route.path, ids)}${query}`, {
            method: route.method,
            headers,
            ...(withBody ? { body } : {}),
          });
          const response = await handler(request);
          // A live event stream that was accepted never ends: its body is not read.
          const streaming =
            response.status < 400 &&
            (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
          if (streaming) await response.body?.cancel();
          const text = streaming ? '' : await response.text();
          seen.add(`${route.method} ${route.path}`);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const where = `${route.method} ${route.path} (${credential.name}, body ${body.slice(0, 60)}...) answered ${response.status}`;
          if (response.status >= 500) failures.push(`${where}: ${text.slice(0, 300)}`);
          if (response.status >= 400 && route.path.startsWith('/api')) {
            let parsed: { error?: { code?: unknown; message?: unknown } } | undefined;
            try {
              parsed = JSON.parse(text);
            } catch {
              failures.push(`${where}: error body is not JSON: ${text.slice(0, 200)}`);
              return;
            }
            if (
              typeof parsed?.error?.code !== 'string' ||
              typeof parsed.error.message !== 'string'
            ) {
              failures.push(
                `${where}: error body is not { error: { code, message } }: ${text.slice(0, 200)}`,
              );
            }
          }
        },
      ),
      {
        numRuns: Number(process.env.CHURN_FUZZ_RUNS ?? 3000),
        seed: Number(process.env.CHURN_FUZZ_SEED ?? 20261122),
      },
    );
    expect(failures.slice(0, 20)).toEqual([]);
    expect(await snapshot()).toEqual(before);
    // The bad input was refused for each of its reasons, not just one.
    for (const status of [400, 401, 404, 413, 415]) {
      expect(
        statuses.get(status) ?? 0,
        `answers with status ${status}: ${JSON.stringify([...statuses])}`,
      ).toBeGreaterThan(0);
    }
    // Every route was reached at least once (fast-check spreads the runs over them).
    expect(routes.filter((route) => !seen.has(`${route.method} ${route.path}`))).toEqual([]);
  }, 120_000);

  it('refuses oversize and deeply nested bodies early (413 / 400)', async () => {
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      handler(
        new Request(`http://churn.test${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${tenantA.secretKey}`,
            ...headers,
          },
          body,
        }),
      );
    expect((await post('/api/keys', `"${'x'.repeat(1024 * 1024 + 1)}"`)).status).toBe(413);
    expect(
      (await post('/api/conversations/c_1/messages', JSON.stringify({ text: 'x'.repeat(40_000) })))
        .status,
    ).toBe(413);
    expect(
      (await post('/api/keys', '{}', { 'content-length': String(50 * 1024 * 1024) })).status,
    ).toBe(413);
    const nested = await post('/api/keys', deepArray);
    expect(nested.status).toBe(400);
    expect(((await nested.json()) as { error: { code: string } }).error.code).toBe(
      'validation_failed',
    );
  });
});
