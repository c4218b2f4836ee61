export {
  type AdapterConformanceOptions,
  type AdapterMount,
  type ConformanceFetchHandler,
  type ConformanceRoute,
  type ConformanceWebhooks,
  describeAdapterConformance,
  type MountedServer,
} from './adapter.js';
export {
  describeEmbeddingModelConformance,
  type EmbeddingModelConformanceOptions,
} from './embedding-model.js';
export {
  describeKnowledgeStoreConformance,
  type KnowledgeStoreConformanceOptions,
} from './knowledge-store.js';
export {
  describeLanguageModelConformance,
  type LanguageModelConformanceOptions,
  type LanguageModelToolCallScenario,
} from './language-model.js';
export {
  describePaymentProviderConformance,
  type PaymentConformanceCard,
  type PaymentProviderConformanceScenario,
} from './payment-provider.js';
export { describeRerankerConformance, type RerankerConformanceOptions } from './reranker.js';
export {
  describeStorageConformance,
  type StorageConformanceOptions,
  type StorageSchemaChecks,
} from './storage.js';
export {
  describeVectorStoreConformance,
  type VectorStoreConformanceOptions,
} from './vector-store.js';
