import { z } from 'zod';

/**
 * The paging parameters list routes share, with errors that say what a good value is. Query
 * strings are text, so numbers are coerced.
 */

/** `?limit=`: how many rows a page holds, 1 to `max`; `fallback` when the query leaves it out. */
export function limitParameter(max: number, fallback: number) {
  return z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(max, { error: `must be at most ${max}` })
    .default(fallback);
}

/** `?offset=`: how many rows to skip, 0 to 100,000 (default 0). */
export const offsetParameter = z.coerce
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .min(0, { error: 'must be 0 or more' })
  .max(100_000, { error: 'must be at most 100000' })
  .default(0);

/** `?cursor=`: the `nextCursor` of the page before, unchanged. */
export const cursorParameter = z
  .string()
  .max(2000, { error: 'must be at most 2000 characters' })
  .optional();
