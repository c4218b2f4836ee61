export type {
  VectorFilter,
  VectorMatch,
  VectorMetadata,
  VectorRecord,
  VectorStoreV1,
} from './vector-store-v1.js';
