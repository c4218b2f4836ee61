export type { Database } from './database.js';
export { mapStorageError } from './map-storage-error.js';
export {
  listMigrationNames,
  type MigrationReport,
  migrateDatabase,
  migrationLockTableName,
  migrationTableName,
} from './migrate.js';
export { PGliteDialect, type PGliteDialectSettings } from './pglite-dialect.js';
export { createPostgresKnowledgeStore } from './postgres-knowledge-store.js';
export {
  createPGliteStorage,
  createPostgresStorage,
  createStorage,
  defaultDataDir,
  migrate,
  type PGliteStorageSettings,
  type PostgresStorage,
  type PostgresStorageSettings,
  type StorageCommonSettings,
  type StorageSettings,
} from './postgres-storage.js';
