import { mkdir } from 'node:fs/promises';
import {
  ChurnError,
  type StorageV1,
  type StorageV1Repositories,
  ValidationError,
} from '@churn/core';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import {
  createConversationRepository,
  createMessageRepository,
  createRetrievalRepository,
} from './conversation-repositories.js';
import {
  createCustomerRepository,
  createPaymentMethodRepository,
} from './customer-repositories.js';
import type { Database } from './database.js';
import {
  createAbTestRepository,
  createAnalyticsRepository,
  createChurnMetricsRepository,
  createEscalationRepository,
  createFeedbackRepository,
  createIntegrationRepository,
} from './engagement-repositories.js';
import { isConnectionLost, mapStorageError } from './map-storage-error.js';
import { type MigrationReport, migrateDatabase } from './migrate.js';
import { PGliteDialect } from './pglite-dialect.js';
import { createPostgresKnowledgeStore } from './postgres-knowledge-store.js';
import {
  createAdminUserRepository,
  createApiKeyRepository,
  createTenantRepository,
} from './tenant-repositories.js';
import { createWebhookEventRepository } from './webhook-event-repository.js';

/** Where the embedded database lives when neither `databaseUrl` nor `dataDir` is given. */
export const defaultDataDir = '.churn/data';

/** The storage of `@churn/server`: {@link StorageV1} over PostgreSQL or PGlite, with its Kysely handle. */
export interface PostgresStorage extends StorageV1 {
  /** The Kysely instance, for server code that needs a query the contract does not offer. */
  readonly db: Kysely<Database>;
  /** The schema the tables live in. */
  readonly schema: string;
  /** Applies pending migrations (what `migrate: true` does on start). */
  migrate(): Promise<MigrationReport>;
}

/** Settings shared by both drivers. */
export interface StorageCommonSettings {
  /**
   * The schema to keep the tables in (created when missing). Default `public`.
   * Lowercase letters, digits and `_`: tests use one schema per run.
   */
  schema?: string;
  /** Apply pending migrations before returning. Default true. */
  migrate?: boolean;
}

/** Settings of {@link createPostgresStorage}. */
export interface PostgresStorageSettings extends StorageCommonSettings {
  /** A connection string, like `postgres://user:password@host:5432/database`. */
  databaseUrl: string;
  /** Queries running longer are cancelled (a `timeout` error). Default 30000. */
  statementTimeoutMs?: number;
  /** Pool size. Default 10. */
  maxConnections?: number;
}

/** Settings of {@link createPGliteStorage}. */
export interface PGliteStorageSettings extends StorageCommonSettings {
  /** The folder the embedded database persists in; in memory when absent. */
  dataDir?: string;
}

/** Settings of {@link createStorage}. */
export interface StorageSettings extends StorageCommonSettings {
  /** PostgreSQL to use; when absent, an embedded PGlite database in `dataDir`. */
  databaseUrl?: string;
  /** The embedded database's folder (default `.churn/data`); ignored with `databaseUrl`. */
  dataDir?: string;
  statementTimeoutMs?: number;
  maxConnections?: number;
}

const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/;

function checkSchema(schema: string | undefined): string {
  const value = schema ?? 'public';
  if (!schemaPattern.test(value)) {
    throw new ValidationError('storage settings', [
      {
        path: ['schema'],
        message:
          'must be lowercase letters, digits and _ (at most 63), starting with a letter or _',
      },
    ]);
  }
  return value;
}

/** True for an error raised by the database server (it carries a SQLSTATE and a severity). */
function isDatabaseError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && severity !== undefined;
}

/** Every repository over one Kysely executor (the database, or a transaction of it). */
function createRepositories(db: Kysely<Database>, provider: string): StorageV1Repositories {
  const repositories: StorageV1Repositories = {
    tenants: createTenantRepository(db),
    apiKeys: createApiKeyRepository(db),
    adminUsers: createAdminUserRepository(db),
    customers: createCustomerRepository(db),
    paymentMethods: createPaymentMethodRepository(db),
    conversations: createConversationRepository(db),
    messages: createMessageRepository(db),
    retrievals: createRetrievalRepository(db),
    knowledge: createPostgresKnowledgeStore(db, provider),
    feedback: createFeedbackRepository(db),
    analytics: createAnalyticsRepository(db),
    escalations: createEscalationRepository(db),
    integrations: createIntegrationRepository(db),
    abTests: createAbTestRepository(db),
    churnMetrics: createChurnMetricsRepository(db),
    webhookEvents: createWebhookEventRepository(db),
    async transaction(run) {
      if (db.isTransaction) return run(repositories);
      for (let attempt = 1; ; attempt++) {
        let bodyFinished = false;
        try {
          return await db.transaction().execute(async (transaction) => {
            const result = await run(createRepositories(transaction, provider));
            bodyFinished = true;
            return result;
          });
        } catch (error) {
          // The connection was lost before the body finished (a restart took a pooled
          // connection): nothing was committed, since the server rolls back a transaction
          // whose connection goes, so one retry on a fresh connection is safe. A loss
          // during COMMIT is never retried (it may have committed).
          if (attempt === 1 && !bodyFinished && isConnectionLost(error)) continue;
          throw isDatabaseError(error) ? mapStorageError(error) : error;
        }
      }
    },
  };
  return repositories;
}

