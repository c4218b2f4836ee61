/**
 * Tenant isolation and credentials, over every route of the OpenAPI document (so a new route is
 * covered the day it lands). Tenant B owns real rows (a customer's conversation with messages,
 * an escalation, an A/B test, a document, an admin user, keys); tenant A's secret key, admin
 * access token and publishable key with a verified customer call every tenant-scoped route with
 * each of B's ids: the answer is 403 or 404 (400 when the body is refused before any lookup),
 * never 2xx, never 5xx, never one byte of B's data, and B's rows are unchanged afterwards.
 * A publishable key reaches no admin, key, tenant or billing route; no answer carries a secret.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StorageV1 } from '@churn/core';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChunks, waitFor } from '../../src/chat/chat-test-helpers.js';
import { createChurnHandler } from '../../src/handler/create-churn-handler.js';
import { signCustomerToken } from '../../src/identity/customer-token.js';
import { createAtRiskCustomer } from '../../src/recovery/recovery-test-helpers.js';
import { createPGliteStorage, type PostgresStorage } from '../../src/storage/postgres-storage.js';
import type { CreatedTenant } from '../../src/tenants/tenant-admin.js';
import {
  callApi,
  memoryLogger,
  testPlatformKey,
  testServerSecret,
} from '../../src/tenants/tenant-test-helpers.js';

interface Operation {
  method: string;
  /** OpenAPI form: `/api/conversations/{id}`. */
  path: string;
  security: Record<string, string[]>[];
}

interface Side {
  created: CreatedTenant;
  secretKey: string;
  publishableKey: string;
  accessToken: string;
  refreshToken: string;
  customerToken: string;
  adminEmail: string;
}

const password = 'correct horse battery staple';
let storage: PostgresStorage;
let handler: ReturnType<typeof createChurnHandler>;
let operations: Operation[];
let a: Side;
let b: Side;
/** Every id tenant B owns, by kind. */
const idsOfB = new Map<string, string>();
/** Text of B's rows that must never appear in an answer to A. */
const markersOfB: string[] = [];

async function createSide(name: string, email: string): Promise<Side> {
  const answer = await callApi<CreatedTenant>(handler, 'POST', '/api/tenants', {
    token: testPlatformKey,
    body: { name, admin: { name: `${name} admin`, email, password } },
  });
  expect(answer.status, answer.text).toBe(201);
  const created = answer.body;
  const signedIn = await callApi<{ accessToken: string; refreshToken: string }>(
    handler,
    'POST',
    '/api/auth/sign-in',
    { body: { tenantId: created.tenant.id, email, password } },
  );
  expect(signedIn.status, signedIn.text).toBe(200);
  return {
    created,
    secretKey: created.secretKey.key,
    publishableKey: created.publishableKey.key,
    accessToken: signedIn.body.accessToken,
    refreshToken: signedIn.body.refreshToken,
    customerToken: await signCustomerToken({
      tenantId: created.tenant.id,
      customerId: `cus_${name.toLowerCase().replace(/\W/g, '')}`,
      secret: created.identitySecret,
    }),
    adminEmail: email,
  };
}

