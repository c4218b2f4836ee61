export type { RerankerV1 } from './reranker-v1.js';
