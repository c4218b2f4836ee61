export {
  type ChunkDocumentOptions,
  type ChunkedDocument,
  type ChunkingOptions,
  chunkDocument,
  type DocumentHeading,
  defaultChunkingOptions,
  resolveChunkingOptions,
  type TextChunk,
} from './chunk-document.js';
export { chunkingEncoding, countTokens } from './count-tokens.js';
