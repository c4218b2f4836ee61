export {
  createKnowledgeIndex,
  type IndexableChunk,
  type KnowledgeIndex,
  type KnowledgeIndexRetrieveOptions,
  type KnowledgeIndexSettings,
} from './knowledge-index.js';
export {
  createLexicalIndex,
  type LexicalChunk,
  type LexicalFeedback,
  type LexicalFilter,
  type LexicalIndex,
  type LexicalIndexSettings,
  type LexicalMatch,
} from './lexical-index.js';
export {
  defaultLexicalFeedback,
  type RetrievalFilter,
  type RetrieveOptions,
  retrieve,
} from './retrieve.js';
export type { RetrievedChunk } from './retrieved-chunk.js';
