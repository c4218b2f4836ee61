import {
  checkRateLimitRule,
  gcra,
  type RateLimitConsumeOptions,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitRule,
} from './rate-limiter.js';

/** Settings of {@link createMemoryRateLimiter}. */
export interface MemoryRateLimiterSettings {
  /** The clock in milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Most buckets kept; past it the ones that are full again are dropped first. Default 100,000. */
  maxKeys?: number;
}

/**
 * The in-process {@link RateLimiter}: one number per key in a `Map` (GCRA), buckets that
 * have refilled are swept as the map grows. Right for one instance; several instances each
 * count on their own (use `createRedisRateLimiter` to share the counts).
 *
 * @example
 * const limiter = createMemoryRateLimiter();
 * const decision = await limiter.consume('ip:203.0.113.7', { limit: 60, windowMs: 60_000 });
 */
export function createMemoryRateLimiter(settings: MemoryRateLimiterSettings = {}): RateLimiter {
  const now = settings.now ?? Date.now;
  const maxKeys = settings.maxKeys ?? 100_000;
  const buckets = new Map<string, number>();

  const sweep = (at: number): void => {
    for (const [key, tat] of buckets) if (tat <= at) buckets.delete(key);
    // Still full of live buckets: drop the oldest entries (insertion order).
    for (const key of buckets.keys()) {
      if (buckets.size < maxKeys) break;
      buckets.delete(key);
    }
  };

  return {
    specificationVersion: 'v1',
    provider: 'memory',
    async consume(
      key: string,
      rule: RateLimitRule,
      options: RateLimitConsumeOptions = {},
    ): Promise<RateLimitDecision> {
      checkRateLimitRule(rule);
      const at = now();
      const { decision, tat } = gcra(buckets.get(key), at, rule, options.cost ?? 1);
      if (decision.allowed && !options.dryRun) {
        if (!buckets.has(key) && buckets.size >= maxKeys) sweep(at);
        buckets.set(key, tat);
      }
      return decision;
    },
    async reset(key: string): Promise<void> {
      buckets.delete(key);
    },
    async close(): Promise<void> {
      buckets.clear();
    },
  };
}
