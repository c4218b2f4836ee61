export {
  type ChatStreamKey,
  type ChatStreamRegistry,
  type ChatStreamWriter,
  createMemoryChatStreamRegistry,
  createRedisChatStreamRegistry,
  type MemoryChatStreamRegistrySettings,
  type RedisChatStreamRegistry,
  type RedisChatStreamRegistrySettings,
} from './chat/index.js';
export * from './escalations/index.js';
export {
  type ChurnFetchHandler,
  type ChurnHandlerOptions,
  type ChurnHandlerState,
  createChurnHandler,
} from './handler/create-churn-handler.js';
export * from './http/index.js';
export * from './identity/index.js';
export * from './integrations/index.js';
export {
  createRedisEmbeddingCache,
  type RedisEmbeddingCache,
  type RedisEmbeddingCacheSettings,
} from './knowledge/redis-embedding-cache.js';
export * from './limits/index.js';
export * from './recovery/index.js';
export * from './storage/index.js';
export * from './tenants/index.js';
