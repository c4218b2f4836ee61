import { describe, expect, it } from 'vitest';
import { normalCdf, twoProportionZTest } from './ab-statistics.js';

describe('twoProportionZTest', () => {
  it('45/100 vs 55/100: pooled p = 0.5, SE = sqrt(0.25 × 0.02) = 0.0707107, z = √2, p = 0.1573', () => {
    const result = twoProportionZTest(
      { successes: 45, trials: 100 },
      { successes: 55, trials: 100 },
    );
    expect(result.controlRate).toBe(0.45);
    expect(result.treatmentRate).toBe(0.55);
    expect(result.difference).toBeCloseTo(0.1, 12);
    expect(result.z).toBeCloseTo(Math.SQRT2, 9);
    // 2 × (1 − Φ(1.41421)) = 2 × (1 − 0.921350) = 0.157299
    expect(result.pValue).toBeCloseTo(0.157299, 5);
  });

  it('200/1000 vs 250/1000: pooled 0.225, SE = 0.0186749, z = 2.6774, p = 0.00742', () => {
    const result = twoProportionZTest(
      { successes: 200, trials: 1000 },
      { successes: 250, trials: 1000 },
    );
    expect(result.z).toBeCloseTo(2.677398, 5);
    expect(result.pValue).toBeCloseTo(0.00742, 4);
  });

  it('a worse treatment has a negative z and the same two-sided p-value as its mirror', () => {
    const worse = twoProportionZTest(
      { successes: 55, trials: 100 },
      { successes: 45, trials: 100 },
    );
    expect(worse.z).toBeCloseTo(-Math.SQRT2, 9);
    expect(worse.pValue).toBeCloseTo(0.157299, 5);
  });

  it('equal rates give z = 0 and p = 1', () => {
    const result = twoProportionZTest({ successes: 10, trials: 50 }, { successes: 10, trials: 50 });
    expect(result.z).toBe(0);
    expect(result.pValue).toBeCloseTo(1, 6);
  });

  it('nothing to compare (no trials, all successes) gives p = 1', () => {
    expect(
      twoProportionZTest({ successes: 0, trials: 0 }, { successes: 3, trials: 5 }).pValue,
    ).toBe(1);
    expect(
      twoProportionZTest({ successes: 5, trials: 5 }, { successes: 9, trials: 9 }).pValue,
    ).toBe(1);
  });
});

describe('normalCdf', () => {
  it.each([
    [0, 0.5],
    [1.959964, 0.975],
    [-1.644854, 0.05],
    [3, 0.99865],
  ])('Φ(%d) = %d', (z, expected) => {
    expect(normalCdf(z)).toBeCloseTo(expected, 6);
  });
});
