import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OriginSchema, TimestampSchema, WebhookUrlSchema } from './fields.js';

describe('TimestampSchema', () => {
  it.each([
    ['a date-time in UTC', '2026-03-15T12:00:00Z', '2026-03-15T12:00:00.000Z'],
    ['a date-time with milliseconds', '2026-03-15T12:00:00.123Z', '2026-03-15T12:00:00.123Z'],
    ['a date-time with an offset', '2026-03-15T14:00:00+02:00', '2026-03-15T12:00:00.000Z'],
    ['a calendar date (midnight UTC)', '2026-03-15', '2026-03-15T00:00:00.000Z'],
    ['a leap day', '2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['a Date', new Date('2026-03-15T12:00:00Z'), '2026-03-15T12:00:00.000Z'],
  ])('accepts %s and outputs a Date', (_title, input, expected) => {
    const output = TimestampSchema.parse(input);
    expect(output).toBeInstanceOf(Date);
    expect(output.toISOString()).toBe(expected);
  });

  it.each([
    ['a word', 'yesterday'],
    ['an impossible day', '2026-02-30'],
    ['an impossible month', '2026-13-01'],
    ['a local time without a zone', '2026-03-15T12:00:00'],
    ['a US-style date', '03/15/2026'],
    ['an empty string', ''],
    ['an invalid Date', new Date('not a date')],
    ['a number of milliseconds', 1_773_576_000_000],
    ['null', null],
  ])('rejects %s with a message that shows the expected form', (_title, input) => {
    const result = TimestampSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(
      'must be a date: an ISO 8601 string like 2024-05-01T12:00:00Z, or a Date',
    );
  });

  it('says "is required" when the value is missing', () => {
    expect(TimestampSchema.safeParse(undefined).error?.issues[0]?.message).toBe('is required');
  });

  it('copies a Date instead of sharing it', () => {
    const input = new Date('2026-03-15T12:00:00Z');
    const output = TimestampSchema.parse(input);
    expect(output).not.toBe(input);
    expect(output).toEqual(input);
  });

  it('reads back any instant from its ISO string', () => {
    fc.assert(
      fc.property(
        fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('9999-12-31') }),
        (date) => {
          expect(TimestampSchema.parse(date.toISOString())).toEqual(date);
        },
      ),
    );
  });
});

describe('OriginSchema', () => {
  it.each(['https://shop.example.com', 'http://localhost:3000', 'https://example.com:8443'])(
    'accepts %s',
    (origin) => expect(OriginSchema.safeParse(origin).success).toBe(true),
  );
  it.each([
    'https://shop.example.com/',
    'https://shop.example.com/path',
    'shop.example.com',
    'javascript:alert(1)',
  ])('rejects %s', (origin) => expect(OriginSchema.safeParse(origin).success).toBe(false));
});

describe('WebhookUrlSchema', () => {
  it.each([
    'https://hooks.example.com/a',
    'http://localhost:8080/hook',
    'http://127.0.0.1/hook',
    'http://[::1]:9/h',
  ])('accepts %s', (url) => expect(WebhookUrlSchema.safeParse(url).success).toBe(true));
  it.each(['http://hooks.example.com/a', 'ftp://example.com', 'not a url'])('rejects %s', (url) =>
    expect(WebhookUrlSchema.safeParse(url).success).toBe(false),
  );
});
