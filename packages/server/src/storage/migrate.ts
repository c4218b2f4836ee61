import { ChurnError } from '@churn/core';
import { type Kysely, type MigrationProvider, Migrator } from 'kysely';
import type { Database } from './database.js';
import { mapStorageError } from './map-storage-error.js';
import { migrations } from './migrations/index.js';

/** Name of the table that records applied migrations. */
export const migrationTableName = 'churn_migrations';
/** Name of the table Kysely keeps its migration lock row in. */
export const migrationLockTableName = 'churn_migrations_lock';

/** What a migration run did. */
export interface MigrationReport {
  /** Names of the migrations applied by this run, in order; empty when already up to date. */
  applied: string[];
}

const provider: MigrationProvider = {
  getMigrations: async () => ({ ...migrations }),
};

/** Names of every migration this version of `@churn/server` knows, in order. */
export function listMigrationNames(): string[] {
  return Object.keys(migrations).sort();
}

/**
 * Brings the schema of `db` up to the latest migration. Safe to call from several
 * instances at once: Kysely's PostgreSQL adapter holds a session advisory lock
 * (`pg_advisory_lock`) while migrating, so one instance migrates and the others
 * wait, then find nothing left to do. Each migration runs in its own transaction
 * with its bookkeeping row, so a failed migration leaves no trace.
 *
 * @param schema The schema the tables live in (default `public`).
 */
export async function migrateDatabase(
  db: Kysely<Database>,
  options: { schema?: string } = {},
): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName,
    migrationLockTableName,
    migrationTableSchema: options.schema ?? 'public',
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    const mapped = mapStorageError(error);
    throw new ChurnError(
      mapped.code === 'provider_error' || mapped.code === 'timeout' ? mapped.code : 'internal',
      `Migrating the database failed${failed ? ` at ${failed.migrationName}` : ''}: ${mapped.message}`,
      { cause: error },
    );
  }
  return {
    applied: results
      .filter((result) => result.status === 'Success')
      .map((result) => result.migrationName),
  };
}
