import { HttpError } from '../http/http-error.js';

/**
 * An opaque keyset cursor: the sort value and id of the last row of a page, as base64url
 * JSON. The next page starts strictly after that `(value, id)` pair, so rows with equal
 * sort values (ties) are neither skipped nor repeated, whatever was inserted meanwhile.
 */
export interface KeysetPosition {
  /** The sort key of the cursor (a page sorted another way cannot use it). */
  sort: string;
  value: string | number;
  id: string;
  /** The list's total as counted on the first page, carried so later pages need not count again. */
  total?: number;
  /** Whether that total is an estimate. */
  estimate?: boolean;
}

/** Encodes a position as an opaque cursor. */
export function encodeCursor(position: KeysetPosition): string {
  const fields: unknown[] = [position.sort, position.value, position.id];
  if (position.total !== undefined) fields.push(position.total, position.estimate === true);
  return Buffer.from(JSON.stringify(fields)).toString('base64url');
}

/**
 * Decodes a cursor made by {@link encodeCursor} for the same sort.
 *
 * @throws HttpError 400 `validation_failed` for a cursor that is malformed or was made for
 *   another sort order.
 */
export function decodeCursor(cursor: string, sort: string): KeysetPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    (parsed.length !== 3 && parsed.length !== 5) ||
    (parsed.length === 5 &&
      (!Number.isSafeInteger(parsed[3]) || parsed[3] < 0 || typeof parsed[4] !== 'boolean')) ||
    typeof parsed[0] !== 'string' ||
    (typeof parsed[1] !== 'string' && typeof parsed[1] !== 'number') ||
    typeof parsed[2] !== 'string'
  ) {
    throw new HttpError(
      400,
      'validation_failed',
      'Invalid query: cursor: is not a cursor this server made; pass the nextCursor of the previous page unchanged, or leave it out for the first page.',
    );
  }
  if (parsed[0] !== sort) {
    throw new HttpError(
      400,
      'validation_failed',
      `Invalid query: cursor: was made for another sort order (${parsed[0]}); keep sort and order the same while paging, or leave the cursor out to start again.`,
    );
  }
  return {
    sort: parsed[0],
    value: parsed[1],
    id: parsed[2],
    ...(parsed.length === 5 ? { total: parsed[3] as number, estimate: parsed[4] as boolean } : {}),
  };
}
