export {
  authenticateChatRequest,
  type ChatAuthenticator,
  type ChatUsageCounter,
  defaultChatAuthenticator,
  defaultChatUsageCounter,
  type TenantPrincipal,
} from './chat-access.js';
export type { ConversationView, MessagePartView, MessageView } from './chat-conversations.js';
export { type ChatSettings, chatRoutes } from './chat-routes.js';
export {
  type ChatStreamKey,
  type ChatStreamRegistry,
  type ChatStreamWriter,
  createMemoryChatStreamRegistry,
  type MemoryChatStreamRegistrySettings,
} from './chat-stream-registry.js';
export {
  type AccountQuestionClassifier,
  classifyQuestion,
  isAccountQuestion,
  type QuestionClassifier,
  type QuestionType,
  signInRequiredAnswer,
} from './classify-question.js';
export {
  createKnowledgeBaseCache,
  type KnowledgeBaseCache,
  type KnowledgeBaseCacheSettings,
} from './knowledge-base-cache.js';
export {
  createRedisChatStreamRegistry,
  type RedisChatStreamRegistry,
  type RedisChatStreamRegistrySettings,
} from './redis-chat-stream-registry.js';
export type * from './ui-message-chunk.js';
export {
  formatUIMessageChunk,
  uiMessageStreamDone,
  uiMessageStreamHeader,
  uiMessageStreamVersion,
} from './ui-message-chunk.js';
export {
  UIMessageStreamEncoder,
  type UIMessageStreamEncoderOptions,
} from './ui-message-stream-encoder.js';
