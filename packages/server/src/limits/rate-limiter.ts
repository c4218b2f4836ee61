/**
 * How many requests a key may make: `limit` requests per `windowMs`, refilled evenly (a
 * token bucket of `limit` tokens that gains one every `windowMs / limit` milliseconds), so a
 * burst of `limit` is allowed after a quiet spell and the long-run rate never passes
 * `limit / windowMs`.
 */
export interface RateLimitRule {
  /** Requests allowed per window (the bucket's size), at least 1. */
  limit: number;
  /** The window in milliseconds (the time an empty bucket takes to refill), at least 1. */
  windowMs: number;
}

/** What a {@link RateLimiter} decided for one request. */
export interface RateLimitDecision {
  /** Whether the request may go on. */
  allowed: boolean;
  /** The rule's `limit`, for `x-ratelimit-limit`. */
  limit: number;
  /** Requests still allowed right now (after this one when it was allowed). */
  remaining: number;
  /** Milliseconds until the bucket is full again, for `x-ratelimit-reset`. */
  resetMs: number;
  /** When refused: milliseconds until one request is allowed again (`retry-after`). 0 when allowed. */
  retryAfterMs: number;
}

/** Settings of one {@link RateLimiter.consume} call. */
export interface RateLimitConsumeOptions {
  /** Tokens this request costs. Default 1. */
  cost?: number;
  /** Only tell whether the request would be allowed; change nothing. Default false. */
  dryRun?: boolean;
}

/**
 * The rate limiter contract (version 1): one atomic "take tokens from this key's bucket"
 * operation. Implementations: `createMemoryRateLimiter` (in process, the default) and
 * `createRedisRateLimiter` (shared by every instance, for `REDIS_URL`). Both pass the same
 * conformance suite (`rateLimiterSuite`).
 */
export interface RateLimiter {
  readonly specificationVersion: 'v1';
  /** Where the buckets live: `memory`, `redis`, ... */
  readonly provider: string;
  /**
   * Takes `cost` tokens from `key`'s bucket under `rule` when it has them (atomically: two
   * concurrent calls never both take the last token) and says what it decided. A refused
   * request takes nothing.
   */
  consume(
    key: string,
    rule: RateLimitRule,
    options?: RateLimitConsumeOptions,
  ): Promise<RateLimitDecision>;
  /** Forgets `key`'s bucket (tests, an operator unblocking someone). */
  reset(key: string): Promise<void>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** Throws a `RangeError` unless `rule` is usable. */
export function checkRateLimitRule(rule: RateLimitRule): void {
  if (!Number.isInteger(rule.limit) || rule.limit < 1) {
    throw new RangeError(
      `A rate limit's "limit" must be an integer of at least 1, got ${rule.limit}.`,
    );
  }
  if (!Number.isInteger(rule.windowMs) || rule.windowMs < 1) {
    throw new RangeError(
      `A rate limit's "windowMs" must be an integer of at least 1, got ${rule.windowMs}.`,
    );
  }
}

/**
 * The generic cell rate algorithm (GCRA): a token bucket stored as one number, the
 * "theoretical arrival time" (`tat`) at which the bucket would be full again. Pure, so the
 * in-process limiter and the Redis Lua script (which repeats these lines) decide alike.
 *
 * @returns the decision and the new `tat` to store (unchanged when refused or dry run).
 */
export function gcra(
  storedTat: number | undefined,
  now: number,
  rule: RateLimitRule,
  cost: number,
): { decision: RateLimitDecision; tat: number } {
  const interval = rule.windowMs / rule.limit;
  const tat = Math.max(storedTat ?? now, now);
  const newTat = tat + interval * cost;
  const allowAt = newTat - rule.windowMs;
  if (now < allowAt) {
    return {
      tat,
      decision: {
        allowed: false,
        limit: rule.limit,
        remaining: Math.max(0, Math.floor((rule.windowMs - (tat - now)) / interval)),
        resetMs: Math.ceil(tat - now),
        retryAfterMs: Math.ceil(allowAt - now),
      },
    };
  }
  return {
    tat: newTat,
    decision: {
      allowed: true,
      limit: rule.limit,
      remaining: Math.max(0, Math.floor((rule.windowMs - (newTat - now)) / interval)),
      resetMs: Math.ceil(newTat - now),
      retryAfterMs: 0,
    },
  };
}
