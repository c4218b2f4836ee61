export { type ClientAddressOptions, clientAddressOf, setClientAddress } from './client-address.js';
export {
  createMemoryRateLimiter,
  type MemoryRateLimiterSettings,
} from './memory-rate-limiter.js';
export {
  classifyRoute,
  createRateLimitGuard,
  defaultRateLimitRules,
  type RateLimitClass,
  type RateLimitGuard,
  type RateLimitOptions,
  type RateLimitRules,
  type RateLimitScope,
} from './rate-limit-guard.js';
export {
  checkRateLimitRule,
  gcra,
  type RateLimitConsumeOptions,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitRule,
} from './rate-limiter.js';
export {
  createRedisRateLimiter,
  type RedisRateLimiterSettings,
  type RedisScriptClient,
} from './redis-rate-limiter.js';
