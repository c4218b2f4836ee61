export type {
  ChunkMetadata,
  KnowledgeStoreV1,
  StoredChunk,
  StoredDocument,
} from './knowledge-store-v1.js';
