import { describe, expect, it } from 'vitest';
import { getRequestId } from './request-id.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('getRequestId', () => {
  it('keeps a safe incoming id', () => {
    const request = new Request('http://localhost/', {
      headers: { 'x-request-id': 'lb-1234.abc:5' },
    });
    expect(getRequestId(request)).toBe('lb-1234.abc:5');
  });

  it.each([
    ['none', undefined],
    ['an unsafe one', 'a b<script>'],
    ['a very long one', 'x'.repeat(129)],
  ])('makes a fresh UUID when there is %s', (_, incoming) => {
    const request = new Request('http://localhost/', {
      headers: incoming ? { 'x-request-id': incoming } : {},
    });
    expect(getRequestId(request)).toMatch(uuid);
  });
});
