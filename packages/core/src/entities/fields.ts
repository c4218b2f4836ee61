/**
 * Field schemas shared by every entity: ids, dates, emails, URLs, scores. Each
 * one says in plain words what it expects, and says "is required" when the
 * field is missing altogether.
 */
import { z } from 'zod';

/** An error map that answers "is required" for a missing value and `expected` otherwise. */
export function expecting(expected: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'is required' : expected);
}

/**
 * Options for object-level refinements: run them even when another field already
 * failed, so one parse reports every problem. Refinements guard their own inputs.
 */
export const alwaysRun = { when: () => true } as const;

/** True for a `Date` that holds a real instant (not `Invalid Date`). */
export function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

/** True for a number that is neither NaN nor infinite. */
export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** An identifier: 1 to 255 characters, no spaces. */
export const IdSchema = z
  .string({ error: expecting('must be an id (text)') })
  .min(1, { error: 'must not be empty' })
  .max(255, { error: 'must be at most 255 characters' })
  .regex(/^\S+$/, { error: 'must not contain spaces' });

/** Text that must hold at least one non-space character. */
export function nonEmptyText(maximumLength?: number) {
  const base = z
    .string({ error: expecting('must be text') })
    .refine((value) => value.trim().length > 0, { error: 'must not be empty' });
  return maximumLength === undefined
    ? base
    : base.refine((value) => value.length <= maximumLength, {
        error: `must be at most ${maximumLength} characters`,
      });
}

const dateMessage = 'must be a date: an ISO 8601 string like 2024-05-01T12:00:00Z, or a Date';
const isoDateTime = z.iso.datetime({ offset: true });
const isoDate = z.iso.date();

/**
 * A point in time. Accepts a `Date` or an ISO 8601 string (a calendar date
 * `2024-05-01`, or a date-time with `Z` or an offset); always outputs a new `Date`.
 * Rejects `Invalid Date`, impossible dates (`2024-02-30`), local times without a
 * zone, and words like `yesterday`.
 */
export const TimestampSchema = z
  .union([z.date(), z.string()], { error: expecting(dateMessage) })
  .transform((value, context) => {
    if (value instanceof Date) return new Date(value.getTime());
    if (isoDateTime.safeParse(value).success || isoDate.safeParse(value).success) {
      const date = new Date(value);
      if (isValidDate(date)) return date;
    }
    context.addIssue({ code: 'custom', message: dateMessage, input: value });
    return z.NEVER;
  });

/** An email address, checked with zod's email pattern. */
export const EmailSchema = z
  .email({ error: expecting('must be a valid email address like name@example.com') })
  .max(254, { error: 'must be at most 254 characters' });

/** A finite number (no NaN, no Infinity). */
export function finiteNumber(expected = 'must be a number') {
  return z.number({ error: expecting(expected) });
}

/** A whole number greater than or equal to `minimum`. */
export function integerAtLeast(minimum: number) {
  const expected =
    minimum === 0
      ? 'must be a whole number, 0 or more'
      : `must be a whole number, ${minimum} or more`;
  return z
    .number({ error: expecting(expected) })
    .int({ error: expected })
    .min(minimum, { error: expected });
}

/** A score between 0 and 1 inclusive (confidence, re-rank score). */
export const UnitIntervalSchema = z
  .number({ error: expecting('must be a number between 0 and 1') })
  .min(0, { error: 'must be between 0 and 1' })
  .max(1, { error: 'must be between 0 and 1' });

/** A cosine similarity, between -1 and 1 inclusive. */
export const CosineSimilaritySchema = z
  .number({ error: expecting('must be a number between -1 and 1') })
  .min(-1, { error: 'must be between -1 and 1' })
  .max(1, { error: 'must be between -1 and 1' });

