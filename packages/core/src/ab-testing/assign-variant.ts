import { ValidationError } from '../errors/validation-error.js';

/** A variant of an A/B test and its share of the traffic. */
export interface WeightedVariant {
  /** Like `A`, `B` or `control`. */
  name: string;
  /** Relative weight, > 0 (weights 1 and 3 give 25 % and 75 %). */
  weight: number;
}

/**
 * FNV-1a (32 bits) over the UTF-16 code units, then MurmurHash3's finaliser so that
 * close inputs (`user-1`, `user-2`) land far apart.
 */
export function hashToUnitInterval(input: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < input.length; index += 1) {
    hash ^= input.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 0x1_0000_0000;
}

/**
 * The variant a user sees in a test: deterministic (a hash of the test id and the user id,
 * so every server instance agrees without a lookup) and weighted. Pure; store the result
 * once so a later change of weights does not move users who were already assigned.
 *
 * @throws {ValidationError} when there are no variants or a weight is not a positive number.
 */
export function assignVariant(options: {
  testId: string;
  userId: string;
  variants: readonly WeightedVariant[];
}): string {
  const { variants } = options;
  const issues = variants.flatMap((variant, index) =>
    Number.isFinite(variant.weight) && variant.weight > 0
      ? []
      : [{ path: ['variants', index, 'weight'], message: 'must be a positive number' }],
  );
  if (variants.length === 0) issues.push({ path: ['variants'], message: 'must not be empty' });
  if (issues.length > 0) throw new ValidationError('A/B test variants', issues);
  const total = variants.reduce((sum, variant) => sum + variant.weight, 0);
  const point = hashToUnitInterval(`${options.testId}\u0000${options.userId}`) * total;
  let cumulative = 0;
  for (const variant of variants) {
    cumulative += variant.weight;
    if (point < cumulative) return variant.name;
  }
  return variants.at(-1)!.name;
}
