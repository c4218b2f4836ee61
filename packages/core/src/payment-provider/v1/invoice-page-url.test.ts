import { describe, expect, it } from 'vitest';
import { invoicePageUrl } from './invoice-page-url.js';

describe('invoicePageUrl', () => {
  it('keeps a plain https address', () => {
    const url = 'https://invoice.stripe.com/i/acct_1/test_YWNjdF8x?s=ap';
    expect(invoicePageUrl(url)).toBe(url);
  });

  it.each([
    undefined,
    'javascript:alert(1)',
    'http://invoice.example.com/i/1',
    '/invoices/1',
    'https://invoice.example.com/i/1 (copy)',
    'https://invoice.example.com/i/1)[x](javascript:alert(1)',
    'https://invoice.example.com/<script>',
    'not a url',
  ])('drops %s', (url) => {
    expect(invoicePageUrl(url)).toBeUndefined();
  });
});