/** A percentage between 0 and 100 inclusive. */
export const PercentageSchema = z
  .number({ error: expecting('must be a percentage between 0 and 100') })
  .min(0, { error: 'must be a percentage between 0 and 100' })
  .max(100, { error: 'must be a percentage between 0 and 100' });

/** A lowercase slug: letters and digits in words joined by `-` or `_`, like `billing` or `low_confidence`. */
export function slug(example: string, maximumLength = 100) {
  const expected = `must be a lowercase slug like ${example} (letters, digits, - or _)`;
  return z
    .string({ error: expecting(expected) })
    .regex(/^[a-z0-9]+(?:[-_][a-z0-9]+)*$/, { error: expected })
    .max(maximumLength, { error: `must be at most ${maximumLength} characters` });
}

function parseUrl(value: string): URL | undefined {
  return URL.canParse(value) ? new URL(value) : undefined;
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An absolute `https:` URL. */
export const HttpsUrlSchema = z
  .string({ error: expecting('must be an https URL like https://example.com/logo.png') })
  .refine((value) => parseUrl(value)?.protocol === 'https:', {
    error: 'must be an https URL like https://example.com/logo.png',
  });

/**
 * A URL the server will call: `https:`, or `http:` on a loopback host (localhost,
 * 127.0.0.1, [::1]) for local development and tests. At most 500 characters.
 */
export const WebhookUrlSchema = z
  .string({ error: expecting('must be an https URL like https://hooks.example.com/churn') })
  .max(500, { error: 'must be at most 500 characters' })
  .refine(
    (value) => {
      const url = parseUrl(value);
      if (url === undefined) return false;
      return (
        url.protocol === 'https:' || (url.protocol === 'http:' && loopbackHosts.has(url.hostname))
      );
    },
    {
      error:
        'must be an https URL like https://hooks.example.com/churn (http is allowed only for localhost)',
    },
  );

/**
 * Where a document came from: an absolute `http:`, `https:` or `file:` URL, or
 * `raw:<id>` for a document ingested from a string.
 */
export const SourceUrlSchema = z
  .string({ error: expecting('must be an absolute URL like https://docs.example.com/billing') })
  .refine(
    (value) => {
      if (/^raw:[^\s]+$/.test(value)) return true;
      const protocol = parseUrl(value)?.protocol;
      return protocol === 'https:' || protocol === 'http:' || protocol === 'file:';
    },
    {
      error:
        'must be an absolute http, https or file URL like https://docs.example.com/billing, or raw:<id> for text',
    },
  );

/**
 * A web origin: scheme, host and optional port, nothing else, like
 * `https://shop.example.com` or `http://localhost:3000` (no path, no trailing slash).
 */
export const OriginSchema = z
  .string({ error: expecting('must be an origin like https://shop.example.com') })
  .refine(
    (value) => {
      const url = parseUrl(value);
      return (
        url !== undefined &&
        (url.protocol === 'https:' || url.protocol === 'http:') &&
        url.origin === value
      );
    },
    {
      error:
        'must be an origin like https://shop.example.com: scheme, host and optional port, no path or trailing slash',
    },
  );

/** A CSS hex colour: `#rgb` or `#rrggbb`. */
export const HexColorSchema = z
  .string({ error: expecting('must be a hex colour like #635bff') })
  .regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, { error: 'must be a hex colour like #635bff' });

/** A plain JSON value (what a JSONB column holds). */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** A JSON value: strings, finite numbers, booleans, null, arrays and plain objects. */
export const JsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union(
    [
      z.string(),
      z.number(),
      z.boolean(),
      z.null(),
      z.array(JsonValueSchema),
      z.record(z.string(), JsonValueSchema),
    ],
    { error: 'must be a JSON value (text, number, true/false, null, list or object)' },
  ),
);

/** A JSON object (a JSONB column that must hold an object). */
export const JsonObjectSchema = z.record(z.string(), JsonValueSchema, {
  error: expecting('must be a JSON object like { "channel": "#support" }'),
});