async function snapshot(): Promise<Record<string, number>> {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'
    order by table_name`.execute(storage.db);
  const counts: Record<string, number> = {};
  for (const { table_name: table } of tables.rows) {
    const result = await sql<{ count: string | number }>`
      select count(*) as count from ${sql.table(table)}`.execute(storage.db);
    counts[table] = Number(result.rows[0]?.count ?? 0);
  }
  return counts;
}

/** B's own view of its rows, compared before and after the matrix. */
async function viewOfB(): Promise<string> {
  const paths = [
    `/api/conversations/${idsOfB.get('conversation')}`,
    '/api/keys',
    '/api/admin-users',
    '/api/escalations',
    '/api/ab-tests',
    '/api/tenant',
  ];
  const answers = [];
  for (const path of paths) {
    const answer = await callApi(handler, 'GET', path, { token: b.secretKey });
    // Drop what changes by itself (usage counters, last used dates).
    answers.push(answer.text.replace(/"(lastUsedAt|used|remaining|updatedAt)":[^,}]*/g, ''));
  }
  return answers.join('\n');
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
  a = await createSide('Acme Hardening', 'ada@acme.test');
  b = await createSide('Globex Hardening', 'bert@globex.test');
  const tenantB = { tenant: { id: b.created.tenant.id } } as Parameters<
    typeof createAtRiskCustomer
  >[1];
  await createAtRiskCustomer(storage as StorageV1, tenantB, {
    id: 'cus_globexhardening',
    name: 'Bertha Globexcustomer',
    email: 'bertha@globex.test',
  });
  const asB = (method: string, path: string, body?: unknown, token = b.secretKey) =>
    callApi(handler, method, path, { token, ...(body === undefined ? {} : { body }) });

  // A conversation of B's verified customer, with a reply, and an escalation.
  const widgetB = { 'x-churn-customer-token': b.customerToken };
  const conversation = await callApi<{ conversation: { id: string } }>(
    handler,
    'POST',
    '/api/conversations',
    { token: b.publishableKey, body: {}, headers: widgetB },
  );
  expect(conversation.status, conversation.text).toBe(201);
  const conversationId = conversation.body.conversation.id;
  idsOfB.set('conversation', conversationId);
  const reply = await handler(
    new Request(`http://churn.test/api/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${b.publishableKey}`,
        'content-type': 'application/json',
        ...widgetB,
      },
      body: JSON.stringify({ text: 'Globexonly question about my zebra invoice' }),
    }),
  );
  expect(reply.status).toBe(200);
  await readChunks(reply);
  const messages = await storage.messages.list({
    tenantId: b.created.tenant.id,
    conversationId,
  });
  for (const message of messages) idsOfB.set(`message:${message.role}`, message.id);
  const escalated = await callApi<{ escalation: { id: string } }>(
    handler,
    'POST',
    `/api/conversations/${conversationId}/escalate`,
    { token: b.publishableKey, body: {}, headers: widgetB },
  );
  if (escalated.status < 300 && escalated.body.escalation)
    idsOfB.set('escalation', escalated.body.escalation.id);
  const abTest = await asB('POST', '/api/ab-tests', {
    name: 'Globex tone test',
    variants: [{ name: 'A' }, { name: 'B' }],
  });
  expect(abTest.status, abTest.text).toBe(201);
  idsOfB.set('ab-test', (abTest.body as { test: { id: string } }).test.id);
  const job = await asB('POST', '/api/knowledge/sources', {
    kind: 'files',
    files: [{ name: 'globex.md', content: '# Globex zebra policy\n\nZebrapolicy text of Globex.' }],
  });
  expect(job.status, job.text).toBeLessThan(300);
  const jobId = (job.body as { job?: { id: string } }).job?.id;
  if (jobId) {
    idsOfB.set('job', jobId);
    await waitFor(async () => {
      const state = await asB('GET', `/api/knowledge/jobs/${jobId}`);
      return /"status":"(succeeded|failed)"/.test(state.text);
    }, 15_000);
    const documents = await asB('GET', '/api/knowledge/documents');
    const documentId = /"id":"([^"]+)"/.exec(documents.text)?.[1];
    if (documentId) idsOfB.set('document', documentId);
  }
  const keys = await asB('GET', '/api/keys');
  for (const key of (keys.body as { apiKeys: { id: string; prefix: string }[] }).apiKeys) {
    idsOfB.set(`key:${key.prefix}`, key.id);
    markersOfB.push(key.prefix);
  }
  idsOfB.set('admin-user', b.created.adminUser!.id);
  idsOfB.set('customer', 'cus_globexhardening');
  markersOfB.push(
    'Globex Hardening',
    'Globexonly',
    'zebra invoice',
    'Zebrapolicy',
    'Bertha Globexcustomer',
    'bertha@globex.test',
    b.adminEmail,
    b.secretKey,
    b.publishableKey,
    b.created.identitySecret,
  );
  const document = await callApi<{ paths: Record<string, Record<string, { security?: [] }>> }>(
    handler,
    'GET',
    '/api/openapi.json',
  );
  operations = Object.entries(document.body.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      security: (operation.security ?? []) as Record<string, string[]>[],
    })),
  );
}, 120_000);

afterAll(async () => {
  await handler?.close?.();
  await storage?.close();
});

/** Routes of the platform, of sign-in, of Stripe and of the hosted pages are not tenant-scoped. */
function tenantScoped(operation: Operation): boolean {
  if (operation.method === 'OPTIONS') return false;
  if (operation.security.length === 0) return false;
  return !operation.security.every((requirement) => 'platformKey' in requirement);
}