async function assemble(
  db: Kysely<Database>,
  provider: string,
  schema: string,
  settings: StorageCommonSettings,
): Promise<PostgresStorage> {
  let closed = false;
  const storage: PostgresStorage = {
    specificationVersion: 'v1',
    provider,
    db,
    schema,
    ...createRepositories(db, provider),
    migrate: () => migrateDatabase(db, { schema }),
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
  if (settings.migrate ?? true) {
    try {
      await storage.migrate();
    } catch (error) {
      await storage.close().catch(() => {});
      throw error;
    }
  }
  return storage;
}

/**
 * Storage over a PostgreSQL server (`DATABASE_URL`), through a `pg` pool and
 * Kysely. Pending migrations are applied before it returns (several instances
 * starting together take turns on an advisory lock). Reconnecting after a lost
 * connection is the pool's job: a broken connection is dropped and the next
 * query opens a fresh one.
 *
 * @example
 * const storage = await createPostgresStorage({ databaseUrl: process.env.DATABASE_URL! });
 */
export async function createPostgresStorage(
  settings: PostgresStorageSettings,
): Promise<PostgresStorage> {
  const schema = checkSchema(settings.schema);
  if (!settings.databaseUrl) {
    throw new ChurnError(
      'configuration',
      'databaseUrl is empty: set DATABASE_URL to postgres://user:password@host:5432/database, or leave it unset to use the embedded database.',
    );
  }
  const pool = new pg.Pool({
    connectionString: settings.databaseUrl,
    max: settings.maxConnections ?? 10,
    statement_timeout: settings.statementTimeoutMs ?? 30_000,
    // Connecting (or waiting for a free pooled connection) gives up too, instead of hanging.
    connectionTimeoutMillis: 30_000,
    idle_in_transaction_session_timeout: 60_000,
    application_name: 'churn',
    options: schema === 'public' ? undefined : `-c search_path=${schema}`,
  });
  // An idle connection that breaks is dropped by the pool; without a listener
  // the 'error' event would crash the process.
  pool.on('error', () => {});
  // The pool listens for errors on idle connections only. A checked-out connection that the
  // server closes between two queries (a restart, a crash, pg_terminate_backend) would emit
  // 'error' with no listener and crash the process; its queries get the error anyway, and
  // the pool drops the broken connection when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return assemble(db, 'postgres', schema, settings);
}

/**
 * Storage over PGlite, PostgreSQL compiled to WebAssembly and run in-process: the
 * default when no `DATABASE_URL` is set. Persists in `dataDir` (a folder), or
 * in memory without one. Same schema, migrations and SQL as the server.
 *
 * @example
 * const storage = await createPGliteStorage({ dataDir: '.churn/data' });
 */
export async function createPGliteStorage(
  settings: PGliteStorageSettings = {},
): Promise<PostgresStorage> {
  const schema = checkSchema(settings.schema);
  let client: PGlite | undefined;
  try {
    // PGlite creates its own folder but not the parents (`.churn` of `.churn/data`).
    if (settings.dataDir !== undefined) await mkdir(settings.dataDir, { recursive: true });
    client = settings.dataDir === undefined ? new PGlite() : new PGlite(settings.dataDir);
    await client.waitReady;
    if (schema !== 'public') await client.exec(`set search_path to ${schema}`);
  } catch (error) {
    await client?.close().catch(() => {});
    throw new ChurnError(
      'configuration',
      `The embedded database could not be opened${settings.dataDir ? ` in ${settings.dataDir}` : ''}: check that the folder is writable and not used by another process.`,
      { cause: error },
    );
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ client: client as PGlite }) });
  return assemble(db, 'pglite', schema, settings);
}

/**
 * The storage the settings ask for: PostgreSQL when `databaseUrl` is set,
 * otherwise embedded PGlite in `dataDir` (default `.churn/data`).
 *
 * @example
 * const storage = await createStorage({ databaseUrl: process.env.DATABASE_URL });
 */
export async function createStorage(settings: StorageSettings = {}): Promise<PostgresStorage> {
  if (settings.databaseUrl) {
    return createPostgresStorage({ ...settings, databaseUrl: settings.databaseUrl });
  }
  return createPGliteStorage({
    schema: settings.schema,
    migrate: settings.migrate,
    dataDir: settings.dataDir ?? defaultDataDir,
  });
}

/**
 * Applies pending migrations to the database the settings name, then closes it:
 * what `churn migrate` runs. Running it again is a no-op (`applied` is empty).
 */
export async function migrate(settings: StorageSettings = {}): Promise<MigrationReport> {
  const storage = await createStorage({ ...settings, migrate: false });
  try {
    return await storage.migrate();
  } finally {
    await storage.close();
  }
}
