import { messageArbitrary } from './arbitraries.js';
import { type MessageInput, MessageSchema } from './message.js';
import { describeEntity } from './rule-test-kit.js';

const example: MessageInput = {
  id: 'msg_1',
  conversationId: 'conv_1',
  role: 'assistant',
  content: 'Your card ending 4242 expires next month. Shall we update it now?',
  timestamp: '2026-03-15T12:00:05Z',
  confidenceScore: 0.92,
  messageType: 'payment-request',
};

describeEntity('Message', MessageSchema, {
  example,
  arbitrary: messageArbitrary(),
  accepted: [
    { title: 'confidence 0', change: (m) => ({ ...m, role: 'assistant', confidenceScore: 0 }) },
    { title: 'confidence 1', change: (m) => ({ ...m, role: 'assistant', confidenceScore: 1 }) },
    {
      title: 'a system message',
      change: ({ confidenceScore, ...m }) => ({ ...m, role: 'system' }),
    },
  ],
  rules: [
    {
      rule: 'content is not empty',
      path: ['content'],
      message: /must not be empty/,
      breakIt: (m) => ({ ...m, content: '' }),
    },
    {
      rule: 'content is not only spaces',
      path: ['content'],
      message: /must not be empty/,
      breakIt: (m) => ({ ...m, content: ' \n\t ' }),
    },
    {
      rule: 'role is user, assistant or system',
      path: ['role'],
      message: /must be one of: user, assistant, system/,
      breakIt: (m) => ({ ...m, role: 'ai' }),
    },
    {
      rule: 'confidenceScore is at most 1',
      path: ['confidenceScore'],
      message: /must be between 0 and 1/,
      breakIt: (m) => ({ ...m, role: 'assistant', confidenceScore: 1.01 }),
    },
    {
      rule: 'confidenceScore is at least 0',
      path: ['confidenceScore'],
      message: /must be between 0 and 1/,
      breakIt: (m) => ({ ...m, role: 'assistant', confidenceScore: -0.1 }),
    },
    {
      rule: 'only assistant messages carry a confidence score',
      path: ['confidenceScore'],
      message: /must be absent unless role is assistant/,
      breakIt: (m) => ({ ...m, role: 'user', confidenceScore: 0.5 }),
    },
    {
      rule: 'messageType is one of the seed values',
      path: ['messageType'],
      message: /must be one of: greeting, question, payment-request, confirmation, error/,
      breakIt: (m) => ({ ...m, messageType: 'farewell' }),
    },
    {
      rule: 'queryType is a lowercase slug',
      path: ['queryType'],
      message: /must be a lowercase slug/,
      breakIt: (m) => ({ ...m, queryType: 'Billing Question' }),
    },
    {
      rule: 'timestamp is a date',
      path: ['timestamp'],
      message: /must be a date/,
      breakIt: (m) => ({ ...m, timestamp: 1_700_000_000 }),
    },
  ],
});