const bodies: Record<string, unknown> = {
  'POST /api/conversations/{id}/messages': { text: 'Tell me about Globex' },
  'POST /api/messages/{id}/feedback': { type: 'thumbs_down', rating: 1 },
  'POST /api/conversations/{id}/escalate': {},
  'PATCH /api/escalations/{id}': { status: 'resolved' },
  'POST /api/ab-tests/{id}/end': {},
  'POST /api/keys/{id}/revoke': {},
  'POST /api/keys/{id}/rotate': {},
  'PATCH /api/admin-users/{id}': { role: 'support-agent' },
  'PATCH /api/integrations/{id}': { enabled: false },
  'POST /api/integrations/{id}/test': {},
  'POST /api/admin/conversations/{id}/takeover': {},
  'POST /api/admin/conversations/{id}/messages': { text: 'Operator here' },
  'POST /api/admin/conversations/{id}/handback': {},
  'POST /api/conversations/{id}/payment/confirm': { setupIntentId: 'seti_123456' },
  'POST /api/conversations/{id}/payment/sandbox-confirm': {
    card: { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' },
  },
};

function credentialsOfA(operation: Operation) {
  const accepts = (scheme: string) =>
    operation.security.some((requirement) => scheme in requirement);
  const list: { name: string; token: string; headers?: Record<string, string> }[] = [];
  if (accepts('secretKey')) list.push({ name: 'secret key of A', token: a.secretKey });
  if (accepts('adminToken')) list.push({ name: 'admin token of A', token: a.accessToken });
  if (accepts('publishableKey'))
    list.push({
      name: 'publishable key + customer of A',
      token: a.publishableKey,
      headers: { 'x-churn-customer-token': a.customerToken },
    });
  return list;
}

/**
 * A GET as a client makes it; an event stream (the console's live events) is read for its
 * first chunk only, then closed.
 */
async function read(
  path: string,
  token: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const response = await handler(
    new Request(`http://churn.test${path}`, {
      headers: { authorization: `Bearer ${token}`, ...headers },
    }),
  );
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    return { status: response.status, text: await response.text() };
  }
  const reader = response.body!.getReader();
  const first = await reader.read();
  await reader.cancel();
  return {
    status: response.status,
    text: new TextDecoder().decode(first.value ?? new Uint8Array()),
  };
}

function leaks(text: string, sentId: string): string[] {
  return markersOfB.filter((marker) => marker !== sentId && text.includes(marker));
}

