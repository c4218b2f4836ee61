import { randomBytes } from 'node:crypto';
import {
  describeKnowledgeStoreConformance,
  describeStorageConformance,
} from '@churn/testing/conformance';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrationNames } from './migrate.js';
import { createPostgresStorage, migrate, type PostgresStorage } from './postgres-storage.js';
import { assertPostgresReachable, testDatabaseUrl } from './postgres-test-storage.js';
import {
  knowledgeStoreWithTenants,
  listIndexNames,
  seedIndexNames,
} from './storage-test-helpers.js';

// Real PostgreSQL: DATABASE_URL, or the local server CI runs. Unreachable is a
// failure, never a skip. Each run works in a schema of its own, dropped at the end.
const databaseUrl = testDatabaseUrl;
const schema = `churn_test_${randomBytes(6).toString('hex')}`;

async function dropSchema(): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

beforeAll(() => assertPostgresReachable(databaseUrl));

afterAll(dropSchema);

let shared: Promise<PostgresStorage> | undefined;
const sharedStorage = () => {
  shared ??= createPostgresStorage({ databaseUrl, schema, statementTimeoutMs: 10_000 });
  return shared;
};

describe('migrations on a real server', () => {
  it('lets two instances start together: one migrates, the other finds nothing to do', {
    timeout: 30_000,
  }, async () => {
    const settings = { databaseUrl, schema };
    const reports = await Promise.all([migrate(settings), migrate(settings)]);
    const applied = reports.flatMap((report) => report.applied);
    expect(applied).toEqual(listMigrationNames());
  });
});

describeStorageConformance('postgres', sharedStorage, {
  timeoutMs: 30_000,
  schema: {
    migrate: async () => (await sharedStorage()).migrate(),
    listIndexNames: async () => listIndexNames(await sharedStorage()),
    requiredIndexNames: seedIndexNames,
  },
});

describe('knowledge store over postgres', () => {
  let own: Promise<PostgresStorage> | undefined;
  const store = async () => {
    own ??= createPostgresStorage({ databaseUrl, schema });
    return knowledgeStoreWithTenants(await own);
  };
  afterAll(async () => {
    await (await own)?.close();
  });
  describeKnowledgeStoreConformance('postgres', store, { timeoutMs: 30_000 });
});

describe('createPostgresStorage errors', () => {
  it('says the database is unreachable, in words, when nothing listens', {
    timeout: 30_000,
  }, async () => {
    const error = await createPostgresStorage({
      databaseUrl: 'postgres://postgres@127.0.0.1:1/test',
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'provider_error' });
    expect((error as Error).message).toMatch(/unreachable/);
  });

  it('cancels a query that outlives the statement timeout', { timeout: 30_000 }, async () => {
    const storage = await createPostgresStorage({
      databaseUrl,
      schema,
      statementTimeoutMs: 100,
      migrate: false,
    });
    try {
      const error = await storage
        .transaction(async () => {
          const { sql } = await import('kysely');
          await sql`select pg_sleep(2)`.execute(storage.db);
        })
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'timeout' });
    } finally {
      await storage.close();
    }
  });
});
