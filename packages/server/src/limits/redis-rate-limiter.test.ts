import { describe, expect, it } from 'vitest';
import { unreachableRedisUrl } from '../../test/fixtures/test-redis.js';
import type { ChurnLogger } from '../http/error-to-response.js';
import { HttpError } from '../http/http-error.js';
import { rateLimiterSuite } from './rate-limiter-suite.js';
import { createRedisRateLimiter } from './redis-rate-limiter.js';

/** The real Redis of this machine and CI. The tests fail (loudly) when it is not running. */
const redisUrl = process.env.CHURN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

rateLimiterSuite('redis', {
  async create(now) {
    const limiter = createRedisRateLimiter({
      url: redisUrl,
      now,
      failureMode: 'closed',
      keyPrefix: 'churn:test:rl:',
    });
    // Fail loudly (not silently in process) when Redis is not there.
    await limiter.consume('suite:ping', { limit: 1000, windowMs: 1000 }).catch((error) => {
      throw new Error(`Redis at ${redisUrl} is not reachable: start it (it is required).`, {
        cause: error,
      });
    });
    return limiter;
  },
});

function recordingLogger(): ChurnLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, error: () => undefined, warn: (message) => warnings.push(message) };
}

describe('createRedisRateLimiter when Redis is down', () => {
  it('fails open by default: counts in process and logs one warning', async () => {
    const logger = recordingLogger();
    const limiter = createRedisRateLimiter({
      url: await unreachableRedisUrl(),
      logger,
    });
    const rule = { limit: 2, windowMs: 60_000 };
    const started = performance.now();
    const decisions = [];
    for (let index = 0; index < 3; index++) decisions.push(await limiter.consume('ip:1', rule));
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, false]);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(/Redis rate limiter unavailable/);
    await limiter.close();
  });

  it('fails closed on request: 503 provider_error', async () => {
    const limiter = createRedisRateLimiter({
      url: await unreachableRedisUrl(),
      failureMode: 'closed',
    });
    const error = await limiter
      .consume('ip:1', { limit: 2, windowMs: 60_000 })
      .catch((caught: unknown) => caught);
    expect(HttpError.isHttpError(error)).toBe(true);
    expect(error).toMatchObject({ status: 503, code: 'provider_error' });
    await limiter.close();
  });

  it('says how to fix a missing URL', async () => {
    const previous = process.env.REDIS_URL;
    delete process.env.REDIS_URL;
    try {
      const limiter = createRedisRateLimiter({ failureMode: 'closed' });
      const error = await limiter
        .consume('k', { limit: 1, windowMs: 1000 })
        .catch((caught: unknown) => caught);
      expect((error as HttpError).cause).toBeInstanceOf(Error);
      expect(String((error as { cause: Error }).cause.message)).toMatch(/REDIS_URL/);
    } finally {
      if (previous !== undefined) process.env.REDIS_URL = previous;
    }
  });
});
