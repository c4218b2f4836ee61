import { ValidationError } from '../errors/validation-error.js';
import { SESSION_BUDGET_SECONDS } from '../state-machines/chat-session.js';
import { roundToDecimals } from './round-to-decimals.js';

/** The distribution of a set of resolution times, in seconds. */
export interface ResolutionTimeSummary {
  /** How many times were summarised. */
  count: number;
  /** Arithmetic mean, rounded to 2 decimals; 0 when there are none. */
  mean: number;
  /** Median by the nearest-rank method: an observed value; 0 when there are none. */
  p50: number;
  /** 90th percentile by the nearest-rank method: an observed value; 0 when there are none. */
  p90: number;
  /** The longest; 0 when there are none. */
  max: number;
  /**
   * Percentage (0 to 100, rounded to 2 decimals) of times within the 180-second budget,
   * 180 s included; 0 when there are none.
   */
  withinBudgetRate: number;
}

/**
 * The nearest-rank percentile of ascending `sorted` values: the smallest value with at
 * least `percent`% of the values at or below it (index `ceil(percent / 100 * n) - 1`).
 */
function nearestRank(sorted: readonly number[], percent: number): number {
  const index = Math.max(0, Math.ceil((percent / 100) * sorted.length) - 1);
  return sorted[index] ?? 0;
}

/**
 * Summarises resolution times (seconds, for example from `sessionResolutionSeconds`):
 * count, mean, p50, p90, max and the share within the 180-second budget. Percentiles use
 * the nearest-rank method, so each is a time that was actually observed. The input is not
 * changed.
 *
 * @throws {ValidationError} when a time is negative, NaN or infinite.
 */
export function summariseResolutionTimes(seconds: readonly number[]): ResolutionTimeSummary {
  const issues = seconds.flatMap((value, index) =>
    Number.isFinite(value) && value >= 0
      ? []
      : [{ path: [index], message: `must be a number of seconds, 0 or more (got ${value})` }],
  );
  if (issues.length > 0) throw new ValidationError('resolution times', issues);
  if (seconds.length === 0) {
    return { count: 0, mean: 0, p50: 0, p90: 0, max: 0, withinBudgetRate: 0 };
  }
  const sorted = [...seconds].sort((left, right) => left - right);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  const within = sorted.filter((value) => value <= SESSION_BUDGET_SECONDS).length;
  return {
    count: sorted.length,
    mean: roundToDecimals(total / sorted.length, 2),
    p50: nearestRank(sorted, 50),
    p90: nearestRank(sorted, 90),
    max: sorted[sorted.length - 1] ?? 0,
    withinBudgetRate: roundToDecimals((within / sorted.length) * 100, 2),
  };
}
