import type { RiskCategory, RiskSeverity } from '../entities/enums.js';
import { ValidationError } from '../errors/validation-error.js';

/** What {@link assessRisk} reads. */
export interface RiskInput {
  /** Monthly value of the account, in major units (49 = $49 a month). */
  accountValue: number;
  /** Whole days until the card stops working ({@link daysUntilCardExpiry}); negative once expired. */
  daysToExpiry?: number | undefined;
  /** Consecutive failed payments (0 when the last payment went through). */
  failureCount: number;
  /** When the provider retries the failed invoice next (Smart Retries), when it will. */
  nextRetryAt?: Date | undefined;
  now: Date;
}

/** One reason behind an assessment, with the points it added. */
export interface RiskReason {
  code:
    | 'payment-failed'
    | 'repeated-failures'
    | 'retry-imminent'
    | 'card-expired'
    | 'card-expires-within-a-week'
    | 'card-expires-within-a-month'
    | 'card-expiring'
    | 'high-value-account'
    | 'valuable-account';
  points: number;
  /** Plain words for the operator's console. */
  message: string;
}

/** The outcome of {@link assessRisk}. */
export interface RiskAssessment {
  category: RiskCategory;
  severity: RiskSeverity;
  /** The points added up; severity is read from it. */
  score: number;
  /** Why, in the order the rule checks them. */
  reasons: RiskReason[];
}

/**
 * The thresholds of the risk rule, in one place so the docs, the tests and the console agree.
 * See {@link assessRisk} for how they add up.
 */
export const riskRule = {
  /** A failed payment starts at 2 points (already medium): money is already lost. */
  failedPaymentPoints: 2,
  /** From this many consecutive failures: +1; from `manyFailures`: +2 instead. */
  repeatedFailures: 2,
  manyFailures: 3,
  /** A retry due within this many hours: +1 (fix the card before the retry runs). */
  imminentRetryHours: 72,
  /** Card expiry: expired (days < 0) +3, within a week +2, within a month +1. */
  expiringSoonDays: 7,
  expiringDays: 30,
  /** Monthly value: from `valuableAccount` +1, from `highValueAccount` +2 instead. */
  valuableAccount: 100,
  highValueAccount: 500,
  /** Severity: score >= high is high, >= medium is medium, else low. */
  highScore: 4,
  mediumScore: 2,
} as const;

const DAY_MS = 86_400_000;

/**
 * Whole days from `now` until the card stops working: cards are valid through the last day of
 * their expiry month (UTC). 0 on that last day, negative once it has passed.
 *
 * @example
 * daysUntilCardExpiry({ expiryMonth: 1, expiryYear: 2027 }, new Date('2027-01-21T12:00:00Z')) // 10
 */
