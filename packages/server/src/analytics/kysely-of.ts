import type { StorageV1, StorageV1Repositories } from '@churn/core';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/database.js';

/**
 * The Kysely instance of the server's own storage (PostgreSQL or PGlite), for the few
 * statements the storage contract has no method for (upserts, the A/B test definition
 * column). `undefined` for another `StorageV1` implementation: callers fall back to the
 * contract.
 */
export function kyselyOf(storage: StorageV1 | StorageV1Repositories): Kysely<Database> | undefined {
  const db = (storage as { db?: unknown }).db;
  return typeof db === 'object' && db !== null && 'selectFrom' in db
    ? (db as Kysely<Database>)
    : undefined;
}
