import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { createPostgresStorage, type PostgresStorage } from './postgres-storage.js';

/** The real PostgreSQL the tests use: DATABASE_URL, or the local server CI runs. */
export const testDatabaseUrl =
  process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Fails, never skips, when PostgreSQL cannot be reached, with what to do about it. */
export async function assertPostgresReachable(databaseUrl = testDatabaseUrl): Promise<void> {
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
}

/**
 * Storage on the real PostgreSQL for one test file, each opened in a schema of its own: the
 * file fails before its tests when the server is unreachable, and every schema it opened is
 * closed and dropped after them. Returns the function that opens one more.
 */
export function usePostgresTestStorage(prefix = 'churn_test'): () => Promise<PostgresStorage> {
  const opened: PostgresStorage[] = [];
  beforeAll(() => assertPostgresReachable());
  afterAll(async () => {
    const schemas = opened.map((storage) => storage.schema);
    await Promise.all(opened.map((storage) => storage.close()));
    const client = new pg.Client({ connectionString: testDatabaseUrl });
    await client.connect();
    try {
      for (const schema of schemas) await client.query(`drop schema if exists ${schema} cascade`);
    } finally {
      await client.end();
    }
  });
  return async () => {
    const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
    const storage = await createPostgresStorage({
      databaseUrl: testDatabaseUrl,
      schema,
      statementTimeoutMs: 10_000,
    });
    opened.push(storage);
    return storage;
  };
}
