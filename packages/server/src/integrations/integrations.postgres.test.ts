import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { claimDueDeliveries, enqueueDelivery } from '../outbox/delivery-outbox.js';
import { describeRetentionSuite } from '../retention/retention-suite.js';
import { runRetention } from '../retention/run-retention.js';
import { createPostgresStorage, type PostgresStorage } from '../storage/postgres-storage.js';
import { describeIntegrationsSuite } from './integrations-suite.js';

// The real PostgreSQL server (DATABASE_URL, or the local one CI runs), in a schema of its own
// dropped at the end. Unreachable is a failure, never a skip.
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `churn_test_${randomBytes(6).toString('hex')}`;

let shared: Promise<PostgresStorage> | undefined;
const open = () => {
  shared ??= createPostgresStorage({ databaseUrl, schema, statementTimeoutMs: 10_000 });
  return shared;
};

afterAll(async () => {
  await (await shared)?.close();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
});

describeIntegrationsSuite('PostgreSQL', open);
describeRetentionSuite('PostgreSQL', open);

describe('outbox and retention concurrency on PostgreSQL', () => {
  it('never hands one delivery to two workers claiming at the same time (SKIP LOCKED)', async () => {
    const storage = await open();
    const tenant = await storage.tenants.create({ name: 'Concurrent' });
    const integration = await storage.integrations.create({
      tenantId: tenant.id,
      platform: 'slack',
      config: {},
      webhookUrl: 'https://hooks.example.com/x',
    });
    const now = new Date();
    for (let index = 0; index < 30; index += 1) {
      await enqueueDelivery(storage.db, {
        tenantId: tenant.id,
        integrationId: integration.id,
        kind: 'test',
        maxAttempts: 3,
        now,
      });
    }
    const claims = await Promise.all(
      Array.from({ length: 6 }, () =>
        claimDueDeliveries(storage.db, { now, limit: 10, leaseMs: 60_000 }),
      ),
    );
    const ids = claims.flat().map((delivery) => delivery.id);
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
  });

  it('runs retention on one instance at a time (advisory lock)', async () => {
    const storage = await open();
    const holder = new pg.Client({ connectionString: databaseUrl });
    await holder.connect();
    try {
      await holder.query('select pg_advisory_lock($1)', [0x63_68_72_6e]);
      const blocked = await runRetention(storage.db, { dryRun: true });
      expect(blocked.ran).toBe(false);
      await holder.query('select pg_advisory_unlock($1)', [0x63_68_72_6e]);
      const free = await runRetention(storage.db, { dryRun: true });
      expect(free.ran).toBe(true);
    } finally {
      await holder.end();
    }
  });
});
