import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/validation-error.js';
import { chatSessionArbitrary, conversationArbitrary } from './arbitraries.js';
import {
  type ChatSessionInput,
  ChatSessionSchema,
  fromChatSession,
  toChatSession,
} from './chat-session.js';
import { ConversationSchema } from './conversation.js';
import { type Message, MessageSchema } from './message.js';
import { parseEntity } from './parse-entity.js';
import { describeEntity, toDate } from './rule-test-kit.js';

const example: ChatSessionInput = {
  id: 'conv_1',
  tenantId: 'ten_1',
  customerId: 'cus_1',
  adminUserId: 'adm_1',
  status: 'completed',
  startTime: '2026-03-15T12:00:00Z',
  endTime: '2026-03-15T12:02:00Z',
  outcome: 'payment-updated',
  paymentAttempted: true,
  resolutionTime: 120,
  conversationHistory: [
    {
      id: 'msg_1',
      chatSessionId: 'conv_1',
      sender: 'ai',
      content: 'Hi Ada! Your card ending 4242 expires next month.',
      timestamp: '2026-03-15T12:00:01Z',
      messageType: 'greeting',
    },
    {
      id: 'msg_2',
      chatSessionId: 'conv_1',
      sender: 'customer',
      content: 'Done, thanks.',
      timestamp: '2026-03-15T12:01:50Z',
      messageType: 'confirmation',
    },
  ],
};

const later = (session: ChatSessionInput, seconds: number): Date =>
  new Date(toDate(session.startTime).getTime() + seconds * 1000);

const withMessageAt = (session: ChatSessionInput, timestamp: Date): ChatSessionInput => ({
  ...session,
  conversationHistory: [
    {
      id: 'msg_x',
      chatSessionId: session.id,
      sender: 'customer',
      content: 'Hello?',
      timestamp,
      messageType: 'question',
    },
  ],
});

describeEntity('ChatSession', ChatSessionSchema, {
  example,
  arbitrary: chatSessionArbitrary(),
  accepted: [
    {
      title: 'a message at the very start and one at the very end',
      change: ({ resolutionTime, ...s }) => ({
        ...withMessageAt(s, later(s, 0)),
        status: 'completed',
        outcome: 'technical-failure',
        endTime: later(s, 60),
      }),
    },
    { title: 'no history', change: ({ conversationHistory, ...s }) => s },
    {
      title: 'a payment processing past the budget that then went through',
      change: ({ resolutionTime, conversationHistory, ...s }) => ({
        ...s,
        status: 'completed',
        outcome: 'payment-updated',
        paymentAttempted: true,
        endTime: later(s, 200),
      }),
    },
  ],
  rules: [
    {
      rule: 'customerId is required',
      path: ['customerId'],
      message: /is required/,
      breakIt: ({ customerId, ...s }) => s,
    },
    {
      rule: 'startTime is required',
      path: ['startTime'],
      message: /is required/,
      breakIt: ({ startTime, ...s }) => s,
    },
    {
      rule: 'status is one of the seed values',
      path: ['status'],
      message:
        /must be one of: initiated, in-progress, payment-requested, payment-processing, completed, abandoned/,
      breakIt: (s) => ({ ...s, status: 'escalated' }),
    },
    {
      rule: 'endTime is after startTime',
      path: ['endTime'],
      message: /must be after startTime/,
      breakIt: ({ resolutionTime, ...s }) => ({
        ...s,
        status: 'abandoned',
        outcome: 'abandoned',
        endTime: later(s, -1),
        conversationHistory: [],
      }),
    },
    {
      rule: 'an ended session has an outcome',
      path: ['outcome'],
      message: /is required once status is completed/,
      breakIt: ({ outcome, resolutionTime, ...s }) => ({
        ...s,
        status: 'completed',
        endTime: later(s, 30),
      }),
    },
    {
      rule: 'resolutionTime is derived from start and end',
      path: ['resolutionTime'],
      message: /must equal the seconds from startTime to endTime \(30\)/,
      breakIt: (s) => ({
        ...s,
        status: 'abandoned',
        outcome: 'abandoned',
        endTime: later(s, 30),
        resolutionTime: 29,
        conversationHistory: [],
      }),
    },
    {
      rule: 'a completed session took at most 180 seconds unless a payment was processing',
      path: ['resolutionTime'],
      message: /must be at most 180 seconds for a completed session/,
      breakIt: ({ resolutionTime, ...s }) => ({
        ...s,
        status: 'completed',
        outcome: 'customer-declined',
        paymentAttempted: false,
        endTime: later(s, 181),
        conversationHistory: [],
      }),
    },
    {
      rule: 'payment-updated means a payment was attempted',
      path: ['paymentAttempted'],
      message: /must be true when outcome is payment-updated/,
      breakIt: ({ resolutionTime, ...s }) => ({
        ...s,
        status: 'completed',
        outcome: 'payment-updated',
        paymentAttempted: false,
        endTime: later(s, 60),
        conversationHistory: [],
      }),
    },
    {
      rule: 'every message belongs to this session',
      path: ['conversationHistory', 0, 'chatSessionId'],
      message: /must be this session's id/,
      breakIt: (s) => {
        const moved = withMessageAt(s, later(s, 0));
        return {
          ...moved,
          conversationHistory: moved.conversationHistory?.map((m) => ({
            ...m,
            chatSessionId: `${s.id}x`,
          })),
        };
      },
    },
    {
      rule: 'no message before the session started',
      path: ['conversationHistory', 0, 'timestamp'],
      message: /must be within the session: not before startTime/,
      breakIt: (s) => withMessageAt(s, later(s, -0.001)),
    },
    {
      rule: 'no message after the session ended',
      path: ['conversationHistory', 0, 'timestamp'],
      message: /must be within the session: not after endTime/,
      breakIt: ({ resolutionTime, ...s }) => ({
        ...withMessageAt(s, later(s, 61)),
        status: 'abandoned',
        outcome: 'abandoned',
        endTime: later(s, 60),
      }),
    },
    {
      rule: 'every message of the history is itself valid',
      path: ['conversationHistory', 0, 'content'],
      message: /must not be empty/,
      breakIt: (s) => {
        const moved = withMessageAt(s, later(s, 0));
        return {
          ...moved,
          conversationHistory: moved.conversationHistory?.map((m) => ({ ...m, content: '' })),
        };
      },
    },
  ],
});

