import { z } from 'zod';
import { type ChatMessageSender, chatMessageSenders, chatMessageTypes } from './enums.js';
import { expecting, IdSchema, nonEmptyText, TimestampSchema } from './fields.js';
import type { Message } from './message.js';

/**
 * The churn-prevention seed's ChatMessage, with its own field names: a view of
 * {@link Message}. `sender` `ai` is role `assistant`, `customer` is role `user`;
 * system messages have no ChatMessage view.
 */
export const ChatMessageSchema = z.object({
  id: IdSchema,
  chatSessionId: IdSchema,
  sender: z.enum(chatMessageSenders, { error: expecting('must be ai or customer') }),
  content: nonEmptyText(),
  timestamp: TimestampSchema,
  messageType: z.enum(chatMessageTypes, {
    error: expecting('must be one of: greeting, question, payment-request, confirmation, error'),
  }),
});

/** A validated chat message (seed field names). */
export type ChatMessage = z.output<typeof ChatMessageSchema>;
/** What {@link ChatMessageSchema} accepts. */
export type ChatMessageInput = z.input<typeof ChatMessageSchema>;

/** The message type a ChatMessage shows when its Message has none. */
export const defaultChatMessageType = 'question';

/** `ai` to `assistant`, `customer` to `user`. */
export function senderToRole(sender: ChatMessageSender): 'assistant' | 'user' {
  return sender === 'ai' ? 'assistant' : 'user';
}

/**
 * The seed view of a message: `undefined` for a system message (the customer
 * never sees those). A message without `messageType` shows as `question`.
 */
export function toChatMessage(message: Message): ChatMessage | undefined {
  if (message.role === 'system') return undefined;
  return {
    id: message.id,
    chatSessionId: message.conversationId,
    sender: message.role === 'assistant' ? 'ai' : 'customer',
    content: message.content,
    timestamp: new Date(message.timestamp.getTime()),
    messageType: message.messageType ?? defaultChatMessageType,
  };
}

/** The message a seed-shaped chat message stands for. */
export function fromChatMessage(chatMessage: ChatMessage): Message {
  return {
    id: chatMessage.id,
    conversationId: chatMessage.chatSessionId,
    role: senderToRole(chatMessage.sender),
    content: chatMessage.content,
    timestamp: new Date(chatMessage.timestamp.getTime()),
    messageType: chatMessage.messageType,
  };
}
