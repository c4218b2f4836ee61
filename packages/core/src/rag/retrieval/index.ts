export type { RetrievedChunk } from './retrieved-chunk.js';
