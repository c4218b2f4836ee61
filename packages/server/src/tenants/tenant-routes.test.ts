import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChurnFetchHandler } from '../handler/create-churn-handler.js';
import { errorToResponse } from '../http/error-to-response.js';
import { hashApiKey } from '../identity/api-key.js';
import { createPGliteStorage, type PostgresStorage } from '../storage/postgres-storage.js';
import type { ApiKeyView, CreatedTenant, RevealedApiKey, TenantView } from './tenant-admin.js';
import type { WidgetConfig } from './tenant-routes.js';
import {
  callApi,
  createTestHandler,
  createTestTenant,
  testPlatformKey,
} from './tenant-test-helpers.js';
import { checkAndCountUsage, QuotaExceededError, type UsageReport } from './usage-quota.js';

let storage: PostgresStorage;
let handler: ChurnFetchHandler;

beforeAll(async () => {
  storage = await createPGliteStorage();
  handler = createTestHandler(storage);
});

afterAll(async () => {
  await storage?.close();
});

describe('platform tenant routes', () => {
  it('creates a tenant with keys and an identity secret shown once, and stores only hashes', async () => {
    const created = await createTestTenant(handler, {
      name: 'Acme',
      usageQuota: 500,
      customBranding: { primaryColor: '#635bff', greeting: 'Hello from Acme!' },
      allowedOrigins: ['https://shop.acme.test'],
    });
    expect(created.tenant).toMatchObject({
      name: 'Acme',
      usageQuota: 500,
      allowedOrigins: ['https://shop.acme.test'],
      hasIdentitySecret: true,
      customBranding: { primaryColor: '#635bff', greeting: 'Hello from Acme!' },
    });
    expect(created.secretKey.key).toMatch(/^sk_live_[A-Za-z0-9_-]{43}$/);
    expect(created.publishableKey.key).toMatch(/^pk_live_[A-Za-z0-9_-]{43}$/);
    expect(created.secretKey.apiKey.prefix).toBe(created.secretKey.key.slice(0, 14));
    expect(created.identitySecret).toMatch(/^cis_/);

    // The stored rows hold a SHA-256 hash and a prefix, never the key.
    const rows = await storage.db
      .selectFrom('api_keys')
      .selectAll()
      .where('tenant_id', '=', created.tenant.id)
      .execute();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const revealed = row.scope === 'secret' ? created.secretKey.key : created.publishableKey.key;
      expect(row.key_hash).toBe(hashApiKey(revealed));
      expect(JSON.stringify(row)).not.toContain(revealed);
      expect(revealed.startsWith(row.prefix)).toBe(true);
    }

    // Reading the tenant back reveals nothing secret.
    const read = await callApi<{ tenant: TenantView; usage: UsageReport }>(
      handler,
      'GET',
      `/api/tenants/${created.tenant.id}`,
      { token: testPlatformKey },
    );
    expect(read.status).toBe(200);
    expect(read.body.tenant).toEqual(created.tenant);
    expect(read.body.usage).toMatchObject({ used: 0, quota: 500, remaining: 500 });
    expect(read.text).not.toContain(created.identitySecret);
    expect(read.text).not.toContain(created.secretKey.key);
  });

  it('lists, updates and validates tenants', async () => {
    const created = await createTestTenant(handler, { name: 'Listed' });
    const list = await callApi<{ tenants: TenantView[] }>(
      handler,
      'GET',
      '/api/tenants?limit=1000',
      {
        token: testPlatformKey,
      },
    );
    expect(list.status).toBe(200);
    expect(list.body.tenants.map((tenant) => tenant.id)).toContain(created.tenant.id);

    const updated = await callApi<{ tenant: TenantView }>(
      handler,
      'PATCH',
      `/api/tenants/${created.tenant.id}`,
      {
        token: testPlatformKey,
        body: { name: 'Renamed', usageQuota: 42, allowedOrigins: ['https://a.test'] },
      },
    );
    expect(updated.status).toBe(200);
    expect(updated.body.tenant).toMatchObject({
      name: 'Renamed',
      usageQuota: 42,
      allowedOrigins: ['https://a.test'],
    });

    const invalid = await callApi(handler, 'PATCH', `/api/tenants/${created.tenant.id}`, {
      token: testPlatformKey,
      body: { usageQuota: -1, allowedOrigins: ['https://a.test/path'], color: 'red' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error?.code).toBe('validation_failed');
    expect(invalid.body.error?.message).toMatch(/usageQuota/);
    expect(invalid.body.error?.message).toMatch(/allowedOrigins/);

    const missing = await callApi(handler, 'GET', '/api/tenants/no-such-tenant', {
      token: testPlatformKey,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error?.message).toMatch(/no-such-tenant/);
  });

  it('deletes a tenant with everything it owns (keys, customers, documents)', async () => {
    const created = await createTestTenant(handler, { name: 'Doomed' });
    const tenantId = created.tenant.id;
    await storage.customers.create({
      tenantId,
      name: 'Casey',
      email: 'casey@example.com',
      accountStatus: 'active',
      accountValue: 49,
    });
    await storage.knowledge.replaceDocument({
      document: {
        id: 'doc-1',
        tenantId,
        sourceId: 'docs',
        contentHash: 'a'.repeat(64),
        sourceUrl: 'https://docs.doomed.test/billing',
        title: 'Billing',
        content: 'How billing works.',
        docType: 'guide',
        category: 'billing',
        lastUpdated: new Date(),
        scrapedAt: new Date(),
      },
      chunks: [],
    });
    await checkAndCountUsage({ storage, tenantId });
    const count = async (table: string) =>
      Number(
        (
          await sql<{
            count: string;
          }>`select count(*) as count from ${sql.table(table)} where tenant_id = ${tenantId}`.execute(
            storage.db,
          )
        ).rows[0]!.count,
      );
    expect(await count('api_keys')).toBe(2);
    expect(await count('customers')).toBe(1);
    expect(await count('documents')).toBe(1);
    expect(await count('usage_counters')).toBe(1);

    const deleted = await callApi(handler, 'DELETE', `/api/tenants/${tenantId}`, {
      token: testPlatformKey,
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ deleted: true, tenantId });
    for (const table of ['api_keys', 'customers', 'documents', 'usage_counters', 'admin_users']) {
      expect(await count(table), table).toBe(0);
    }
    // Its keys stop working at once.
    const after = await callApi(handler, 'GET', '/api/tenant', { token: created.secretKey.key });
    expect(after.status).toBe(401);
    const again = await callApi(handler, 'DELETE', `/api/tenants/${tenantId}`, {
      token: testPlatformKey,
    });
    expect(again.status).toBe(404);
  });

  it('refuses tenant keys and missing credentials on platform routes', async () => {
    const created = await createTestTenant(handler);
    const withSecret = await callApi(handler, 'GET', '/api/tenants', {
      token: created.secretKey.key,
    });
    expect(withSecret.status).toBe(403);
    expect(withSecret.body.error?.message).toMatch(/platform key/);
    const anonymous = await callApi(handler, 'GET', '/api/tenants');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await callApi(handler, 'GET', '/api/tenants', {
      token: `${testPlatformKey}x`,
    });
    expect(wrong.status).toBe(401);
  });
});

describe('API keys', () => {
  let tenant: CreatedTenant;
  beforeAll(async () => {
    tenant = await createTestTenant(handler, { name: 'Keys Inc' });
  });

  it('creates keys shown once, lists them by prefix only', async () => {
    const created = await callApi<RevealedApiKey>(handler, 'POST', '/api/keys', {
      token: tenant.secretKey.key,
      body: { scope: 'publishable', name: 'Marketing site' },
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^pk_live_/);
    expect(created.body.apiKey).toMatchObject({
      scope: 'publishable',
      name: 'Marketing site',
      status: 'active',
    });

    const list = await callApi<{ apiKeys: ApiKeyView[] }>(handler, 'GET', '/api/keys', {
      token: tenant.secretKey.key,
    });
    expect(list.status).toBe(200);
    expect(list.body.apiKeys.map((key) => key.id)).toContain(created.body.apiKey.id);
    expect(list.text).not.toContain(created.body.key);
    expect(list.text).not.toContain(tenant.secretKey.key);
    expect(list.text).not.toMatch(/keyHash|key_hash/);
  });

  it('answers 401 for a revoked key', async () => {
    const created = await callApi<RevealedApiKey>(handler, 'POST', '/api/keys', {
      token: tenant.secretKey.key,
      body: { scope: 'secret' },
    });
    expect((await callApi(handler, 'GET', '/api/tenant', { token: created.body.key })).status).toBe(
      200,
    );
    const revoked = await callApi<{ apiKey: ApiKeyView }>(
      handler,
      'POST',
      `/api/keys/${created.body.apiKey.id}/revoke`,
      { token: tenant.secretKey.key },
    );
    expect(revoked.status).toBe(200);
    expect(revoked.body.apiKey.status).toBe('revoked');
    const after = await callApi(handler, 'GET', '/api/tenant', { token: created.body.key });
    expect(after.status).toBe(401);
    expect(after.body.error?.message).toMatch(/revoked/);

    const hidden = await callApi<{ apiKeys: ApiKeyView[] }>(handler, 'GET', '/api/keys', {
      token: tenant.secretKey.key,
    });
    expect(hidden.body.apiKeys.map((key) => key.id)).not.toContain(created.body.apiKey.id);
    const shown = await callApi<{ apiKeys: ApiKeyView[] }>(
      handler,
      'GET',
      '/api/keys?includeRevoked=true',
      { token: tenant.secretKey.key },
    );
    expect(shown.body.apiKeys.map((key) => key.id)).toContain(created.body.apiKey.id);
  });

  it('rotates a key: the new one works, the old one does not', async () => {
    const created = await callApi<RevealedApiKey>(handler, 'POST', '/api/keys', {
      token: tenant.secretKey.key,
      body: { scope: 'secret', name: 'Backend' },
    });
    const rotated = await callApi<{ apiKey: ApiKeyView; key: string; previous: ApiKeyView }>(
      handler,
      'POST',
      `/api/keys/${created.body.apiKey.id}/rotate`,
      { token: tenant.secretKey.key },
    );
    expect(rotated.status).toBe(201);
    expect(rotated.body.key).toMatch(/^sk_live_/);
    expect(rotated.body.apiKey).toMatchObject({ scope: 'secret', name: 'Backend' });
    expect(rotated.body.previous.status).toBe('revoked');
    expect((await callApi(handler, 'GET', '/api/tenant', { token: rotated.body.key })).status).toBe(
      200,
    );
    expect((await callApi(handler, 'GET', '/api/tenant', { token: created.body.key })).status).toBe(
      401,
    );
    const twice = await callApi(handler, 'POST', `/api/keys/${created.body.apiKey.id}/rotate`, {
      token: tenant.secretKey.key,
    });
    expect(twice.status).toBe(409);
  });

  it('rotates with a grace period: the old key works until it ends', async () => {
    const created = await callApi<RevealedApiKey>(handler, 'POST', '/api/keys', {
      token: tenant.secretKey.key,
      body: { scope: 'publishable' },
    });
    const rotated = await callApi<{ key: string; previous: ApiKeyView }>(
      handler,
      'POST',
      `/api/keys/${created.body.apiKey.id}/rotate`,
      { token: tenant.secretKey.key, body: { gracePeriodSeconds: 3600 } },
    );
    expect(rotated.status).toBe(201);
    expect(rotated.body.key).toMatch(/^pk_live_/);
    expect(rotated.body.previous.status).toBe('expiring');
    expect(
      (await callApi(handler, 'GET', '/api/widget/config', { token: created.body.key })).status,
    ).toBe(200);
    // Revoking during the grace period ends it at once.
    await callApi(handler, 'POST', `/api/keys/${created.body.apiKey.id}/revoke`, {
      token: tenant.secretKey.key,
    });
    expect(
      (await callApi(handler, 'GET', '/api/widget/config', { token: created.body.key })).status,
    ).toBe(401);
    const tooLong = await callApi(handler, 'POST', `/api/keys/${rotated.body.previous.id}/rotate`, {
      token: tenant.secretKey.key,
      body: { gracePeriodSeconds: 10 * 24 * 3600 },
    });
    expect(tooLong.status).toBe(400);
  });

  it('keeps publishable keys out of admin and key routes', async () => {
    for (const [method, path, body] of [
      ['GET', '/api/keys', undefined],
      ['POST', '/api/keys', { scope: 'secret' }],
      ['GET', '/api/tenant', undefined],
      ['PATCH', '/api/tenant', { name: 'Hijacked' }],
      ['POST', '/api/tenant/identity-secret/rotate', undefined],
      ['GET', '/api/admin-users', undefined],
      ['POST', `/api/keys/${tenant.secretKey.apiKey.id}/revoke`, undefined],
    ] as const) {
      const answer = await callApi(handler, method, path, {
        token: tenant.publishableKey.key,
        ...(body ? { body } : {}),
      });
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.body.error?.code).toBe('forbidden');
    }
    const still = await callApi(handler, 'GET', '/api/tenant', { token: tenant.secretKey.key });
    expect(still.body).toMatchObject({ tenant: { name: 'Keys Inc' } });
  });

  it("never lets tenant A's secret key touch tenant B", async () => {
    const other = await createTestTenant(handler, { name: 'Other Co' });
    for (const path of [
      `/api/keys/${other.secretKey.apiKey.id}/revoke`,
      `/api/keys/${other.secretKey.apiKey.id}/rotate`,
    ]) {
      const answer = await callApi(handler, 'POST', path, { token: tenant.secretKey.key });
      expect(answer.status, path).toBe(404);
      expect(answer.text).not.toContain('Other Co');
    }
    const keys = await callApi<{ apiKeys: ApiKeyView[] }>(handler, 'GET', '/api/keys', {
      token: tenant.secretKey.key,
    });
    expect(keys.body.apiKeys.map((key) => key.id)).not.toContain(other.secretKey.apiKey.id);
    expect(
      (await callApi(handler, 'GET', '/api/tenant', { token: other.secretKey.key })).status,
    ).toBe(200);
    // The platform routes stay closed to tenant keys, whatever the id.
    const cross = await callApi(handler, 'GET', `/api/tenants/${other.tenant.id}`, {
      token: tenant.secretKey.key,
    });
    expect(cross.status).toBe(403);
    expect(cross.text).not.toContain('Other Co');
  });
});

describe('tenant settings', () => {
  it('changes name, branding and origins, but not the quota', async () => {
    const created = await createTestTenant(handler, { name: 'Settings Co' });
    const patched = await callApi<{ tenant: TenantView }>(handler, 'PATCH', '/api/tenant', {
      token: created.secretKey.key,
      body: {
        name: 'Settings Company',
        customBranding: { name: 'Help', primaryColor: '#112233' },
        allowedOrigins: ['https://help.settings.test', 'https://help.settings.test'],
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.tenant).toMatchObject({
      name: 'Settings Company',
      customBranding: { name: 'Help', primaryColor: '#112233' },
      allowedOrigins: ['https://help.settings.test'],
    });
    const quota = await callApi(handler, 'PATCH', '/api/tenant', {
      token: created.secretKey.key,
      body: { usageQuota: 1_000_000 },
    });
    expect(quota.status).toBe(400);
    expect(quota.body.error?.message).toMatch(/usageQuota.*platform/);
    const branding = await callApi(handler, 'PATCH', '/api/tenant', {
      token: created.secretKey.key,
      body: { customBranding: { primaryColour: '#112233' } },
    });
    expect(branding.status).toBe(400);
    expect(branding.body.error?.message).toMatch(/primaryColour/);
  });

  it('rotates the identity secret, shown once', async () => {
    const created = await createTestTenant(handler);
    const rotated = await callApi<{ identitySecret: string }>(
      handler,
      'POST',
      '/api/tenant/identity-secret/rotate',
      { token: created.secretKey.key },
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.identitySecret).toMatch(/^cis_/);
    expect(rotated.body.identitySecret).not.toBe(created.identitySecret);
    const read = await callApi(handler, 'GET', '/api/tenant', { token: created.secretKey.key });
    expect(read.text).not.toContain(rotated.body.identitySecret);
  });
});

describe('widget configuration and CORS', () => {
  const shop = 'https://shop.widget.test';
  let tenant: CreatedTenant;
  beforeAll(async () => {
    tenant = await createTestTenant(handler, {
      name: 'Widget Co',
      customBranding: { name: 'Widget Help', greeting: 'Hi there!', primaryColor: '#635bff' },
      allowedOrigins: [shop],
    });
  });

  it('serves branding, greeting and name to the publishable key, and nothing secret', async () => {
    const answer = await callApi<WidgetConfig>(handler, 'GET', '/api/widget/config', {
      token: tenant.publishableKey.key,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      tenantId: tenant.tenant.id,
      name: 'Widget Help',
      greeting: 'Hi there!',
      branding: { primaryColor: '#635bff' },
      customerVerified: false,
    });
    expect(answer.text).not.toContain(tenant.identitySecret);
    expect(answer.text).not.toMatch(/sk_live_|usageQuota|allowedOrigins/);
  });

  it('gives an allowed origin the CORS headers, and refuses another origin', async () => {
    const allowed = await callApi(handler, 'GET', '/api/widget/config', {
      token: tenant.publishableKey.key,
      headers: { origin: shop },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(shop);
    expect(allowed.headers.get('vary')).toMatch(/Origin/);
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();

    const other = await callApi(handler, 'GET', '/api/widget/config', {
      token: tenant.publishableKey.key,
      headers: { origin: 'https://evil.example' },
    });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.body.error?.message).toMatch(/allowed origins/);
    expect(other.text).not.toContain('Widget Help');
  });

  it('answers preflights only for origins a tenant allows', async () => {
    const preflight = (origin: string) =>
      handler(
        new Request('http://churn.test/api/widget/config', {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'authorization, x-churn-customer-token',
          },
        }),
      );
    const allowed = await preflight(shop);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(shop);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/x-churn-customer-token/);
    expect(allowed.headers.get('access-control-allow-methods')).toMatch(/GET/);

    const refused = await preflight('https://evil.example');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    // Admin routes have no preflight: browsers cannot call them from other sites.
    const admin = await handler(
      new Request('http://churn.test/api/keys', {
        method: 'OPTIONS',
        headers: { origin: shop, 'access-control-request-method': 'POST' },
      }),
    );
    expect(admin.status).toBe(405);
    expect(admin.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses secret keys and the platform key from web pages', async () => {
    const secret = await callApi(handler, 'GET', '/api/tenant', {
      token: tenant.secretKey.key,
      headers: { origin: shop },
    });
    expect(secret.status).toBe(403);
    expect(secret.body.error?.message).toMatch(/secret key/);
    expect(secret.headers.get('access-control-allow-origin')).toBeNull();
    const platform = await callApi(handler, 'GET', '/api/tenants', {
      token: testPlatformKey,
      headers: { origin: 'https://evil.example' },
    });
    expect(platform.status).toBe(403);
    // Same-origin requests (the console served by this server) are fine.
    const same = await callApi(handler, 'GET', '/api/tenant', {
      token: tenant.secretKey.key,
      headers: { origin: 'http://churn.test' },
    });
    expect(same.status).toBe(200);
  });
});

describe('usage quota', () => {
  it('counts turns per calendar month and answers 429 with the reset time at the limit', async () => {
    const created = await createTestTenant(handler, { name: 'Quota Co', usageQuota: 2 });
    const tenantId = created.tenant.id;
    const now = new Date('2025-01-31T23:59:00Z');
    const first = await checkAndCountUsage({ storage, tenantId, now });
    expect(first).toMatchObject({ used: 1, quota: 2, remaining: 1 });
    expect(first.resetsAt.toISOString()).toBe('2025-02-01T00:00:00.000Z');
    await checkAndCountUsage({ storage, tenantId, now });

    const refused = await checkAndCountUsage({ storage, tenantId, now }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(QuotaExceededError);
    const response = errorToResponse(refused);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('60');
    const body = (await response.json()) as {
      error: { code: string; message: string; resetsAt: string; quota: number };
    };
    expect(body.error).toMatchObject({
      code: 'quota_exceeded',
      resetsAt: '2025-02-01T00:00:00.000Z',
      quota: 2,
    });
    expect(body.error.message).toContain('2025-02-01T00:00:00.000Z');

    // The refused turn was not counted; the next month starts from zero.
    const again = await checkAndCountUsage({
      storage,
      tenantId,
      now: new Date('2025-02-01T00:00:01Z'),
    });
    expect(again.used).toBe(1);

    // Raising the quota lets the month go on.
    await callApi(handler, 'PATCH', `/api/tenants/${tenantId}`, {
      token: testPlatformKey,
      body: { usageQuota: 3 },
    });
    expect((await checkAndCountUsage({ storage, tenantId, now })).used).toBe(3);
  });

  it('never counts past the quota under concurrent turns', async () => {
    const created = await createTestTenant(handler, { name: 'Busy Co', usageQuota: 5 });
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, () =>
        checkAndCountUsage({ storage, tenantId: created.tenant.id }),
      ),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(5);
    const usage = await callApi<{ usage: UsageReport }>(handler, 'GET', '/api/tenant', {
      token: created.secretKey.key,
    });
    expect(usage.body.usage).toMatchObject({ used: 5, quota: 5, remaining: 0 });
  });

  it('refuses every turn with a quota of 0, and answers 404 for an unknown tenant', async () => {
    const created = await createTestTenant(handler, { name: 'Frozen Co', usageQuota: 0 });
    await expect(
      checkAndCountUsage({ storage, tenantId: created.tenant.id }),
    ).rejects.toMatchObject({ code: 'quota_exceeded' });
    await expect(checkAndCountUsage({ storage, tenantId: 'nobody' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