export function daysUntilCardExpiry(
  card: { expiryMonth: number; expiryYear: number },
  now: Date,
): number {
  const remaining = Date.UTC(card.expiryYear, card.expiryMonth, 1) - now.getTime();
  const days = Math.floor(remaining / DAY_MS);
  // From the first instant of the next month the card no longer works: negative, never 0.
  return remaining <= 0 ? Math.min(-1, days) : days;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * Scores how urgent a customer's payment problem is. The rule (points add up):
 *
 * | signal | points |
 * | --- | --- |
 * | a failed payment (`failureCount` > 0) | 2 |
 * | 2 consecutive failures / 3 or more | +1 / +2 |
 * | the next retry within 72 hours | +1 |
 * | card expired (days < 0) / within 7 days / within 30 days | +3 / +2 / +1 |
 * | monthly value from 100 / from 500 | +1 / +2 |
 *
 * Severity: 4 points or more is `high`, 2 or 3 `medium`, less `low`. The category is
 * `failed-payment` whenever a payment failed (it outranks an expiring card, and starts at
 * medium), else `expiring-card`. Thresholds are in {@link riskRule}.
 *
 * @throws {ValidationError} when there is nothing to assess (no failure and no expiry), or an
 * input is not a finite, non-negative number.
 */
export function assessRisk(input: RiskInput): RiskAssessment {
  const issues: { path: string[]; message: string }[] = [];
  if (!Number.isFinite(input.accountValue) || input.accountValue < 0) {
    issues.push({ path: ['accountValue'], message: 'must be a number of 0 or more' });
  }
  if (!Number.isInteger(input.failureCount) || input.failureCount < 0) {
    issues.push({ path: ['failureCount'], message: 'must be a whole number of 0 or more' });
  }
  if (input.daysToExpiry !== undefined && !Number.isFinite(input.daysToExpiry)) {
    issues.push({ path: ['daysToExpiry'], message: 'must be a finite number of days' });
  }
  if (issues.length === 0 && input.failureCount === 0 && input.daysToExpiry === undefined) {
    issues.push({
      path: ['failureCount'],
      message:
        'is 0 and no daysToExpiry was given: there is no payment problem to assess (pass a failure count or the days until the card expires)',
    });
  }
  if (issues.length > 0) throw new ValidationError('risk input', issues);

  const reasons: RiskReason[] = [];
  const { failureCount, daysToExpiry, accountValue } = input;
  if (failureCount > 0) {
    reasons.push({
      code: 'payment-failed',
      points: riskRule.failedPaymentPoints,
      message: `The last payment failed${failureCount > 1 ? ` (${plural(failureCount, 'attempt')} in a row)` : ''}.`,
    });
    if (failureCount >= riskRule.manyFailures) {
      reasons.push({
        code: 'repeated-failures',
        points: 2,
        message: `${plural(failureCount, 'payment')} failed in a row.`,
      });
    } else if (failureCount >= riskRule.repeatedFailures) {
      reasons.push({
        code: 'repeated-failures',
        points: 1,
        message: `${plural(failureCount, 'payment')} failed in a row.`,
      });
    }
    if (input.nextRetryAt !== undefined) {
      const hours = (input.nextRetryAt.getTime() - input.now.getTime()) / 3_600_000;
      if (hours <= riskRule.imminentRetryHours) {
        reasons.push({
          code: 'retry-imminent',
          points: 1,
          message:
            hours <= 0
              ? 'The next retry is due now.'
              : `The next retry is in ${plural(Math.ceil(hours / 24), 'day')}.`,
        });
      }
    }
  }
  if (daysToExpiry !== undefined) {
    if (daysToExpiry < 0) {
      reasons.push({ code: 'card-expired', points: 3, message: 'The card has expired.' });
    } else if (daysToExpiry <= riskRule.expiringSoonDays) {
      reasons.push({
        code: 'card-expires-within-a-week',
        points: 2,
        message: `The card expires in ${plural(daysToExpiry, 'day')}.`,
      });
    } else if (daysToExpiry <= riskRule.expiringDays) {
      reasons.push({
        code: 'card-expires-within-a-month',
        points: 1,
        message: `The card expires in ${plural(daysToExpiry, 'day')}.`,
      });
    } else {
      reasons.push({
        code: 'card-expiring',
        points: 0,
        message: `The card expires in ${plural(daysToExpiry, 'day')}.`,
      });
    }
  }
  if (accountValue >= riskRule.highValueAccount) {
    reasons.push({
      code: 'high-value-account',
      points: 2,
      message: `A high-value account (${accountValue} a month).`,
    });
  } else if (accountValue >= riskRule.valuableAccount) {
    reasons.push({
      code: 'valuable-account',
      points: 1,
      message: `A valuable account (${accountValue} a month).`,
    });
  }
  const score = reasons.reduce((sum, reason) => sum + reason.points, 0);
  const severity: RiskSeverity =
    score >= riskRule.highScore ? 'high' : score >= riskRule.mediumScore ? 'medium' : 'low';
  return {
    category: failureCount > 0 ? 'failed-payment' : 'expiring-card',
    severity,
    score,
    reasons,
  };
}
