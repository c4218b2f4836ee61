/**
 * Pinecone adapter: `@churn/core/pinecone`. Requires the optional peer dependency
 * `@pinecone-database/pinecone`.
 *
 * @module
 */
export { mapPineconeError, type PineconeErrorContext } from './map-pinecone-error.js';
export {
  createPineconeVectorStore,
  fromPineconeMetadata,
  PINECONE_LIMITS,
  type PineconeVectorStoreSettings,
  toPineconeFilter,
  toPineconeMetadata,
} from './pinecone-vector-store.js';
