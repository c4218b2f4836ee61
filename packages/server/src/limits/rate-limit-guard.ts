import { createHash } from 'node:crypto';
import type { ChurnLogger } from '../http/error-to-response.js';
import { HttpError } from '../http/http-error.js';
import type { Route } from '../http/router.js';
import { type ClientAddressOptions, clientAddressOf } from './client-address.js';
import { createMemoryRateLimiter } from './memory-rate-limiter.js';
import type { RateLimitDecision, RateLimiter, RateLimitRule } from './rate-limiter.js';
import { createRedisRateLimiter, type RedisRateLimiterSettings } from './redis-rate-limiter.js';

/** The kinds of route that get their own limits. */
export type RateLimitClass = 'sign-in' | 'chat-turn' | 'write' | 'read';

/** Who a limit counts: the client's address, the credential (API key or token), the verified customer. */
export type RateLimitScope = 'ip' | 'key' | 'customer';

/** The rules of one route class, per scope; `false` turns a scope off. */
export type RateLimitRules = Partial<Record<RateLimitScope, RateLimitRule | false>>;

const perMinute = (limit: number): RateLimitRule => ({ limit, windowMs: 60_000 });

/**
 * The default limits (requests per minute, bursts up to the same number). Sign-in is strict
 * per address to slow password guessing; chat turns (which cost a model call) are stricter
 * than reads. A publishable key is shared by every visitor of a site, so key limits are high:
 * they stop a runaway integration, the tenant's usage quota does the rest.
 */
export const defaultRateLimitRules: Readonly<Record<RateLimitClass, RateLimitRules>> = {
  'sign-in': { ip: perMinute(10), key: false, customer: false },
  'chat-turn': { ip: perMinute(30), key: perMinute(600), customer: perMinute(20) },
  write: { ip: perMinute(120), key: perMinute(1200), customer: perMinute(60) },
  read: { ip: perMinute(300), key: perMinute(3000), customer: perMinute(300) },
};

/** The `rateLimits` option of `createChurnHandler`. */
export interface RateLimitOptions extends ClientAddressOptions {
  /** `false` turns every limit off. Default `true`. */
  enabled?: boolean;
  /**
   * Where the counts live. Default: Redis (`createRedisRateLimiter`) when `redis.url` or env
   * `REDIS_URL` is set, else in process (`createMemoryRateLimiter`).
   */
  limiter?: RateLimiter;
  /** Settings of the default Redis limiter (`url`, `failureMode`, timeouts). */
  redis?: RedisRateLimiterSettings;
  /** Limits per route class, merged over {@link defaultRateLimitRules} scope by scope. */
  rules?: Partial<Record<RateLimitClass, RateLimitRules>>;
  /** Which class a route is (`undefined`: not limited). Default {@link classifyRoute}. */
  classify?: (method: string, routePath: string) => RateLimitClass | undefined;
}

/**
 * The default route classes: `POST /api/auth/sign-in` and `/api/auth/refresh` are `sign-in`;
 * `POST /api/chat` and `POST .../messages` are `chat-turn`; other `GET`/`HEAD` are `read`,
 * the rest `write`. Preflights (`OPTIONS`) and paths outside `/api` are not limited.
 */
export function classifyRoute(method: string, routePath: string): RateLimitClass | undefined {
  if (method === 'OPTIONS' || !(routePath === '/api' || routePath.startsWith('/api/'))) {
    return undefined;
  }
  if (
    method === 'POST' &&
    (routePath === '/api/auth/sign-in' || routePath === '/api/auth/refresh')
  ) {
    return 'sign-in';
  }
  if (method === 'POST' && (routePath === '/api/chat' || routePath.endsWith('/messages'))) {
    return 'chat-turn';
  }
  return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
}

/** Applies the limits around each route; made by {@link createRateLimitGuard}. */
export interface RateLimitGuard {
  /**
   * Counts the request under its route's class, throws 429 `rate_limited` (with
   * `retry-after` and `x-ratelimit-*`) when a limit is reached, else runs `handler` and adds
   * the `x-ratelimit-*` headers to its answer.
   */
  run(
    request: Request,
    route: Pick<Route, 'path'>,
    handler: () => Promise<Response>,
    hasPreflight: boolean,
  ): Promise<Response>;
  /** Closes the limiter (its Redis connection). */
  close(): Promise<void>;
}

/** Warnings given once per process (not once per handler: tests make many). */
const warnings = { noAddress: false };

const shortHash = (value: string): string =>
  createHash('sha256').update(value).digest('base64url').slice(0, 22);

function bearerOf(request: Request): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
  return match?.[1];
}

/** The customer a request claims (verified later by the route; counted only if it was). */
function claimedCustomer(request: Request): string | undefined {
  const token = request.headers.get('x-churn-customer-token');
  if (token !== null) {
    try {
      const payload = JSON.parse(
        Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
      ) as { sub?: unknown };
      return typeof payload.sub === 'string' ? payload.sub.slice(0, 256) : undefined;
    } catch {
      return undefined;
    }
  }
  return request.headers.get('x-churn-customer-id')?.slice(0, 256) || undefined;
}

