import { ValidationError } from '@churn/core';
import type { z } from 'zod';

/**
 * Validates a URL's query parameters with `schema`; failures are a `ValidationError`
 * (400) listing every problem with its parameter.
 */
export function readQuery<TSchema extends z.ZodType>(url: URL, schema: TSchema): z.output<TSchema> {
  const result = schema.safeParse(Object.fromEntries(url.searchParams));
  if (!result.success) throw ValidationError.fromZod('query', result.error);
  return result.data;
}
