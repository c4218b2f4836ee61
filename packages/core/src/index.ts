export * from './clock.js';
export type * from './embedding-model/v1/index.js';
export * from './errors/index.js';
export type * from './knowledge-store/v1/index.js';
export type * from './language-model/v1/index.js';
export type * from './reranker/v1/index.js';
export type * from './vector-store/v1/index.js';