function setHeaders(response: Response, headers: Record<string, string>): Response {
  try {
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  } catch {
    const copy = new Headers(response.headers);
    for (const [name, value] of Object.entries(headers)) copy.set(name, value);
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers: copy,
    });
  }
}

function rateHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'x-ratelimit-limit': String(decision.limit),
    'x-ratelimit-remaining': String(decision.remaining),
    'x-ratelimit-reset': String(Math.ceil(decision.resetMs / 1000)),
  };
}

const scopeWords: Record<RateLimitScope, string> = {
  ip: 'from this address',
  key: 'with this API key or token',
  customer: 'for this customer',
};

function refuse(
  scope: RateLimitScope,
  routeClass: RateLimitClass,
  rule: RateLimitRule,
  decision: RateLimitDecision,
  request: Request,
  hasPreflight: boolean,
): HttpError {
  const retryAfter = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  const headers: Record<string, string> = {
    'retry-after': String(retryAfter),
    ...rateHeaders(decision),
  };
  const origin = request.headers.get('origin');
  if (hasPreflight && origin !== null) {
    // A widget route: let the page read the 429 and its retry-after (the body holds no data).
    headers['access-control-allow-origin'] = origin;
    headers['access-control-expose-headers'] =
      'retry-after, x-request-id, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset';
    headers.vary = 'Origin';
  }
  return new HttpError(
    429,
    'rate_limited',
    `Too many ${routeClass} requests ${scopeWords[scope]} (at most ${rule.limit} per ${
      rule.windowMs / 1000
    } s): retry after ${retryAfter} s.`,
    { headers },
  );
}

/**
 * Makes the guard `createChurnHandler` runs around every `/api` route: limits per client
 * address, per credential (a hash of the bearer key or token, so a guessed key is counted
 * too) and per verified customer, with rules per route class. The customer's bucket is
 * checked before the route and charged only when the route did not refuse the identity
 * (401/403), so a forged identity can never use up a real customer's allowance.
 */
export function createRateLimitGuard(
  options: RateLimitOptions = {},
  logger: ChurnLogger,
): RateLimitGuard | undefined {
  if (options.enabled === false) return undefined;
  const redisUrl = options.redis?.url ?? process.env.REDIS_URL;
  const limiter =
    options.limiter ??
    (redisUrl
      ? createRedisRateLimiter({ logger, ...options.redis, url: redisUrl })
      : createMemoryRateLimiter());
  const classify = options.classify ?? classifyRoute;
  const rulesOf = (routeClass: RateLimitClass): RateLimitRules => ({
    ...defaultRateLimitRules[routeClass],
    ...options.rules?.[routeClass],
  });

  return {
    async run(request, route, handler, hasPreflight) {
      const routeClass = classify(request.method, route.path);
      if (routeClass === undefined) return handler();
      const rules = rulesOf(routeClass);
      const decisions: RateLimitDecision[] = [];
      const take = async (
        scope: RateLimitScope,
        id: string | undefined,
        dryRun = false,
      ): Promise<void> => {
        const rule = rules[scope];
        if (!rule || id === undefined) return;
        const decision = await limiter.consume(`${routeClass}:${scope}:${id}`, rule, { dryRun });
        if (!decision.allowed)
          throw refuse(scope, routeClass, rule, decision, request, hasPreflight);
        if (!dryRun) decisions.push(decision);
      };

      const address = clientAddressOf(request, options);
      if (address === undefined && rules.ip && !warnings.noAddress) {
        warnings.noAddress = true;
        logger.warn(
          'Rate limits per client address are off: the adapter did not pass the socket address. Set rateLimits.trustProxy (behind a proxy) or rateLimits.clientAddress.',
        );
      }
      await take('ip', address);
      const bearer = bearerOf(request);
      const credential = bearer === undefined ? undefined : shortHash(bearer);
      await take('key', credential);
      const customer = claimedCustomer(request);
      const customerId =
        customer === undefined ? undefined : `${credential ?? '-'}:${shortHash(customer)}`;
      await take('customer', customerId, true);

      let response = await handler();
      if (customerId !== undefined && response.status !== 401 && response.status !== 403) {
        // The route accepted the identity: charge it (refusing now would lose the answer).
        const rule = rules.customer;
        if (rule)
          decisions.push(await limiter.consume(`${routeClass}:customer:${customerId}`, rule));
      }
      const tightest = decisions.reduce<RateLimitDecision | undefined>(
        (least, decision) =>
          least === undefined || decision.remaining < least.remaining ? decision : least,
        undefined,
      );
      if (tightest) response = setHeaders(response, rateHeaders(tightest));
      return response;
    },
    close: () => limiter.close(),
  };
}
