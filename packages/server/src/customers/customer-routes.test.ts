import type { StorageV1 } from '@churn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminTokenFor,
  bearer,
  startConsoleServer,
} from '../admin-conversations/console-test-helpers.js';
import { kyselyOf } from '../analytics/kysely-of.js';
import { createTestTenant, type TestTenant } from '../chat/chat-test-helpers.js';
import { createPGliteStorage } from '../storage/postgres-storage.js';
import { seedCustomers } from './seed-customers.js';

interface Row {
  id: string;
  name: string;
  status: string;
  severity: string | null;
  riskCategory: string | null;
  monthlyValueCents: number;
  updatedAt: string;
  card: { brand: string; last4: string } | null;
  lastInterventionAt: string | null;
}
interface Page {
  customers: Row[];
  nextCursor: string | null;
  total: number;
  totalIsEstimate?: boolean;
}

describe('GET /api/customers (PGlite)', () => {
  let storage: StorageV1;
  let tenant: TestTenant;
  let other: TestTenant;
  let server: Awaited<ReturnType<typeof startConsoleServer>>;
  let agent: string;

  beforeAll(async () => {
    storage = await createPGliteStorage();
    tenant = await createTestTenant(storage, 'Acme');
    other = await createTestTenant(storage, 'Globex');
    const db = kyselyOf(storage)!;
    await seedCustomers(db, { tenantId: tenant.tenant.id, count: 1200 });
    await seedCustomers(db, { tenantId: other.tenant.id, count: 50, prefix: 'glx_' });
    server = await startConsoleServer({ storage });
    agent = await adminTokenFor(storage, tenant.tenant.id, 'support-agent');
  });

  afterAll(async () => {
    await server?.close();
    await storage?.close();
  });

  const get = async (path: string, token = agent) => {
    const response = await fetch(`${server.url}${path}`, { headers: bearer(token) });
    return {
      status: response.status,
      body: (await response.json()) as Page & Record<string, never>,
    };
  };

  const walk = async (query: string, limit: number) => {
    const seen: Row[] = [];
    const totals = new Set<number>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const suffix: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const { status, body } = await get(`/api/customers?${query}&limit=${limit}${suffix}`);
      expect(status).toBe(200);
      seen.push(...body.customers);
      // Counted once on the first page, then carried by the cursor.
      totals.add(body.total);
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor);
    expect([...totals]).toEqual([seen.length]);
    return { seen, pages };
  };

  it('pages through every customer once, in a stable order with ties (value asc, then id)', async () => {
    const { seen, pages } = await walk('sort=value&order=asc', 97);
    expect(seen).toHaveLength(1200);
    expect(pages).toBe(Math.ceil(1200 / 97));
    expect(new Set(seen.map((row) => row.id)).size).toBe(1200);
    for (let index = 1; index < seen.length; index++) {
      const [a, b] = [seen[index - 1]!, seen[index]!];
      const ordered =
        a.monthlyValueCents < b.monthlyValueCents ||
        (a.monthlyValueCents === b.monthlyValueCents && a.id < b.id);
      expect(ordered, `${a.id} before ${b.id}`).toBe(true);
    }
  });

  it('pages by updatedAt desc and by severity with filters, never mixing tenants', async () => {
    const { seen } = await walk('sort=updatedAt&order=desc', 200);
    expect(seen).toHaveLength(1200);
    expect(seen.every((row) => row.id.startsWith('cust_'))).toBe(true);
    for (let index = 1; index < seen.length; index++) {
      const [a, b] = [seen[index - 1]!, seen[index]!];
      expect(a.updatedAt > b.updatedAt || (a.updatedAt === b.updatedAt && a.id > b.id)).toBe(true);
    }
    const atRisk = await walk('status=at-risk&sort=severity&order=desc', 50);
    expect(atRisk.seen).toHaveLength(300);
    const rank = { high: 3, medium: 2, low: 1 } as Record<string, number>;
    for (let index = 1; index < atRisk.seen.length; index++) {
      expect(rank[atRisk.seen[index - 1]!.severity!]! >= rank[atRisk.seen[index]!.severity!]!).toBe(
        true,
      );
    }
  });

  it('filters by risk category, severity, value range and text, with the exact total', async () => {
    const { body } = await get(
      '/api/customers?status=at-risk&riskCategory=failed-payment&severity=high&minValue=10000&maxValue=30000&limit=200',
    );
    expect(body.total).toBe(body.customers.length);
    expect(body.totalIsEstimate).toBeUndefined();
    expect(body.customers.length).toBeGreaterThan(0);
    for (const row of body.customers) {
      expect(row).toMatchObject({
        status: 'at-risk',
        riskCategory: 'failed-payment',
        severity: 'high',
      });
      expect(row.monthlyValueCents).toBeGreaterThanOrEqual(10000);
      expect(row.monthlyValueCents).toBeLessThanOrEqual(30000);
    }
    const search = await get('/api/customers?q=customer77%40example.com');
    expect(search.body.customers.map((row) => row.id)).toEqual(['cust_0000077']);
    const byId = await get('/api/customers?q=cust_0000078');
    expect(byId.body.customers.map((row) => row.id)).toEqual(['cust_0000078']);
    const wildcard = await get('/api/customers?q=%25');
    expect(wildcard.body.total).toBe(0);
    const all = await get('/api/customers');
    expect(all.body).toMatchObject({ total: 1200 });
    expect(all.body.customers).toHaveLength(50);
  });

  it('refuses bad queries and cursors with a clear 400', async () => {
    const bad = await get('/api/customers?sort=color&limit=0');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/sort/);
    const range = await get('/api/customers?minValue=500&maxValue=100');
    expect(range.status).toBe(400);
    expect(JSON.stringify(range.body)).toMatch(/maxValue/);
    const cursor = await get('/api/customers?cursor=not-a-cursor');
    expect(cursor.status).toBe(400);
    expect(cursor.body).toMatchObject({ error: { code: 'validation_failed' } });
    const first = await get('/api/customers?sort=name&limit=5');
    const mixed = await get(
      `/api/customers?sort=value&cursor=${encodeURIComponent(first.body.nextCursor!)}`,
    );
    expect(mixed.status).toBe(400);
    expect((mixed.body as unknown as { error: { message: string } }).error.message).toMatch(
      /another sort order/,
    );
  });

  it('refuses roles without customers:read and keys of the widget', async () => {
    const developer = await adminTokenFor(storage, tenant.tenant.id, 'developer');
    const refused = await get('/api/customers', developer);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'forbidden' } });
    const widget = await get('/api/customers', tenant.publishableKey);
    expect(widget.status).toBe(403);
    const secret = await get('/api/customers?limit=1', tenant.secretKey);
    expect(secret.status).toBe(200);
    const anonymous = await fetch(`${server.url}/api/customers`);
    expect(anonymous.status).toBe(401);
  });

  it('shows one customer with cards, conversations and invoices; another tenant’s id is 404', async () => {
    const tenantId = tenant.tenant.id;
    await storage.paymentMethods.create({
      tenantId,
      customerId: 'cust_0000004',
      cardType: 'visa',
      lastFourDigits: '4242',
      expiryMonth: 4,
      expiryYear: 2027,
      status: 'failed',
      failureCount: 2,
      isDefault: true,
    });
    const conversation = await storage.conversations.create({
      tenantId,
      purpose: 'support',
      sessionId: 's1',
      userId: 'cust_0000004',
      customerId: 'cust_0000004',
    });
    await storage.messages.create({
      tenantId,
      conversationId: conversation.id,
      role: 'user',
      content: 'My card failed',
    });
    const response = await fetch(`${server.url}/api/customers/cust_0000004`, {
      headers: bearer(agent),
    });
    expect(response.status).toBe(200);
    const detail = (await response.json()) as {
      customer: Row;
      paymentMethods: { last4: string; isDefault: boolean; status: string }[];
      conversations: { id: string; kind: string; messageCount: number }[];
      invoices: unknown[];
    };
    expect(detail.customer).toMatchObject({
      id: 'cust_0000004',
      status: 'at-risk',
      card: { brand: 'visa', last4: '4242', expMonth: 4, expYear: 2027 },
    });
    expect(detail.paymentMethods).toEqual([
      expect.objectContaining({ last4: '4242', isDefault: true, status: 'failed' }),
    ]);
    expect(detail.conversations).toEqual([
      expect.objectContaining({ id: conversation.id, kind: 'support', messageCount: 1 }),
    ]);
    expect(Array.isArray(detail.invoices)).toBe(true);
    const list = await get('/api/customers?q=cust_0000004');
    expect(list.body.customers[0]!.card).toMatchObject({ last4: '4242' });

    const foreign = await fetch(`${server.url}/api/customers/glx_0000001`, {
      headers: bearer(agent),
    });
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ error: { code: 'not_found' } });
    const bogus = await fetch(`${server.url}/api/customers/${encodeURIComponent('a b')}`, {
      headers: bearer(agent),
    });
    expect(bogus.status).toBe(404);
  });
});
