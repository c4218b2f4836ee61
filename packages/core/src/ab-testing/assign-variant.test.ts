import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/validation-error.js';
import { assignVariant, hashToUnitInterval } from './assign-variant.js';

const variants = [
  { name: 'A', weight: 1 },
  { name: 'B', weight: 3 },
];

describe('assignVariant', () => {
  it('is deterministic: the same test and user always get the same variant', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (testId, userId) => {
        expect(assignVariant({ testId, userId, variants })).toBe(
          assignVariant({ testId, userId, variants }),
        );
      }),
    );
  });

  it('follows the weights (10,000 users, 1:3 within 2 points)', () => {
    let b = 0;
    for (let index = 0; index < 10_000; index += 1) {
      if (assignVariant({ testId: 'test-1', userId: `user-${index}`, variants }) === 'B') b += 1;
    }
    expect(b / 10_000).toBeGreaterThan(0.73);
    expect(b / 10_000).toBeLessThan(0.77);
  });

  it('depends on the test: another test splits the same users differently', () => {
    const users = Array.from({ length: 200 }, (_, index) => `user-${index}`);
    const even = [
      { name: 'A', weight: 1 },
      { name: 'B', weight: 1 },
    ];
    const first = users.map((userId) => assignVariant({ testId: 'one', userId, variants: even }));
    const second = users.map((userId) => assignVariant({ testId: 'two', userId, variants: even }));
    expect(first).not.toEqual(second);
  });

  it('hashes into [0, 1)', () => {
    fc.assert(
      fc.property(fc.string(), (input) => {
        const value = hashToUnitInterval(input);
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThan(1);
      }),
    );
  });

  it('refuses no variants and non-positive weights', () => {
    expect(() => assignVariant({ testId: 't', userId: 'u', variants: [] })).toThrow(
      ValidationError,
    );
    expect(() =>
      assignVariant({ testId: 't', userId: 'u', variants: [{ name: 'A', weight: 0 }] }),
    ).toThrow(/weight: must be a positive number/);
  });
});
