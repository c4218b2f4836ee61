import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { describeAbTests } from '../ab-tests/ab-test-suite.js';
import { describeAnalytics } from '../analytics/analytics-suite.js';
import { describeFeedback } from '../feedback/feedback-suite.js';
import { createPostgresStorage, type PostgresStorage } from '../storage/postgres-storage.js';
import { describeEscalations } from './escalation-suite.js';

// Real PostgreSQL: DATABASE_URL, or the local server CI runs. Unreachable is a failure,
// never a skip. Each suite works in a schema of its own, dropped at the end.
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const opened: PostgresStorage[] = [];

async function openStorage(): Promise<PostgresStorage> {
  const schema = `churn_test_${randomBytes(6).toString('hex')}`;
  const storage = await createPostgresStorage({ databaseUrl, schema, statementTimeoutMs: 10_000 });
  opened.push(storage);
  return storage;
}

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
});

afterAll(async () => {
  const schemas = opened.map((storage) => storage.schema);
  await Promise.all(opened.map((storage) => storage.close()));
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
});

describeFeedback('PostgreSQL', openStorage);
describeEscalations('PostgreSQL', openStorage);
describeAnalytics('PostgreSQL', openStorage);
describeAbTests('PostgreSQL', openStorage);
