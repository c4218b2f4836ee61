import { randomUUID } from 'node:crypto';
import { ChurnError, ValidationError } from '@churn/core';
import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { mapStorageError } from './map-storage-error.js';

/** A JSON object as the contract types it. */
export type JsonObject = { [key: string]: JsonValue };
type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A new random id (UUID v4). */
export function newId(): string {
  return randomUUID();
}

/** `null` (a database NULL) becomes `undefined` (an absent optional field). */
export function optional<Value>(value: Value | null): Value | undefined {
  return value === null ? undefined : value;
}

/** A `numeric` read as text by the drivers, as a number. */
export function toNumber(value: string | number): number {
  return typeof value === 'number' ? value : Number(value);
}

/** JSON text for a JSONB parameter (both drivers pass text through unchanged). */
export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** A JSONB value read back, typed as the contract's JSON object. */
export function fromJson<Value = JsonObject>(value: unknown): Value {
  return value as Value;
}

/** Removes the keys whose value is `undefined`, so records carry only the fields they have. */
export function compact<Record extends object>(record: Record): Record {
  for (const key of Object.keys(record) as (keyof Record)[]) {
    if (record[key] === undefined) delete record[key];
  }
  return record;
}

/** Validated `limit` and `offset` of a list call. */
export function page(options: { limit?: number; offset?: number }): {
  limit: number;
  offset: number;
} {
  const limit = options.limit ?? 100;
  const offset = options.offset ?? 0;
  const issues = [];
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    issues.push({ path: ['limit'], message: 'must be a whole number from 1 to 1000' });
  }
  if (!Number.isInteger(offset) || offset < 0) {
    issues.push({ path: ['offset'], message: 'must be a whole number, 0 or more' });
  }
  if (issues.length > 0) throw new ValidationError('list options', issues);
  return { limit, offset };
}

/** The `not_found` error of a change to a row that does not exist in this tenant. */
export function notFound(entity: string, id: string): ChurnError {
  return new ChurnError(
    'not_found',
    `No ${entity} with id "${id}" exists in this tenant: check the id and the tenant.`,
  );
}

/** Copies `changes` into a column map, leaving out what was not given. */
export function columns<Columns extends object>(changes: Columns): Columns {
  return compact({ ...changes });
}

/**
 * Runs `run` in a transaction of `db`, or directly when `db` already is one (so
 * repository methods compose inside `storage.transaction`).
 */
export async function inTransaction<T>(
  db: Kysely<Database>,
  run: (transaction: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return run(db);
  return db.transaction().execute(run);
}

/**
 * Wraps every method of `repository` so that whatever the driver throws comes out
 * as a `ChurnError` (see `mapStorageError`).
 */
export function guarded<Repository extends object>(repository: Repository): Repository {
  const wrapped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(repository)) {
    wrapped[key] =
      typeof value === 'function'
        ? async (...args: unknown[]) => {
            try {
              return await value.apply(repository, args);
            } catch (error) {
              throw mapStorageError(error);
            }
          }
        : value;
  }
  return wrapped as Repository;
}
