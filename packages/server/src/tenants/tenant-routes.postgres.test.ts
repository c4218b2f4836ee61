import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { MountedServer } from '@churn/testing/conformance';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnLocalhost } from '../../test/fixtures/adapter-conformance.js';
import { toNodeHandler } from '../adapters/node/to-node-handler.js';
import type { AdminSessionTokens } from '../identity/admin-session.js';
import { signCustomerToken } from '../identity/customer-token.js';
import { createPostgresStorage, type PostgresStorage } from '../storage/postgres-storage.js';
import type { CreatedTenant, RevealedApiKey } from './tenant-admin.js';
import { createTestHandler, testPlatformKey } from './tenant-test-helpers.js';
import { checkAndCountUsage } from './usage-quota.js';

// Real PostgreSQL (DATABASE_URL, or the local server CI runs), in a schema of its own,
// with the handler served over a real socket by the node:http adapter. Unreachable is a
// failure, never a skip.
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `churn_test_${randomBytes(6).toString('hex')}`;

let storage: PostgresStorage;
let server: MountedServer;

beforeAll(async () => {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is unreachable at ${databaseUrl}: start it, or set DATABASE_URL. These tests do not skip.`,
      { cause: error },
    );
  }
  await client.end();
  storage = await createPostgresStorage({ databaseUrl, schema });
  server = await listenOnLocalhost(createServer(toNodeHandler(createTestHandler(storage))));
});

afterAll(async () => {
  await server?.close();
  await storage?.close();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
});

async function http<TBody>(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: TBody & { error?: { code: string } } }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

describe('tenants and identity on PostgreSQL over HTTP', () => {
  it('runs the whole life of a tenant: create, sign in, keys, widget, quota, delete', async () => {
    const shop = 'https://shop.postgres.test';
    const created = await http<CreatedTenant>('POST', '/api/tenants', {
      token: testPlatformKey,
      body: {
        name: 'Postgres Co',
        usageQuota: 3,
        allowedOrigins: [shop],
        customBranding: { greeting: 'Welcome!' },
        admin: { name: 'Pat', email: 'pat@postgres.test', password: 'a long enough password' },
      },
    });
    expect(created.status).toBe(201);
    const tenant = created.body;

    const session = await http<AdminSessionTokens>('POST', '/api/auth/sign-in', {
      body: {
        tenantId: tenant.tenant.id,
        email: 'pat@postgres.test',
        password: 'a long enough password',
      },
    });
    expect(session.status).toBe(200);
    const key = await http<RevealedApiKey>('POST', '/api/keys', {
      token: session.body.accessToken,
      body: { scope: 'publishable', name: 'Shop' },
    });
    expect(key.status).toBe(201);

    const customerToken = await signCustomerToken({
      tenantId: tenant.tenant.id,
      customerId: 'cus_pg',
      secret: tenant.identitySecret,
    });
    const widget = await http<{ greeting: string; customerVerified: boolean }>(
      'GET',
      '/api/widget/config',
      { token: key.body.key, headers: { origin: shop, 'x-churn-customer-token': customerToken } },
    );
    expect(widget.status).toBe(200);
    expect(widget.headers.get('access-control-allow-origin')).toBe(shop);
    expect(widget.body).toMatchObject({ greeting: 'Welcome!', customerVerified: true });

    const refused = await http('GET', '/api/widget/config', {
      token: key.body.key,
      headers: { origin: 'https://elsewhere.test' },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    // Real concurrency on a pool: exactly the quota is counted.
    const turns = await Promise.allSettled(
      Array.from({ length: 10 }, () => checkAndCountUsage({ storage, tenantId: tenant.tenant.id })),
    );
    expect(turns.filter((turn) => turn.status === 'fulfilled')).toHaveLength(3);
    const usage = await http<{ usage: { used: number } }>('GET', '/api/tenant', {
      token: tenant.secretKey.key,
    });
    expect(usage.body.usage.used).toBe(3);

    const revoked = await http('POST', `/api/keys/${key.body.apiKey.id}/revoke`, {
      token: session.body.accessToken,
    });
    expect(revoked.status).toBe(200);
    expect((await http('GET', '/api/widget/config', { token: key.body.key })).status).toBe(401);

    const deleted = await http('DELETE', `/api/tenants/${tenant.tenant.id}`, {
      token: testPlatformKey,
    });
    expect(deleted.status).toBe(200);
    const left = await storage.db
      .selectFrom('api_keys')
      .select('id')
      .where('tenant_id', '=', tenant.tenant.id)
      .execute();
    expect(left).toEqual([]);
    expect((await http('GET', '/api/auth/me', { token: session.body.accessToken })).status).toBe(
      401,
    );
  });
});
