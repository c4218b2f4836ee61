import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { createPostgresStorage, type PostgresStorage } from '../storage/postgres-storage.js';
import { describeSandboxRecovery } from './recovery-sandbox-suite.js';

// Real PostgreSQL: DATABASE_URL, or the local server CI runs. Unreachable is a failure, never a
// skip. The run works in a schema of its own, dropped at the end.
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `churn_recovery_${randomBytes(6).toString('hex')}`;
let storage: PostgresStorage | undefined;

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
  await storage?.close();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
});

describeSandboxRecovery('PostgreSQL', async () => {
  storage = await createPostgresStorage({ databaseUrl, schema, statementTimeoutMs: 10_000 });
  return storage;
});
