export type {
  LanguageModelV1,
  LanguageModelV1CallOptions,
  LanguageModelV1FinishReason,
  LanguageModelV1Message,
  LanguageModelV1Result,
  LanguageModelV1StreamPart,
  LanguageModelV1Tool,
  LanguageModelV1ToolCall,
  LanguageModelV1Usage,
} from './language-model-v1.js';
