/**
 * OpenAI adapters: `@churn/core/openai`. Requires the optional peer dependency `openai`.
 *
 * @module
 */
export { mapOpenAIError, type OpenAIErrorContext } from './map-openai-error.js';
export {
  createOpenAIEmbeddingModel,
  OPENAI_EMBEDDING_LIMITS,
  type OpenAIEmbeddingModelSettings,
} from './openai-embedding-model.js';
export {
  createOpenAILanguageModel,
  type OpenAILanguageModelSettings,
} from './openai-language-model.js';
export type { OpenAISettings } from './openai-settings.js';
