import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/validation-error.js';
import { roundToDecimals } from './round-to-decimals.js';
import { summariseResolutionTimes } from './summarise-resolution-times.js';

describe('summariseResolutionTimes', () => {
  it('summarises a hand-computed set', () => {
    const times = [150, 30, 200, 90, 120.5];
    // Sorted: 30, 90, 120.5, 150, 200 (n = 5).
    // mean = (30 + 90 + 120.5 + 150 + 200) / 5 = 590.5 / 5 = 118.1
    // p50: rank ceil(0.5 * 5) = 3 -> 120.5; p90: rank ceil(0.9 * 5) = 5 -> 200
    // within 180 s: 4 of 5 = 80 %
    expect(summariseResolutionTimes(times)).toEqual({
      count: 5,
      mean: 118.1,
      p50: 120.5,
      p90: 200,
      max: 200,
      withinBudgetRate: 80,
    });
    // The input keeps its order.
    expect(times).toEqual([150, 30, 200, 90, 120.5]);
  });

  it('uses the nearest rank: 1..10 gives p50 = 5 and p90 = 9', () => {
    // p50: rank ceil(0.5 * 10) = 5 -> 5; p90: rank ceil(0.9 * 10) = 9 -> 9; mean 55 / 10 = 5.5
    const summary = summariseResolutionTimes([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(summary).toMatchObject({ count: 10, mean: 5.5, p50: 5, p90: 9, max: 10 });
  });

  it('counts exactly 180 s as within the budget and 180.001 s as past it', () => {
    // 1 of 2 within: 50 %; mean (180 + 180.001) / 2 = 180.0005 -> 180 (2 decimals)
    expect(summariseResolutionTimes([180, 180.001])).toEqual({
      count: 2,
      mean: 180,
      p50: 180,
      p90: 180.001,
      max: 180.001,
      withinBudgetRate: 50,
    });
  });

  it('rounds the rate to 2 decimals', () => {
    // 2 of 3 within: 66.666... -> 66.67; mean (10 + 20 + 200) / 3 = 76.666... -> 76.67
    expect(summariseResolutionTimes([10, 20, 200])).toMatchObject({
      withinBudgetRate: 66.67,
      mean: 76.67,
    });
  });

  it('answers zeros for no times at all', () => {
    expect(summariseResolutionTimes([])).toEqual({
      count: 0,
      mean: 0,
      p50: 0,
      p90: 0,
      max: 0,
      withinBudgetRate: 0,
    });
  });

  it('rejects negative and non-finite times, listing each', () => {
    let thrown: unknown;
    try {
      summariseResolutionTimes([12, -1, Number.NaN, Number.POSITIVE_INFINITY]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).issues.map((issue) => issue.path)).toEqual([[1], [2], [3]]);
  });

  it('orders its figures for any input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 10_000, noNaN: true }), { minLength: 1 }),
        (times) => {
          const summary = summariseResolutionTimes(times);
          expect(summary.count).toBe(times.length);
          expect(summary.p50).toBeLessThanOrEqual(summary.p90);
          expect(summary.p90).toBeLessThanOrEqual(summary.max);
          expect(times).toContain(summary.p50);
          expect(times).toContain(summary.p90);
          expect(summary.max).toBe(Math.max(...times));
          expect(summary.withinBudgetRate).toBeGreaterThanOrEqual(0);
          expect(summary.withinBudgetRate).toBeLessThanOrEqual(100);
        },
      ),
    );
  });
});

describe('roundToDecimals', () => {
  it('rounds the decimal a person reads, half away from zero', () => {
    expect(roundToDecimals(1.005, 2)).toBe(1.01);
    expect(roundToDecimals(0.1 + 0.2, 2)).toBe(0.3);
    expect(roundToDecimals(120.166666, 2)).toBe(120.17);
    expect(roundToDecimals(-2.345, 2)).toBe(-2.35);
    expect(roundToDecimals(1e-7, 2)).toBe(0);
    expect(roundToDecimals(42, 2)).toBe(42);
  });
});
