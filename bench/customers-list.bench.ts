/**
 * Customer list benchmark: `GET /api/customers` of the operators' console over 100,000
 * customers (the seed helper inserts them, full of ties), straight through the fetch handler
 * (no socket), authenticated with the tenant's secret key.
 *
 * For each query: 20 warm-up requests, then 200 timed ones walking pages with the cursor
 * (first page, then the next ones), p50 and p99 in milliseconds.
 *
 * 1. A filtered, sorted page: at-risk, high severity, failed payments, by value descending.
 * 2. The unfiltered list by most recently updated (the console's default), deep pages included.
 * 3. A text search (`q`) on name and email.
 *
 * Run: `node --conditions=churn-source --import tsx bench/customers-list.bench.ts [count]`.
 * Storage is in-memory PGlite; set BENCH_DATABASE_URL to run on PostgreSQL (a temporary
 * schema, dropped at the end).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StorageV1 } from '../packages/core/src/index.js';
import { kyselyOf } from '../packages/server/src/analytics/kysely-of.js';
import { createTestTenant } from '../packages/server/src/chat/chat-test-helpers.js';
import { seedCustomers } from '../packages/server/src/customers/seed-customers.js';
import { createChurnHandler } from '../packages/server/src/handler/create-churn-handler.js';
import {
  createPGliteStorage,
  createPostgresStorage,
} from '../packages/server/src/storage/postgres-storage.js';

const databaseUrl = process.env.BENCH_DATABASE_URL;
const schema = `churn_bench_${randomBytes(6).toString('hex')}`;
const count = Number(process.argv[2] ?? 100_000);

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

async function openStorage(): Promise<{ storage: StorageV1; close(): Promise<void> }> {
  if (!databaseUrl) {
    const storage = await createPGliteStorage();
    return { storage, close: () => storage.close() };
  }
  const storage = await createPostgresStorage({ databaseUrl, schema });
  return {
    storage,
    close: async () => {
      await storage.db.schema.dropSchema(schema).ifExists().cascade().execute();
      await storage.close();
    },
  };
}

async function main(): Promise<void> {
  const { storage, close } = await openStorage();
  const dataDir = mkdtempSync(join(tmpdir(), 'churn-bench-customers-'));
  const tenant = await createTestTenant(storage, 'Bench');
  const seeding = performance.now();
  await seedCustomers(kyselyOf(storage)!, { tenantId: tenant.tenant.id, count });
  console.log(
    `storage: ${databaseUrl ? 'PostgreSQL' : 'PGlite (in memory)'}; seeded ${count} customers in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
  );
  const handler = createChurnHandler({
    storage,
    dataDir,
    rateLimits: { enabled: false },
    operations: { workers: false },
    console: false,
    logger: { error: () => {}, warn: () => {} },
  });
  const headers = { authorization: `Bearer ${tenant.secretKey}` };
  const queries: [string, string][] = [
    [
      'filtered + sorted (at-risk, high, failed-payment, value desc, 50 per page)',
      'status=at-risk&severity=high&riskCategory=failed-payment&sort=value&order=desc&limit=50',
    ],
    ['default list (updatedAt desc, 50 per page)', 'limit=50'],
    [
      'text search (q=customer12, name asc, 50 per page)',
      'q=customer12&sort=name&order=asc&limit=50',
    ],
  ];
  for (const [label, query] of queries) {
    const timings: number[] = [];
    let cursor: string | null = null;
    let total = 0;
    let estimate = false;
    for (let index = 0; index < 220; index++) {
      const url: string = `http://localhost/api/customers?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const started = performance.now();
      const response = await handler(new Request(url, { headers }));
      const body = (await response.json()) as {
        nextCursor: string | null;
        total: number;
        totalIsEstimate?: boolean;
      };
      const elapsed = performance.now() - started;
      if (response.status !== 200) throw new Error(`${label}: HTTP ${response.status}`);
      if (index >= 20) timings.push(elapsed);
      cursor = body.nextCursor;
      total = body.total;
      estimate = body.totalIsEstimate === true;
    }
    timings.sort((a, b) => a - b);
    console.log(
      `${label}: p50 ${percentile(timings, 0.5).toFixed(2)} ms, p99 ${percentile(timings, 0.99).toFixed(2)} ms (200 pages; total ${total}${estimate ? ', estimated' : ''})`,
    );
  }
  await handler.close();
  await close();
  rmSync(dataDir, { recursive: true, force: true });
}

await main();
