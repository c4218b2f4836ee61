import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimiter } from './rate-limiter.js';

/** What the suite needs to make a limiter under test. */
export interface RateLimiterSuiteSettings {
  /** Makes a limiter whose clock is `now()` (milliseconds). */
  create(now: () => number): RateLimiter | Promise<RateLimiter>;
}

/**
 * The rate limiter conformance suite: every {@link RateLimiter} (memory, Redis) runs it.
 * Keys are unique per run, so a shared Redis needs no cleanup between runs.
 */
export function rateLimiterSuite(name: string, settings: RateLimiterSuiteSettings): void {
  describe(`RateLimiter conformance: ${name}`, () => {
    let clock = 1_700_000_000_000;
    let limiter: RateLimiter;
    const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    let counter = 0;
    const freshKey = (): string => `suite:${run}:${counter++}`;

    beforeAll(async () => {
      limiter = await settings.create(() => clock);
    });
    afterAll(async () => {
      await limiter.close();
    });

    it('names itself', () => {
      expect(limiter.specificationVersion).toBe('v1');
      expect(limiter.provider).toMatch(/^[a-z-]+$/);
    });

    it('allows a burst of `limit`, then refuses with the time to wait', async () => {
      const key = freshKey();
      const rule = { limit: 3, windowMs: 3000 };
      const decisions = [];
      for (let index = 0; index < 4; index++) decisions.push(await limiter.consume(key, rule));
      expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
      expect(decisions.map((decision) => decision.remaining)).toEqual([2, 1, 0, 0]);
      const refused = decisions[3]!;
      expect(refused.limit).toBe(3);
      expect(refused.retryAfterMs).toBe(1000);
      expect(refused.resetMs).toBe(3000);
      expect(decisions[0]!.retryAfterMs).toBe(0);
    });

    it('refills evenly over the window', async () => {
      const key = freshKey();
      const rule = { limit: 2, windowMs: 1000 };
      expect((await limiter.consume(key, rule)).allowed).toBe(true);
      expect((await limiter.consume(key, rule)).allowed).toBe(true);
      expect((await limiter.consume(key, rule)).allowed).toBe(false);
      clock += 499;
      expect((await limiter.consume(key, rule)).allowed).toBe(false);
      clock += 1;
      const again = await limiter.consume(key, rule);
      expect(again).toMatchObject({ allowed: true, remaining: 0 });
      clock += 1000;
      expect((await limiter.consume(key, rule)).remaining).toBe(1);
    });

    it('keeps keys apart', async () => {
      const first = freshKey();
      const second = freshKey();
      const rule = { limit: 1, windowMs: 60_000 };
      expect((await limiter.consume(first, rule)).allowed).toBe(true);
      expect((await limiter.consume(first, rule)).allowed).toBe(false);
      expect((await limiter.consume(second, rule)).allowed).toBe(true);
    });

    it('a refused request takes nothing, a dry run changes nothing', async () => {
      const key = freshKey();
      const rule = { limit: 1, windowMs: 1000 };
      expect((await limiter.consume(key, rule, { dryRun: true })).allowed).toBe(true);
      expect((await limiter.consume(key, rule, { dryRun: true })).allowed).toBe(true);
      expect((await limiter.consume(key, rule)).allowed).toBe(true);
      for (let index = 0; index < 5; index++) {
        expect((await limiter.consume(key, rule)).allowed).toBe(false);
      }
      clock += 1000;
      expect((await limiter.consume(key, rule)).allowed).toBe(true);
    });

    it('charges a cost of several tokens', async () => {
      const key = freshKey();
      const rule = { limit: 10, windowMs: 10_000 };
      expect(await limiter.consume(key, rule, { cost: 4 })).toMatchObject({
        allowed: true,
        remaining: 6,
      });
      expect((await limiter.consume(key, rule, { cost: 7 })).allowed).toBe(false);
      expect((await limiter.consume(key, rule, { cost: 6 })).allowed).toBe(true);
    });

    it('never lets concurrent requests past the limit', async () => {
      const key = freshKey();
      const rule = { limit: 25, windowMs: 60_000 };
      const decisions = await Promise.all(
        Array.from({ length: 100 }, () => limiter.consume(key, rule)),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(25);
    });

    it('forgets a bucket on reset', async () => {
      const key = freshKey();
      const rule = { limit: 1, windowMs: 60_000 };
      await limiter.consume(key, rule);
      expect((await limiter.consume(key, rule)).allowed).toBe(false);
      await limiter.reset(key);
      expect((await limiter.consume(key, rule)).allowed).toBe(true);
    });

    it('refuses unusable rules', async () => {
      await expect(limiter.consume(freshKey(), { limit: 0, windowMs: 1000 })).rejects.toThrow(
        RangeError,
      );
      await expect(limiter.consume(freshKey(), { limit: 1, windowMs: 0.5 })).rejects.toThrow(
        RangeError,
      );
    });
  });
}