describe('tenant isolation: every route with tenant B ids and tenant A credentials', () => {
  it('answers 403 or 404 (or 400 before any lookup), with none of B data, and changes nothing of B', async () => {
    for (const kind of ['conversation', 'escalation', 'ab-test', 'job', 'document', 'admin-user'])
      expect(idsOfB.has(kind), kind).toBe(true);
    const before = await snapshot();
    const viewBefore = await viewOfB();
    const withParams = operations.filter(
      (operation) => tenantScoped(operation) && operation.path.includes('{'),
    );
    expect(withParams.length).toBeGreaterThan(20);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let calls = 0;
    for (const operation of withParams) {
      for (const credential of credentialsOfA(operation)) {
        for (const [kind, id] of idsOfB) {
          const path = operation.path.replace(/\{[^}]+\}/g, encodeURIComponent(id));
          const body = bodies[`${operation.method} ${operation.path}`];
          const withBody = operation.method !== 'GET' && operation.method !== 'HEAD';
          const answer = await callApi(handler, operation.method, path, {
            token: credential.token,
            ...(credential.headers ? { headers: credential.headers } : {}),
            ...(withBody ? { body: body ?? {} } : {}),
          });
          calls += 1;
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          const where = `${operation.method} ${operation.path} with ${kind} of B (${credential.name}): ${answer.status} ${answer.text.slice(0, 200)}`;
          const allowed =
            answer.status === 403 ||
            answer.status === 404 ||
            (answer.status === 400 && answer.body?.error?.code === 'validation_failed');
          if (!allowed) failures.push(where);
          const leaked = leaks(answer.text, id);
          if (leaked.length > 0) failures.push(`${where}: leaks ${leaked.join(', ')}`);
        }
      }
    }
    console.info(
      `[isolation] ${withParams.length} routes with ids, ${idsOfB.size} ids of B (${[...idsOfB.keys()].join(', ')}), ${calls} calls: ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(failures).toEqual([]);
    // Reaching the ownership check is the rule, validation first the exception.
    expect(statuses.get(404) ?? 0).toBeGreaterThan(statuses.get(400) ?? 0);
    expect(await viewOfB()).toBe(viewBefore);
    expect(await snapshot()).toEqual(before);
  }, 120_000);

  it("lists and reads without ids show none of B's data to A", async () => {
    const failures: string[] = [];
    for (const operation of operations.filter(
      (operation) =>
        tenantScoped(operation) && operation.method === 'GET' && !operation.path.includes('{'),
    )) {
      for (const credential of credentialsOfA(operation)) {
        const answer = await read(operation.path, credential.token, credential.headers);
        if (answer.status >= 500) failures.push(`${operation.path}: ${answer.status}`);
        const leaked = leaks(answer.text, '');
        if (leaked.length > 0)
          failures.push(`${operation.path} (${credential.name}) leaks ${leaked.join(', ')}`);
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it("the ids of the matrix are real: B's own credentials read them", async () => {
    const mine = await callApi(handler, 'GET', `/api/conversations/${idsOfB.get('conversation')}`, {
      token: b.secretKey,
    });
    expect(mine.status).toBe(200);
    expect(mine.text).toContain('zebra invoice');
  });
});

describe('a publishable key', () => {
  it('reaches no admin, key, tenant or billing route (billing needs a verified customer)', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const operation of operations.filter(tenantScoped)) {
      const anonymousAllowed = operation.security.some(
        (requirement) => 'publishableKey' in requirement && Object.keys(requirement).length === 1,
      );
      if (anonymousAllowed) continue;
      const path = operation.path.replace(/\{[^}]+\}/g, 'any_id');
      const withBody = operation.method !== 'GET' && operation.method !== 'HEAD';
      const answer = await callApi(handler, operation.method, path, {
        token: a.publishableKey,
        ...(withBody ? { body: bodies[`${operation.method} ${operation.path}`] ?? {} } : {}),
      });
      checked += 1;
      if (answer.status !== 401 && answer.status !== 403)
        failures.push(
          `${operation.method} ${operation.path}: ${answer.status} ${answer.text.slice(0, 120)}`,
        );
    }
    console.info(`[isolation] publishable key refused on ${checked} routes`);
    expect(checked).toBeGreaterThan(30);
    expect(failures).toEqual([]);
  }, 60_000);
});

describe('secrets never leave the server', () => {
  it('no answer of the matrix or of any read carries a key, a secret or a hash', async () => {
    const secrets = [
      a.secretKey,
      a.created.identitySecret,
      testServerSecret,
      testPlatformKey,
      a.refreshToken,
    ];
    const failures: string[] = [];
    for (const operation of operations.filter(
      (operation) => operation.method === 'GET' && !operation.path.includes('{'),
    )) {
      for (const token of [a.secretKey, a.accessToken, a.publishableKey, testPlatformKey]) {
        const answer = await read(operation.path, token);
        for (const secret of secrets) {
          if (answer.text.includes(secret))
            failures.push(`${operation.path} answers a secret (${secret.slice(0, 8)}...)`);
        }
        if (/key_?hash|password_?hash|scrypt\$|enc:v1:/i.test(answer.text))
          failures.push(`${operation.path} answers a hash or an encrypted value`);
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('the built widget bundle holds no key, secret or server-only code', async () => {
    const dist = fileURLToPath(new URL('../../../chat/dist/', import.meta.url));
    const files = (await readdir(dist, { recursive: true })).filter((file) =>
      /\.(m?js|css|html|json)$/.test(String(file)),
    );
    expect(files.length, 'build the widget first: pnpm --filter @churn/chat build').toBeGreaterThan(
      0,
    );
    for (const file of files) {
      const text = await readFile(join(dist, String(file)), 'utf8');
      expect(text, String(file)).not.toMatch(/sk_live_[A-Za-z0-9_-]{20,}/);
      expect(text, String(file)).not.toMatch(/cis_[A-Za-z0-9_-]{20,}/);
      expect(text, String(file)).not.toMatch(/crt_[A-Za-z0-9_-]{20,}/);
      expect(text, String(file)).not.toMatch(
        /CHURN_(SECRET|PLATFORM_KEY|ENCRYPTION_KEY)|identity_secret/,
      );
    }
  });
});
