export { createMemoryKnowledgeStore } from './memory-knowledge-store.js';
export {
  createMemoryVectorStore,
  type MemoryVectorSearchMode,
  type MemoryVectorStore,
  type MemoryVectorStoreSettings,
  type MemoryVectorStoreSnapshot,
} from './memory-vector-store.js';