describe('ChatSession as a view of a recovery Conversation', () => {
  it('round-trips: fromChatSession then toChatSession gives the same session', () => {
    fc.assert(
      fc.property(chatSessionArbitrary(), (input) => {
        const session = parseEntity(ChatSessionSchema, input, 'ChatSession');
        const { conversation, messages } = fromChatSession(session);
        const parsedConversation = parseEntity(ConversationSchema, conversation, 'Conversation');
        const parsedMessages = messages.map((message) =>
          parseEntity(MessageSchema, message, 'Message'),
        );
        const sorted = {
          ...session,
          conversationHistory: [...session.conversationHistory].sort(
            (left, right) => left.timestamp.getTime() - right.timestamp.getTime(),
          ),
        };
        expect(toChatSession(parsedConversation, parsedMessages)).toEqual(sorted);
      }),
    );
  });

  it('shows every recovery conversation as a valid ChatSession', () => {
    fc.assert(
      fc.property(conversationArbitrary(), (input) => {
        const conversation = parseEntity(ConversationSchema, input, 'Conversation');
        if (conversation.purpose !== 'recovery') return;
        const view = toChatSession(conversation, []);
        expect(parseEntity(ChatSessionSchema, view, 'ChatSession')).toEqual(view);
        expect(view.status).toBe(conversation.recovery?.status);
        expect(view.startTime).toEqual(conversation.startedAt);
      }),
    );
  });

  it('maps a closed, ended session to conversation status closed and an open one to active', () => {
    const ended = fromChatSession(parseEntity(ChatSessionSchema, example, 'ChatSession'));
    expect(ended.conversation.status).toBe('closed');
    expect(ended.conversation.lastActivity).toEqual(new Date('2026-03-15T12:02:00Z'));
    const { endTime, outcome, resolutionTime, ...open } = example;
    const running = fromChatSession(
      parseEntity(ChatSessionSchema, { ...open, status: 'in-progress' }, 'ChatSession'),
      { sessionId: 'browser_1', userId: 'user_42' },
    );
    expect(running.conversation).toMatchObject({
      status: 'active',
      sessionId: 'browser_1',
      userId: 'user_42',
      lastActivity: new Date('2026-03-15T12:01:50Z'),
    });
    expect(running.conversation.endedAt).toBeUndefined();
  });

  it('leaves system messages out of the history', () => {
    const { conversation, messages } = fromChatSession(
      parseEntity(ChatSessionSchema, example, 'ChatSession'),
    );
    const system: Message = {
      ...(messages[0] as Message),
      id: 'msg_sys',
      role: 'system',
      content: 'Policy',
    };
    expect(
      toChatSession(conversation, [...messages, system]).conversationHistory.map((m) => m.id),
    ).toEqual(['msg_1', 'msg_2']);
  });

  it('refuses a support conversation and messages of another conversation', () => {
    const { conversation, messages } = fromChatSession(
      parseEntity(ChatSessionSchema, example, 'ChatSession'),
    );
    const { recovery, ...rest } = conversation;
    expect(() => toChatSession({ ...rest, purpose: 'support' }, [])).toThrow(ValidationError);
    const stranger = { ...(messages[0] as Message), conversationId: 'conv_other' };
    expect(() => toChatSession(conversation, [stranger])).toThrow(/messages\[0\]\.conversationId/);
  });
});
