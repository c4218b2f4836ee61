import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/validation-error.js';
import { assessRisk, daysUntilCardExpiry, type RiskInput, riskRule } from './assess-risk.js';

const now = new Date('2026-03-10T12:00:00Z');
const inHours = (hours: number) => new Date(now.getTime() + hours * 3_600_000);

describe('assessRisk', () => {
  // [label, input, category, severity, score]
  const table: [string, Omit<RiskInput, 'now'>, string, string, number][] = [
    [
      'first failure, small account, retry far off',
      { accountValue: 49, failureCount: 1, nextRetryAt: inHours(120) },
      'failed-payment',
      'medium',
      2,
    ],
    [
      'a failed payment is at least medium, even for a tiny account',
      { accountValue: 1, failureCount: 1 },
      'failed-payment',
      'medium',
      2,
    ],
    [
      'retry exactly 72 h away counts as imminent',
      { accountValue: 49, failureCount: 1, nextRetryAt: inHours(72) },
      'failed-payment',
      'medium',
      3,
    ],
    [
      'retry 72 h + 1 s away does not',
      { accountValue: 49, failureCount: 1, nextRetryAt: new Date(inHours(72).getTime() + 1000) },
      'failed-payment',
      'medium',
      2,
    ],
    ['two failures', { accountValue: 49, failureCount: 2 }, 'failed-payment', 'medium', 3],
    ['three failures are high', { accountValue: 49, failureCount: 3 }, 'failed-payment', 'high', 4],
    [
      'first failure, 100 a month, retry tomorrow',
      { accountValue: 100, failureCount: 1, nextRetryAt: inHours(24) },
      'failed-payment',
      'high',
      4,
    ],
    [
      'first failure, 99.99 a month, retry tomorrow',
      { accountValue: 99.99, failureCount: 1, nextRetryAt: inHours(24) },
      'failed-payment',
      'medium',
      3,
    ],
    [
      'first failure, 500 a month',
      { accountValue: 500, failureCount: 1 },
      'failed-payment',
      'high',
      4,
    ],
    [
      'failure outranks an expiring card',
      { accountValue: 49, failureCount: 1, daysToExpiry: 20 },
      'failed-payment',
      'medium',
      3,
    ],
    [
      'card expiring in 31 days',
      { accountValue: 49, failureCount: 0, daysToExpiry: 31 },
      'expiring-card',
      'low',
      0,
    ],
    [
      'card expiring in 30 days',
      { accountValue: 49, failureCount: 0, daysToExpiry: 30 },
      'expiring-card',
      'low',
      1,
    ],
    [
      'card expiring in 8 days',
      { accountValue: 49, failureCount: 0, daysToExpiry: 8 },
      'expiring-card',
      'low',
      1,
    ],
    [
      'card expiring in 7 days',
      { accountValue: 49, failureCount: 0, daysToExpiry: 7 },
      'expiring-card',
      'medium',
      2,
    ],
    [
      'card expiring today (day 0)',
      { accountValue: 49, failureCount: 0, daysToExpiry: 0 },
      'expiring-card',
      'medium',
      2,
    ],
    [
      'card expired yesterday',
      { accountValue: 49, failureCount: 0, daysToExpiry: -1 },
      'expiring-card',
      'medium',
      3,
    ],
    [
      'expired card on a 100 a month account',
      { accountValue: 100, failureCount: 0, daysToExpiry: -1 },
      'expiring-card',
      'high',
      4,
    ],
    [
      'expiring in 60 days on a 500 a month account',
      { accountValue: 500, failureCount: 0, daysToExpiry: 60 },
      'expiring-card',
      'medium',
      2,
    ],
    [
      'expiring in 20 days on a 499 a month account',
      { accountValue: 499, failureCount: 0, daysToExpiry: 20 },
      'expiring-card',
      'medium',
      2,
    ],
  ];

  it.each(table)('%s', (_label, input, category, severity, score) => {
    const assessment = assessRisk({ ...input, now });
    expect(assessment.category).toBe(category);
    expect(assessment.severity).toBe(severity);
    expect(assessment.score).toBe(score);
    expect(assessment.reasons.reduce((sum, reason) => sum + reason.points, 0)).toBe(score);
  });

  it('explains itself in plain words', () => {
    const { reasons } = assessRisk({
      accountValue: 150,
      failureCount: 2,
      nextRetryAt: inHours(30),
      daysToExpiry: 5,
      now,
    });
    expect(reasons.map((reason) => reason.code)).toEqual([
      'payment-failed',
      'repeated-failures',
      'retry-imminent',
      'card-expires-within-a-week',
      'valuable-account',
    ]);
    expect(reasons[2]!.message).toBe('The next retry is in 2 days.');
    expect(reasons[3]!.message).toBe('The card expires in 5 days.');
  });

  it('reads its thresholds from riskRule', () => {
    expect(riskRule.highScore).toBe(4);
    expect(riskRule.mediumScore).toBe(2);
    expect(riskRule.imminentRetryHours).toBe(72);
  });

  it('refuses input with nothing to assess, or out of range, listing every problem', () => {
    expect(() => assessRisk({ accountValue: 49, failureCount: 0, now })).toThrow(ValidationError);
    try {
      assessRisk({ accountValue: -1, failureCount: 1.5, daysToExpiry: Number.NaN, now });
    } catch (error) {
      expect((error as ValidationError).issues.map((issue) => issue.path[0])).toEqual([
        'accountValue',
        'failureCount',
        'daysToExpiry',
      ]);
    }
    expect.assertions(2);
  });
});

describe('daysUntilCardExpiry', () => {
  it.each([
    ['mid-month', { expiryMonth: 3, expiryYear: 2026 }, '2026-03-10T12:00:00Z', 21],
    [
      'last day of the expiry month',
      { expiryMonth: 3, expiryYear: 2026 },
      '2026-03-31T23:59:59Z',
      0,
    ],
    ['first instant after', { expiryMonth: 3, expiryYear: 2026 }, '2026-04-01T00:00:00Z', -1],
    ['a second later', { expiryMonth: 3, expiryYear: 2026 }, '2026-04-01T00:00:01Z', -1],
    [
      'December rolls into the next year',
      { expiryMonth: 12, expiryYear: 2026 },
      '2026-12-21T00:00:00Z',
      11,
    ],
  ] as const)('%s', (_label, card, at, days) => {
    expect(daysUntilCardExpiry(card, new Date(at))).toBe(days);
  });
});
