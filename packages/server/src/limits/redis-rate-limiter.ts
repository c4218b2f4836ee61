import type { ChurnLogger } from '../http/error-to-response.js';
import { consoleLogger } from '../http/error-to-response.js';
import { HttpError } from '../http/http-error.js';
import { openFailFastRedis, waitForRedisReady } from '../redis/redis-client.js';
import { createMemoryRateLimiter } from './memory-rate-limiter.js';
import {
  checkRateLimitRule,
  type RateLimitConsumeOptions,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitRule,
} from './rate-limiter.js';

/**
 * The GCRA of `gcra()` in `rate-limiter.ts`, run atomically inside Redis: one key per bucket
 * holding the theoretical arrival time, expiring when the bucket is full again. The clock is
 * Redis's own `TIME` (every instance agrees), or ARGV[5] when a test injects one.
 */
export const gcraScript = `
local now
if ARGV[5] ~= '' then
  now = tonumber(ARGV[5])
else
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local interval = window / limit
local tat = now
local stored = tonumber(redis.call('GET', KEYS[1]))
if stored and stored > now then tat = stored end
local newTat = tat + interval * cost
local allowAt = newTat - window
if now < allowAt then
  return {0, math.max(0, math.floor((window - (tat - now)) / interval)), math.ceil(tat - now), math.ceil(allowAt - now)}
end
if ARGV[4] ~= '1' then
  redis.call('SET', KEYS[1], string.format('%.3f', newTat), 'PX', math.max(1, math.ceil(newTat - now)))
end
return {1, math.max(0, math.floor((window - (newTat - now)) / interval)), math.ceil(newTat - now), 0}
`;

/** The few commands of a Redis client (ioredis) the limiter uses. */
export interface RedisScriptClient {
  /** `connecting`, `ready`, `reconnecting`, `end`... (ioredis's `status`). */
  readonly status: string;
  evalsha(sha: string, numberOfKeys: number, ...args: (string | number)[]): Promise<unknown>;
  script(subcommand: 'LOAD', script: string): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
  disconnect(): void;
  once(event: 'ready' | 'error' | 'end', listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** Settings of {@link createRedisRateLimiter}. */
export interface RedisRateLimiterSettings {
  /** `redis://[:password@]host:port[/db]`. Default env `REDIS_URL`. Ignored when `client` is given. */
  url?: string;
  /** A client you made (ioredis). It is not closed by `close()`. */
  client?: RedisScriptClient;
  /** Prefix of every bucket's key. Default `churn:rl:`. */
  keyPrefix?: string;
  /**
   * What to do when Redis cannot answer (down, unreachable, slower than `commandTimeoutMs`):
   *
   * - `'open'` (default): count in process instead (`createMemoryRateLimiter`) and log a
   *   warning (at most once every 30 s). Limits keep working per instance; nothing is
   *   refused because Redis is down.
   * - `'closed'`: refuse the request with 503, so nothing passes uncounted.
   */
  failureMode?: 'open' | 'closed';
  /** Longest wait for one Redis answer, in ms. Default 250. */
  commandTimeoutMs?: number;
  /** Longest wait to connect, in ms. Default 1000. */
  connectTimeoutMs?: number;
  /** Where the fail-open warning goes. Default `console`. */
  logger?: ChurnLogger;
  /** A clock in milliseconds for tests; default Redis's own `TIME`. */
  now?: () => number;
}

const warnEveryMs = 30_000;

async function connect(settings: RedisRateLimiterSettings): Promise<RedisScriptClient> {
  const url = settings.url ?? process.env.REDIS_URL;
  if (!url) {
    throw new Error(
      'createRedisRateLimiter needs a Redis URL: pass { url } or set REDIS_URL (redis://host:6379).',
    );
  }
  const client = await openFailFastRedis('The Redis rate limiter', url, {
    connectTimeoutMs: settings.connectTimeoutMs,
    commandTimeoutMs: settings.commandTimeoutMs,
  });
  return client as unknown as RedisScriptClient;
}

function toDecision(reply: unknown, rule: RateLimitRule): RateLimitDecision {
  if (!Array.isArray(reply) || reply.length !== 4) {
    throw new Error(`Unexpected reply from the rate-limit script: ${JSON.stringify(reply)}`);
  }
  const [allowed, remaining, resetMs, retryAfterMs] = reply.map(Number) as [
    number,
    number,
    number,
    number,
  ];
  return { allowed: allowed === 1, limit: rule.limit, remaining, resetMs, retryAfterMs };
}

/**
 * A {@link RateLimiter} shared by every instance through Redis: each decision is one atomic
 * Lua script (GCRA, one key per bucket with a `PX` expiry), loaded once and called by its
 * SHA. `ioredis` is an optional peer dependency, imported only when this limiter is made.
 *
 * When Redis cannot answer, `failureMode: 'open'` (the default) counts in process and logs
 * a warning; `'closed'` answers 503.
 *
 * @example
 * const limiter = createRedisRateLimiter({ url: process.env.REDIS_URL });
 */
export function createRedisRateLimiter(settings: RedisRateLimiterSettings = {}): RateLimiter {
  const prefix = settings.keyPrefix ?? 'churn:rl:';
  const logger = settings.logger ?? consoleLogger;
  const failureMode = settings.failureMode ?? 'open';
  const fallback = createMemoryRateLimiter(settings.now ? { now: settings.now } : {});
  const clientPromise = settings.client ? Promise.resolve(settings.client) : connect(settings);
  // Not awaited here: a missing package or URL is reported by the first consume().
  clientPromise.catch(() => undefined);
  let sha: string | undefined;
  let lastWarning = 0;

  const run = async (
    key: string,
    rule: RateLimitRule,
    options: RateLimitConsumeOptions,
  ): Promise<RateLimitDecision> => {
    const client = await clientPromise;
    await waitForRedisReady(client, settings.connectTimeoutMs ?? 1000);
    const args = [
      rule.limit,
      rule.windowMs,
      options.cost ?? 1,
      options.dryRun ? '1' : '0',
      settings.now ? String(settings.now()) : '',
    ];
    sha ??= String(await client.script('LOAD', gcraScript));
    try {
      return toDecision(await client.evalsha(sha, 1, prefix + key, ...args), rule);
    } catch (error) {
      if (!String(error).includes('NOSCRIPT')) throw error;
      // Redis restarted or flushed its scripts: load it again once.
      sha = String(await client.script('LOAD', gcraScript));
      return toDecision(await client.evalsha(sha, 1, prefix + key, ...args), rule);
    }
  };

  return {
    specificationVersion: 'v1',
    provider: 'redis',
    async consume(key, rule, options = {}) {
      checkRateLimitRule(rule);
      try {
        return await run(key, rule, options);
      } catch (error) {
        if (failureMode === 'closed') {
          throw new HttpError(
            503,
            'provider_error',
            'The rate limiter is unavailable, so the request was not accepted. Try again shortly.',
            { headers: { 'retry-after': '5' }, cause: error },
          );
        }
        const at = Date.now();
        if (at - lastWarning > warnEveryMs) {
          lastWarning = at;
          logger.warn(
            'Redis rate limiter unavailable: counting in process until it is back (limits are per instance meanwhile). Check REDIS_URL and the Redis server.',
            { error: error instanceof Error ? error.message : String(error) },
          );
        }
        return fallback.consume(key, rule, options);
      }
    },
    async reset(key) {
      await fallback.reset(key);
      const client = await clientPromise;
      await client.del(prefix + key);
    },
    async close() {
      await fallback.close();
      if (settings.client) return;
      const client = await clientPromise.catch(() => undefined);
      client?.disconnect();
    },
  };
}
