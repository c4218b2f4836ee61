export {
  createOfflineEmbeddingModel,
  type OfflineEmbeddingModelSettings,
} from './offline-embedding-model.js';
export {
  createOfflineLanguageModel,
  type OfflineLanguageModelSettings,
  offlineUngroundedAnswer,
} from './offline-language-model.js';
export {
  createOfflineReranker,
  type OfflineRerankDocument,
  type OfflineReranker,
  type OfflineRerankerSettings,
  type OfflineRerankerWeights,
} from './offline-reranker.js';
export {
  type AnalyzedTerm as LexicalTerm,
  analyzeText as analyzeLexicalText,
  defaultSynonyms as defaultLexicalSynonyms,
  tokenize as tokenizeLexically,
} from './text-analyzer.js';
