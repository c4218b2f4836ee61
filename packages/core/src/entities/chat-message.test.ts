import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chatMessageArbitrary, messageArbitrary } from './arbitraries.js';
import {
  type ChatMessageInput,
  ChatMessageSchema,
  fromChatMessage,
  toChatMessage,
} from './chat-message.js';
import { MessageSchema } from './message.js';
import { parseEntity } from './parse-entity.js';
import { describeEntity } from './rule-test-kit.js';

const example: ChatMessageInput = {
  id: 'msg_1',
  chatSessionId: 'conv_1',
  sender: 'ai',
  content: 'Hi Ada! Your card ending 4242 expires next month.',
  timestamp: '2026-03-15T12:00:05Z',
  messageType: 'greeting',
};

describeEntity('ChatMessage', ChatMessageSchema, {
  example,
  arbitrary: chatMessageArbitrary(),
  rules: [
    {
      rule: 'content is not empty',
      path: ['content'],
      message: /must not be empty/,
      breakIt: (m) => ({ ...m, content: '  ' }),
    },
    {
      rule: 'sender is ai or customer',
      path: ['sender'],
      message: /must be ai or customer/,
      breakIt: (m) => ({ ...m, sender: 'assistant' }),
    },
    {
      rule: 'messageType is one of the seed values',
      path: ['messageType'],
      message: /must be one of: greeting, question, payment-request, confirmation, error/,
      breakIt: (m) => ({ ...m, messageType: 'chitchat' }),
    },
    {
      rule: 'messageType is required',
      path: ['messageType'],
      message: /is required/,
      breakIt: ({ messageType, ...m }) => m,
    },
    {
      rule: 'chatSessionId is required',
      path: ['chatSessionId'],
      message: /is required/,
      breakIt: ({ chatSessionId, ...m }) => m,
    },
  ],
});

describe('ChatMessage as a view of Message', () => {
  it('maps ai to assistant and customer to user, and back, losing nothing', () => {
    fc.assert(
      fc.property(chatMessageArbitrary(), (input) => {
        const chatMessage = parseEntity(ChatMessageSchema, input, 'ChatMessage');
        const message = parseEntity(MessageSchema, fromChatMessage(chatMessage), 'Message');
        expect(message.role).toBe(chatMessage.sender === 'ai' ? 'assistant' : 'user');
        expect(message.conversationId).toBe(chatMessage.chatSessionId);
        expect(toChatMessage(message)).toEqual(chatMessage);
      }),
    );
  });

  it('shows every non-system message as a valid ChatMessage and hides system messages', () => {
    fc.assert(
      fc.property(messageArbitrary(), (input) => {
        const message = parseEntity(MessageSchema, input, 'Message');
        const view = toChatMessage(message);
        if (message.role === 'system') {
          expect(view).toBeUndefined();
        } else {
          expect(parseEntity(ChatMessageSchema, view, 'ChatMessage')).toEqual(view);
          expect(view?.messageType).toBe(message.messageType ?? 'question');
        }
      }),
    );
  });
});
