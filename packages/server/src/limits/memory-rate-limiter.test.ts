import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from './memory-rate-limiter.js';
import { rateLimiterSuite } from './rate-limiter-suite.js';

rateLimiterSuite('memory', { create: (now) => createMemoryRateLimiter({ now }) });

describe('createMemoryRateLimiter', () => {
  it('keeps at most maxKeys buckets', async () => {
    let clock = 0;
    const limiter = createMemoryRateLimiter({ now: () => clock, maxKeys: 10 });
    const rule = { limit: 1, windowMs: 1000 };
    for (let index = 0; index < 50; index++) await limiter.consume(`k${index}`, rule);
    // The newest key still counts: the bucket was kept.
    expect((await limiter.consume('k49', rule)).allowed).toBe(false);
    clock += 1000;
    expect((await limiter.consume('k49', rule)).allowed).toBe(true);
  });
});
