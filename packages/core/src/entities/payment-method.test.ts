import { describe, expect, it } from 'vitest';
import { fixedClock } from '../clock.js';
import { ValidationError } from '../errors/validation-error.js';
import { paymentMethodArbitrary } from './arbitraries.js';
import { parseEntity } from './parse-entity.js';
import {
  createPaymentMethodSchema,
  type PaymentMethodInput,
  PaymentMethodSchema,
} from './payment-method.js';
import { describeEntity } from './rule-test-kit.js';

const now = new Date('2026-03-15T12:00:00Z');
const schema = createPaymentMethodSchema({ clock: fixedClock(now) });

const example: PaymentMethodInput = {
  id: 'pm_1',
  tenantId: 'ten_1',
  customerId: 'cus_1',
  cardType: 'visa',
  lastFourDigits: '4242',
  expiryMonth: 4,
  expiryYear: 2026,
  status: 'active',
  failureCount: 0,
  lastSuccessDate: '2026-02-01T00:00:00Z',
};

describeEntity('PaymentMethod', schema, {
  example,
  arbitrary: paymentMethodArbitrary({ now }),
  accepted: [
    { title: 'expiry month 1', change: (p) => ({ ...p, expiryMonth: 1 }) },
    { title: 'expiry month 12', change: (p) => ({ ...p, expiryMonth: 12 }) },
    { title: 'expiry year this year', change: (p) => ({ ...p, expiryYear: 2026 }) },
    { title: 'last four digits 0000', change: (p) => ({ ...p, lastFourDigits: '0000' }) },
    { title: 'failure count 0', change: (p) => ({ ...p, failureCount: 0 }) },
  ],
  rules: [
    {
      rule: 'customerId is required',
      path: ['customerId'],
      message: /is required/,
      breakIt: ({ customerId, ...p }) => p,
    },
    {
      rule: 'cardType is one of the seed brands',
      path: ['cardType'],
      message: /must be one of: visa, mastercard, amex, discover/,
      breakIt: (p) => ({ ...p, cardType: 'jcb' }),
    },
    ...['424', '42424', '42a2', ' 424', 4242].map((lastFourDigits) => ({
      rule: `lastFourDigits is exactly 4 numerals (not ${JSON.stringify(lastFourDigits)})`,
      path: ['lastFourDigits'],
      message: /must be exactly 4 digits, like 4242/,
      breakIt: (p: PaymentMethodInput) => ({ ...p, lastFourDigits }),
    })),
    ...[0, 13, -1, 6.5].map((expiryMonth) => ({
      rule: `expiryMonth is 1 to 12 (not ${expiryMonth})`,
      path: ['expiryMonth'],
      message: /must be a month number from 1 to 12/,
      breakIt: (p: PaymentMethodInput) => ({ ...p, expiryMonth }),
    })),
    {
      rule: 'expiryYear is this year or later',
      path: ['expiryYear'],
      message: /must be 2026 or later: the card has already expired/,
      breakIt: (p) => ({ ...p, expiryYear: 2025 }),
    },
    {
      rule: 'expiryYear is a whole number',
      path: ['expiryYear'],
      message: /four-digit year/,
      breakIt: (p) => ({ ...p, expiryYear: 2030.5 }),
    },
    {
      rule: 'status is one of the seed values',
      path: ['status'],
      message: /must be one of: active, expired, failed, invalid/,
      breakIt: (p) => ({ ...p, status: 'blocked' }),
    },
    {
      rule: 'failureCount is not negative',
      path: ['failureCount'],
      message: /must be a whole number, 0 or more/,
      breakIt: (p) => ({ ...p, failureCount: -1 }),
    },
    {
      rule: 'failureCount is a whole number',
      path: ['failureCount'],
      message: /must be a whole number, 0 or more/,
      breakIt: (p) => ({ ...p, failureCount: 1.5 }),
    },
    {
      rule: 'lastFailureDate is a date',
      path: ['lastFailureDate'],
      message: /must be a date/,
      breakIt: (p) => ({ ...p, lastFailureDate: 'yesterday' }),
    },
  ],
});

describe('PaymentMethod expiry year and the clock', () => {
  it('reads the clock at parse time, so one schema follows the calendar', () => {
    let current = new Date('2026-12-31T23:59:59Z');
    const moving = createPaymentMethodSchema({ clock: () => current });
    expect(parseEntity(moving, example, 'PaymentMethod').expiryYear).toBe(2026);
    current = new Date('2027-01-01T00:00:00Z');
    expect(() => parseEntity(moving, example, 'PaymentMethod')).toThrow(ValidationError);
  });

  it('uses the system clock by default', () => {
    const thisYear = new Date().getUTCFullYear();
    expect(() =>
      parseEntity(PaymentMethodSchema, { ...example, expiryYear: thisYear }, 'PaymentMethod'),
    ).not.toThrow();
    expect(() =>
      parseEntity(PaymentMethodSchema, { ...example, expiryYear: thisYear - 1 }, 'PaymentMethod'),
    ).toThrow(/expiryYear: must be \d{4} or later/);
  });
});
