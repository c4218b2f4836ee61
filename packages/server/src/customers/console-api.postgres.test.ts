import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminTokenFor,
  bearer,
  readServerEvents,
  startConsoleServer,
} from '../admin-conversations/console-test-helpers.js';
import { kyselyOf } from '../analytics/kysely-of.js';
import { createTestTenant, type TestTenant, widgetHeaders } from '../chat/chat-test-helpers.js';
import { createPostgresStorage, type PostgresStorage } from '../storage/postgres-storage.js';
import { CustomerListQuerySchema, listCustomers } from './customer-list.js';
import { seedCustomers } from './seed-customers.js';

// Real PostgreSQL (DATABASE_URL or the local server) and real Redis (REDIS_URL or the local
// server): unreachable is a failure, never a skip. A schema of its own, dropped at the end.
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const schema = `churn_console_${randomBytes(6).toString('hex')}`;
const count = 100_000;

describe('console API on PostgreSQL', () => {
  let first: PostgresStorage;
  let second: PostgresStorage;
  let tenant: TestTenant;
  let servers: Awaited<ReturnType<typeof startConsoleServer>>[] = [];
  const savedRedisUrl = process.env.REDIS_URL;

  beforeAll(async () => {
    const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
    } catch (error) {
      throw new Error(
        `PostgreSQL is unreachable at ${databaseUrl}: start it, or set DATABASE_URL.`,
        {
          cause: error,
        },
      );
    }
    await client.end();
    // Two instances: two storages (connection pools) on one database, events through Redis.
    first = await createPostgresStorage({ databaseUrl, schema, statementTimeoutMs: 30_000 });
    second = await createPostgresStorage({ databaseUrl, schema, statementTimeoutMs: 30_000 });
    tenant = await createTestTenant(first, 'Acme');
    await seedCustomers(kyselyOf(first)!, { tenantId: tenant.tenant.id, count });
    process.env.REDIS_URL = redisUrl;
    servers = [
      await startConsoleServer({ storage: first }),
      await startConsoleServer({ storage: second }),
    ];
  }, 120_000);

  afterAll(async () => {
    for (const server of servers) await server.close();
    if (savedRedisUrl === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = savedRedisUrl;
    await first?.close();
    await second?.close();
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(`drop schema if exists ${schema} cascade`);
    } finally {
      await client.end();
    }
  });

  it('pages through 100k customers exactly once, in order, with many ties', async () => {
    const db = kyselyOf(first)!;
    const seen = new Set<string>();
    let previous: { updatedAt: string; id: string } | undefined;
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listCustomers(
        db,
        tenant.tenant.id,
        CustomerListQuerySchema.parse({ sort: 'updatedAt', order: 'desc', limit: 200, cursor }),
      );
      for (const row of page.customers) {
        expect(seen.has(row.id)).toBe(false);
        seen.add(row.id);
        if (previous) {
          const ordered =
            previous.updatedAt > row.updatedAt ||
            (previous.updatedAt === row.updatedAt && previous.id > row.id);
          expect(ordered, `${previous.id} then ${row.id}`).toBe(true);
        }
        previous = { updatedAt: row.updatedAt, id: row.id };
      }
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(seen.size).toBe(count);
    expect(pages).toBe(count / 200);
  }, 300_000);

  it('answers a filtered, sorted page over HTTP with an estimated total above 10k', async () => {
    const token = await adminTokenFor(first, tenant.tenant.id, 'supervisor');
    const all = await fetch(`${servers[0]!.url}/api/customers?sort=name&limit=20`, {
      headers: bearer(token),
    });
    const body = (await all.json()) as {
      total: number;
      totalIsEstimate?: boolean;
      customers: { name: string }[];
    };
    expect(body.totalIsEstimate).toBe(true);
    expect(body.total).toBeGreaterThan(10_000);
    expect(body.customers).toHaveLength(20);
    const filtered = await fetch(
      `${servers[1]!.url}/api/customers?status=at-risk&severity=high&riskCategory=failed-payment&sort=value&order=desc&limit=50`,
      { headers: bearer(token) },
    );
    const page = (await filtered.json()) as {
      total: number;
      customers: { severity: string; monthlyValueCents: number }[];
    };
    expect(page.customers).toHaveLength(50);
    expect(page.customers.every((row) => row.severity === 'high')).toBe(true);
    // The seed's rule: at-risk when i % 4 = 0, failed-payment when i % 8 = 0, high when i % 3 = 2.
    const matching = Array.from({ length: count }, (_, index) => index + 1).filter(
      (i) => i % 8 === 0 && i % 3 === 2,
    );
    expect(page.total).toBe(matching.length);
    const values = page.customers.map((row) => row.monthlyValueCents);
    expect(values[0]).toBe(Math.max(...matching.map((i) => ((i % 50) + 1) * 1000)));
    expect(values).toEqual([...values].sort((a, b) => b - a));
  });

  it('delivers one instance’s conversation events to the other through Redis', async () => {
    const token = await adminTokenFor(first, tenant.tenant.id, 'support-agent');
    const response = await fetch(`${servers[0]!.url}/api/admin/events`, { headers: bearer(token) });
    const events = readServerEvents(response);
    try {
      // The subscriber is attached once the stream says it is connected.
      const deadline = Date.now() + 5000;
      while (!events.comments.includes('connected') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const created = await fetch(`${servers[1]!.url}/api/conversations`, {
        method: 'POST',
        headers: widgetHeaders(tenant, { visitor: 'visitor-redis-01' }),
      });
      const { conversation } = (await created.json()) as { conversation: { id: string } };
      const event = await events.next(
        (each) =>
          each.event === 'conversation.created' && each.data.conversationId === conversation.id,
      );
      expect(event.data).toMatchObject({ kind: 'support' });
      const list = await fetch(`${servers[0]!.url}/api/admin/conversations?kind=support`, {
        headers: bearer(token),
      });
      const { conversations } = (await list.json()) as { conversations: { id: string }[] };
      expect(conversations.map((each) => each.id)).toContain(conversation.id);
    } finally {
      await events.close();
    }
  });
});
