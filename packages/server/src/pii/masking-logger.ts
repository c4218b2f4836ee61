import { maskPii } from '@churn/core';
import type { ChurnLogger } from '../http/error-to-response.js';

const maxDepth = 6;

function maskValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return maskPii(value).masked;
  if (typeof value !== 'object' || value === null || depth > maxDepth) return value;
  if (seen.has(value)) return value;
  seen.add(value);
  if (value instanceof Error) {
    const copy = Object.create(Object.getPrototypeOf(value) as object) as Error &
      Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(value)) {
      copy[key] = maskValue((value as unknown as Record<string, unknown>)[key], depth + 1, seen);
    }
    return copy;
  }
  if (Array.isArray(value)) return value.map((item) => maskValue(item, depth + 1, seen));
  if (value instanceof Date) return value;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = maskValue(item, depth + 1, seen);
  return copy;
}

/**
 * A logger that masks personal data (see `maskPii`) in every message and in the strings
 * of its details (plain objects, arrays and errors, including `message`, `stack` and
 * `cause`, up to 6 levels deep) before the wrapped logger sees them. Values are copied,
 * never changed in place.
 */
export function createMaskingLogger(logger: ChurnLogger): ChurnLogger {
  const mask = (details: Record<string, unknown> | undefined) =>
    details === undefined
      ? undefined
      : (maskValue(details, 0, new WeakSet()) as Record<string, unknown>);
  return {
    error(message, details) {
      const masked = mask(details);
      logger.error(maskPii(message).masked, ...(masked === undefined ? [] : [masked]));
    },
    warn(message, details) {
      const masked = mask(details);
      logger.warn(maskPii(message).masked, ...(masked === undefined ? [] : [masked]));
    },
  };
}
