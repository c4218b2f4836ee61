import { describe, expect, test } from 'vitest';
import { toCustomerInvoiceRow } from './customer-invoice.js';

describe('toCustomerInvoiceRow', () => {
  test('an open provider invoice: number, hosted page, total and what is due', () => {
    expect(
      toCustomerInvoiceRow({
        id: 'in_1',
        number: 'ACME-0001',
        status: 'open',
        totalCents: 4900,
        amountDueCents: 4900,
        currency: 'usd',
        at: '2026-11-03T10:00:00.000Z',
        hostedInvoiceUrl: 'https://invoice.stripe.com/i/acct_1/in_1',
      }),
    ).toEqual({
      id: 'in_1',
      number: 'ACME-0001',
      hostedInvoiceUrl: 'https://invoice.stripe.com/i/acct_1/in_1',
      date: 'Nov 3, 2026',
      total: '$49.00',
      status: 'Open, $49.00 due',
    });
  });

  test.each([
    ['paid', 0, 'Paid'],
    ['void', 0, 'Void'],
    ['uncollectible', 2500, 'Uncollectible'],
    ['open', 0, 'Open'],
  ])('status %s with %i cents due reads "%s"', (status, amountDueCents, expected) => {
    const row = toCustomerInvoiceRow({
      id: 'in_2',
      status,
      totalCents: 2500,
      amountDueCents,
      currency: 'eur',
    });
    expect(row.status).toBe(expected);
    expect(row.total).toBe('€25.00');
  });

  test('links only to https pages', () => {
    for (const url of ['javascript:alert(1)', 'http://invoice.example/in_3', 'not a url']) {
      expect(toCustomerInvoiceRow({ id: 'in_3', hostedInvoiceUrl: url }).hostedInvoiceUrl).toBe(
        undefined,
      );
    }
  });

  test('reads Churn’s own invoices and older shapes, falling back to the id and the customer’s currency', () => {
    expect(
      toCustomerInvoiceRow(
        { id: 'recovered:conv_1', status: 'paid', amountDue: 12.5, createdAt: 'garbage' },
        'gbp',
      ),
    ).toEqual({
      id: 'recovered:conv_1',
      number: 'recovered:conv_1',
      hostedInvoiceUrl: undefined,
      date: '—',
      total: '£12.50',
      status: 'Paid',
    });
    expect(toCustomerInvoiceRow(null)).toMatchObject({ number: '', total: '—', status: '—' });
  });
});
