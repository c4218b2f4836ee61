import { describe, expect, test } from 'vitest';
import { describeCard, toCustomerRow } from './customer-row.js';

describe('toCustomerRow', () => {
  test('reads the row of GET /api/customers', () => {
    const row = toCustomerRow({
      id: 'cus_1',
      externalId: null,
      stripeCustomerId: 'cus_stripe_1',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      riskCategory: 'failed-payment',
      severity: 'high',
      status: 'at-risk',
      monthlyValueCents: 24900,
      currency: 'eur',
      card: { brand: 'visa', last4: '4242', expMonth: 4, expYear: 2027 },
      lastInterventionAt: null,
      updatedAt: '2026-11-22T10:00:00.000Z',
    });
    expect(row).toMatchObject({
      id: 'cus_1',
      externalId: 'cus_stripe_1',
      severity: 'high',
      status: 'at-risk',
      monthlyValueCents: 24900,
      currency: 'eur',
      lastInterventionAt: undefined,
    });
    expect(describeCard(row.card)).toBe('visa ···· 4242, 04/27');
  });

  test('reads the entity’s own field names (major units) too', () => {
    const row = toCustomerRow({
      id: 'c',
      name: 'B',
      email: 'b@x',
      accountStatus: 'active',
      riskSeverity: 'low',
      accountValue: 49.5,
    });
    expect(row).toMatchObject({
      status: 'active',
      severity: 'low',
      monthlyValueCents: 4950,
      currency: 'usd',
      card: undefined,
    });
    expect(describeCard(row.card)).toBe('—');
  });

  test('never throws on junk', () => {
    for (const value of [
      null,
      undefined,
      42,
      'text',
      [],
      { card: 'x', monthlyValueCents: 'NaN' },
    ]) {
      expect(() => toCustomerRow(value)).not.toThrow();
    }
  });
});
