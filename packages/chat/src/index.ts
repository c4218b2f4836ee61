/**
 * `@churn/chat`: the `<churn-chat>` widget's classes, with no side effects. Import
 * `@churn/chat/define` to register the element, or load `churn-chat.js` with a script tag.
 */

export {
  ChurnApiClient,
  type ChurnApiClientOptions,
  type ConversationSummary,
  churnApiHeaders,
  churnApiRoutes,
  type MessageFeedback,
  type PaymentConfirmation,
  type SandboxCard,
  type StoredMessage,
  type WidgetConfig,
} from './api/churn-api-client.js';
export {
  ChurnChatError,
  type ChurnChatErrorCode,
  toChurnChatError,
} from './api/churn-chat-error.js';
export type {
  ConfidenceData,
  EscalationData,
  PaymentData,
  UIMessageChunk,
} from './api/ui-message-chunk.js';
export { ChatStateBinding } from './churn-chat/chat-state-binding.js';
export {
  ChurnChat,
  type ChurnChatPersistence,
  type ChurnChatPosition,
} from './churn-chat/churn-chat.js';
export { churnChatStyles } from './churn-chat/churn-chat.styles.js';
export type {
  ChurnChatEventMap,
  ChurnCloseEvent,
  ChurnErrorEvent,
  ChurnEscalatedEvent,
  ChurnMessageReceiveEvent,
  ChurnMessageSendEvent,
  ChurnOpenEvent,
  ChurnPaymentUpdatedEvent,
} from './events/churn-events.js';
export {
  type ChurnChatStrings,
  englishStrings,
  resolveChurnChatStrings,
} from './i18n/churn-chat-strings.js';
export { churnChatTranslations } from './i18n/churn-chat-translations.js';
export { safeUrl } from './markdown/safe-url.js';
export { passesLuhn } from './payment/card-validation.js';
export {
  type ChatMessage,
  type ChatMessageState,
  type ChatSource,
  type ChatState,
  type ChatStatus,
  ChurnChatController,
  type ChurnChatControllerEvent,
  type ChurnChatControllerOptions,
  type KeyValueStorage,
  type PaymentState,
  type PaymentStatus,
} from './state/churn-chat-controller.js';
export { readUIMessageStream } from './stream/read-ui-message-stream.js';
export {
  readServerSentEvents,
  type ServerSentEvent,
  ServerSentEventParser,
} from './stream/server-sent-event-parser.js';
