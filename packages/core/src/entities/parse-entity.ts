import type { z } from 'zod';
import { ValidationError } from '../errors/validation-error.js';

/**
 * Parses `input` with `schema` and returns the typed output, or throws a
 * {@link ValidationError} (code `validation_failed`) that lists every problem with
 * its field path. A bare `ZodError` never escapes: it is kept as the `cause`.
 *
 * @param schema Any entity schema of this module, for example `CustomerSchema`.
 * @param input What came in: JSON from a request, a row from storage, a literal.
 * @param subject What is being validated, used in the message (`Invalid Customer: ...`).
 *
 * @example
 * const customer = parseEntity(CustomerSchema, request.body, 'Customer');
 */
export function parseEntity<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  subject: string,
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw ValidationError.fromZod(subject, result.error);
}

/** The result of {@link safeParseEntity}: the value, or the error that would have been thrown. */
export type SafeParseEntityResult<Output> =
  | { success: true; data: Output }
  | { success: false; error: ValidationError };

/** Like {@link parseEntity}, but returns the {@link ValidationError} instead of throwing it. */
export function safeParseEntity<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  subject: string,
): SafeParseEntityResult<z.output<Schema>> {
  const result = schema.safeParse(input);
  if (result.success) return { success: true, data: result.data };
  return { success: false, error: ValidationError.fromZod(subject, result.error) };
}
