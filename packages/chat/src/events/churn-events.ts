import type { ChurnChatError } from '../api/churn-chat-error.js';
import type { ChatMessage, PaymentState } from '../state/churn-chat-controller.js';

/** `churn-open`: the panel opened. */
export type ChurnOpenEvent = CustomEvent<Record<string, never>>;
/** `churn-close`: the panel closed. */
export type ChurnCloseEvent = CustomEvent<Record<string, never>>;
/** `churn-message-send`: the customer sent a message. */
export type ChurnMessageSendEvent = CustomEvent<{ message: ChatMessage }>;
/** `churn-message-receive`: an answer finished streaming. */
export type ChurnMessageReceiveEvent = CustomEvent<{ message: ChatMessage }>;
/** `churn-payment-updated`: the server confirmed the new card. */
export type ChurnPaymentUpdatedEvent = CustomEvent<{
  conversationId: string;
  mode: PaymentState['mode'];
}>;
/** `churn-escalated`: a person was asked to take over. */
export type ChurnEscalatedEvent = CustomEvent<{ conversationId: string; reason: string }>;
/** `churn-error`: something failed; the widget shows a friendly state and keeps working. */
export type ChurnErrorEvent = CustomEvent<{ error: ChurnChatError; code: ChurnChatError['code'] }>;

/** Every event of `<churn-chat>`, by name. */
export interface ChurnChatEventMap {
  'churn-open': ChurnOpenEvent;
  'churn-close': ChurnCloseEvent;
  'churn-message-send': ChurnMessageSendEvent;
  'churn-message-receive': ChurnMessageReceiveEvent;
  'churn-payment-updated': ChurnPaymentUpdatedEvent;
  'churn-escalated': ChurnEscalatedEvent;
  'churn-error': ChurnErrorEvent;
}

declare global {
  interface GlobalEventHandlersEventMap extends ChurnChatEventMap {}
}
