export type {
  EmbeddingModelV1,
  EmbeddingModelV1CallOptions,
  EmbeddingModelV1Result,
} from './embedding-model-v1.js';
