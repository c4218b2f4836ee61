import type { Kysely } from 'kysely';
import { kyselyOf } from '../analytics/kysely-of.js';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { HttpError } from '../http/http-error.js';
import type { Database } from '../storage/database.js';

/**
 * The Kysely instance of the server's storage, for the console's list queries (keyset
 * paging, counts, joins) that the storage contract has no method for.
 *
 * @throws HttpError 501 when the handler runs on another `StorageV1` implementation.
 */
export async function consoleDbOf(state: ChurnHandlerState): Promise<Kysely<Database>> {
  const { storage } = await state.services.load();
  const db = kyselyOf(storage);
  if (!db) {
    throw new HttpError(
      501,
      'configuration',
      "The operators' console lists need the server's own storage (PostgreSQL or PGlite): pass { databaseUrl } or no storage option to createChurnHandler.",
    );
  }
  return db;
}
