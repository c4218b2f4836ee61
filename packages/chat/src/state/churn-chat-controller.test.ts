import { answerChunks, FakeChurnServer, MemoryStorage } from '../../test/fake-churn-server.js';
import { assert, assertEqual, describe, it, waitFor } from '../../test/harness.js';
import { ChurnApiClient } from '../api/churn-api-client.js';
import { ChurnChatController, type ChurnChatControllerEvent } from './churn-chat-controller.js';

function setUp(options: { storage?: MemoryStorage; customerToken?: string } = {}) {
  const server = new FakeChurnServer();
  const events: ChurnChatControllerEvent[] = [];
  const client = new ChurnApiClient({
    tenantKey: 'pk_test_1',
    server: 'https://chat.example.com',
    fetch: server.fetch,
    visitorId: 'visitor-1',
    ...(options.customerToken ? { customerToken: options.customerToken } : {}),
  });
  const chat = new ChurnChatController({
    client,
    storage: options.storage,
    storageKey: 'churn-chat:test',
    onEvent: (event) => events.push(event),
    retryDelays: [20, 20, 20],
  });
  return { server, chat, events };
}

const handoffSentence =
  "I can help you fix that right here: I've opened a secure card update for you.";
const recoveryGreeting =
  'Hi Ada, your payment of $49.00 with the Visa ending 4242 did not go through. Shall we update your card now?';

/** A stored message with one text part, as `GET /api/conversations/:id` answers it. */
function storedText(id: string, role: 'user' | 'assistant', text: string) {
  return { id, role, content: text, parts: [{ type: 'text', text, state: 'done' }] };
}

/** The stored hand-off reply: its sentence and the `data-recovery` part naming the session. */
function storedHandoff(id: string, conversationId: string) {
  const message = storedText(id, 'assistant', handoffSentence);
  return {
    ...message,
    parts: [...message.parts, { type: 'data-recovery', data: { conversationId } }],
  };
}

/**
 * Serves a support conversation whose stored history is the billing question and the
 * hand-off answer (`handoffId`), and the recovery conversation `conv_recovery` it names.
 */
function serveHandoffHistory(
  server: ReturnType<typeof setUp>['server'],
  supportId: string,
  handoffId: string,
): void {
  server.routes.set(`GET /api/conversations/${supportId}`, () =>
    Response.json({
      conversation: { id: supportId, purpose: 'support' },
      messages: [
        storedText('msg_question', 'user', 'My payment failed, can I update my card?'),
        storedHandoff(handoffId, 'conv_recovery'),
      ],
    }),
  );
  server.routes.set('GET /api/conversations/conv_recovery', () =>
    Response.json({
      conversation: { id: 'conv_recovery', purpose: 'recovery' },
      messages: [storedText('msg_greeting', 'assistant', recoveryGreeting)],
    }),
  );
}

describe('ChurnChatController', () => {
  it('creates a conversation, streams the answer and reports send and receive', async () => {
    const { server, chat, events } = setUp();
    server.answers.push({
      chunks: answerChunks('Open Billing and choose Update card [1].', {
        sources: [
          { sourceId: 'chunk_1', url: 'https://help.example.com/cards', title: 'Update your card' },
        ],
        confidence: { score: 0.82 },
      }),
    });
    const statuses = new Set<string>();
    chat.subscribe(() => statuses.add(chat.state.status));
    await chat.send('  How do I change my card?  ');
    const [user, answer] = chat.state.messages;
    assertEqual(user?.text, 'How do I change my card?');
    assertEqual(answer?.id, 'msg_answer_1');
    assertEqual(answer?.text, 'Open Billing and choose Update card [1].');
    assertEqual(answer?.state, 'done');
    assertEqual(answer?.sources, [
      { id: 'chunk_1', url: 'https://help.example.com/cards', title: 'Update your card' },
    ]);
    assertEqual(answer?.confidence, { score: 0.82, escalate: false });
    assertEqual(chat.state.conversationId, 'conv_1');
    assert(
      statuses.has('submitted') && statuses.has('streaming'),
      'went through submitted and streaming',
    );
    assertEqual(chat.state.status, 'ready');
    assertEqual(
      events.map((event) => event.type),
      ['message-send', 'message-receive'],
    );
    const post = server.requestsTo('/api/conversations/conv_1/messages', 'POST')[0];
    assertEqual(post?.body, { text: 'How do I change my card?' });
    assertEqual(post?.headers.get('authorization'), 'Bearer pk_test_1');
    assertEqual(post?.headers.get('accept'), 'text/event-stream');
    assertEqual(post?.headers.get('x-churn-visitor-id'), 'visitor-1');
  });

  it('ignores empty messages and messages sent while an answer streams', async () => {
    const { server, chat } = setUp();
    server.answers.push({ chunks: answerChunks('Slow answer'), holdAfter: 3 });
    await chat.send('   ');
    assertEqual(chat.state.messages.length, 0);
    const first = chat.send('first');
    await waitFor(() => chat.state.status === 'streaming', 'streaming');
    await chat.send('second');
    assertEqual(chat.state.messages.filter((message) => message.role === 'user').length, 1);
    server.release();
    await first;
  });

  it('stops: keeps the text so far and tells the server', async () => {
    const { server, chat } = setUp();
    server.answers.push({ chunks: answerChunks('one two three four five'), holdAfter: 5 });
    const sending = chat.send('question');
    await waitFor(() => chat.state.messages.at(-1)?.text === 'one two ', 'partial text');
    await chat.stop();
    await sending;
    const answer = chat.state.messages.at(-1);
    assertEqual(answer?.state, 'stopped');
    assertEqual(answer?.text, 'one two ');
    assertEqual(chat.state.status, 'ready');
    assertEqual(server.requestsTo('/api/conversations/conv_1/stop', 'POST').length, 1);
  });

  it('resumes from the resume endpoint after the connection breaks', async () => {
    const { server, chat, events } = setUp();
    server.answers.push({ chunks: answerChunks('Part one and part two.'), breakAfter: 5 });
    server.resumes.push({ chunks: answerChunks('Part one and part two.') });
    await chat.send('question');
    await waitFor(() => chat.state.messages.at(-1)?.state === 'done', 'resumed answer');
    assertEqual(chat.state.messages.at(-1)?.text, 'Part one and part two.');
    assertEqual(server.requestsTo('/api/chat/conv_1/stream', 'GET').length, 1);
    assertEqual(events.filter((event) => event.type === 'message-receive').length, 1);
  });

  it('reads the finished answer from history when no stream is active (204)', async () => {
    const { server, chat } = setUp();
    server.answers.push({ chunks: answerChunks('Half'), breakAfter: 4 });
    server.resumes.push(null);
    server.storedMessages = [
      { id: 'u1', role: 'user', text: 'question' },
      { id: 'msg_answer_1', role: 'assistant', text: 'Half of it, then the rest.' },
    ];
    await chat.send('question');
    await waitFor(() => chat.state.messages.at(-1)?.state === 'done', 'settled');
    assertEqual(chat.state.messages.at(-1)?.text, 'Half of it, then the rest.');
  });

  it('waits while offline and resumes when the network comes back', async () => {
    const { server, chat } = setUp();
    server.answers.push({ chunks: answerChunks('Back again.'), breakAfter: 4 });
    server.resumes.push({ chunks: answerChunks('Back again.') });
    chat.setOnline(false);
    await chat.send('question');
    await new Promise((resolve) => setTimeout(resolve, 80));
    assertEqual(chat.state.messages.at(-1)?.state, 'interrupted');
    assertEqual(chat.state.status, 'reconnecting');
    chat.setOnline(true);
    await waitFor(() => chat.state.messages.at(-1)?.state === 'done', 'resumed');
    assertEqual(chat.state.messages.at(-1)?.text, 'Back again.');
  });

  it('keeps a message that could not be sent and sends it again on retry', async () => {
    const { server, chat, events } = setUp();
    server.offline = true;
    await chat.send('hello?');
    assertEqual(chat.state.messages[0]?.state, 'error');
    assertEqual(chat.state.status, 'error');
    assertEqual(events.at(-1)?.type, 'error');
    server.offline = false;
    await chat.retry(chat.state.messages[0]?.id ?? '');
    assertEqual(
      chat.state.messages.map((message) => message.state),
      ['done', 'done'],
    );
  });

  it('marks an answer that ends with an error part and reports it', async () => {
    const { server, chat, events } = setUp();
    server.answers.push({
      chunks: [
        { type: 'start', messageId: 'm' },
        { type: 'error', errorText: 'The model is unavailable.' },
      ],
    });
    await chat.send('question');
    assertEqual(chat.state.messages.at(-1)?.state, 'error');
    const error = events.find((event) => event.type === 'error');
    assert(error?.type === 'error' && error.error.code === 'stream', 'a stream error');
  });

  it('restores the conversation from storage and resumes an answer in flight', async () => {
    const storage = new MemoryStorage();
    const first = setUp({ storage });
    first.server.answers.push({ chunks: answerChunks('Kept across reloads.') });
    await first.chat.send('remember me');
    first.chat.dispose();
    const second = setUp({ storage });
    await second.chat.restore();
    assertEqual(second.chat.state.conversationId, 'conv_1');
    assertEqual(
      second.chat.state.messages.map((message) => message.text),
      ['remember me', 'Kept across reloads.'],
    );

    const snapshot = JSON.parse(storage.getItem('churn-chat:test') ?? '{}');
    snapshot.messages[1].state = 'streaming';
    storage.setItem('churn-chat:test', JSON.stringify(snapshot));
    const third = setUp({ storage });
    third.server.resumes.push({ chunks: answerChunks('Kept across reloads, finished.') });
    await third.chat.restore();
    await waitFor(() => third.chat.state.messages.at(-1)?.state === 'done', 'resumed after reload');
    assertEqual(third.chat.state.messages.at(-1)?.text, 'Kept across reloads, finished.');
  });

  it("loads a verified customer's latest conversation from the server", async () => {
    const { server, chat } = setUp({ customerToken: 'ct_signed' });
    server.conversations = [{ id: 'conv_9' }, { id: 'conv_8' }];
    server.storedMessages = [
      { id: 'a', role: 'user', content: 'old question' },
      {
        id: 'b',
        role: 'assistant',
        content: 'old answer',
        citations: [{ url: 'https://help.example.com/x', title: 'X' }],
      },
    ];
    await chat.restore();
    assertEqual(chat.state.conversationId, 'conv_9');
    assertEqual(
      chat.state.messages.map((message) => message.text),
      ['old question', 'old answer'],
    );
    assertEqual(chat.state.messages[1]?.sources[0]?.url, 'https://help.example.com/x');
    assertEqual(server.requests[0]?.headers.get('x-churn-customer-token'), 'ct_signed');
  });

  it('escalates once and records feedback', async () => {
    const { server, chat, events } = setUp();
    server.answers.push({
      chunks: answerChunks('Not sure.', {
        confidence: { score: 0.2, escalate: true },
        escalation: true,
      }),
    });
    await chat.send('hard question');
    const answer = chat.state.messages.at(-1);
    assert(answer?.escalationSuggested, 'escalation suggested');
    assert(await chat.escalate('low_confidence'));
    assert(await chat.escalate('again'));
    assertEqual(server.requestsTo('/api/conversations/conv_1/escalate').length, 1);
    assertEqual(server.requestsTo('/api/conversations/conv_1/escalate')[0]?.body, {
      reason: 'low_confidence',
    });
    assert(chat.state.escalated, 'escalated');
    assertEqual(events.filter((event) => event.type === 'escalated').length, 1);
    assert(
      await chat.sendFeedback(answer?.id ?? '', { type: 'thumbs_down', comment: 'Too vague' }),
    );
    assertEqual(server.requestsTo('/api/messages/msg_answer_1/feedback')[0]?.body, {
      type: 'thumbs_down',
      comment: 'Too vague',
    });
    assertEqual(chat.state.messages.at(-1)?.feedback, 'thumbs_down');
  });

  it('runs the sandbox card step: a decline, then a success', async () => {
    const { server, chat, events } = setUp();
    server.answers.push({
      chunks: answerChunks('Let us update your card.', {
        payment: { step: 'payment-requested', mode: 'sandbox' },
      }),
    });
    await chat.send('update my card');
    const id = chat.state.messages.at(-1)?.id ?? '';
    assertEqual(chat.state.messages.at(-1)?.payment?.status, 'requested');
    server.routes.set(
      'POST /api/conversations/conv_1/payment/sandbox-confirm',
      () =>
        new Response(
          JSON.stringify({ error: { code: 'card_declined', message: 'Your card was declined.' } }),
          { status: 402 },
        ),
    );
    const card = { number: '4000000000000002', expMonth: 12, expYear: 2034, cvc: '123' };
    assert(!(await chat.confirmSandboxPayment(id, card)));
    assertEqual(chat.state.messages.at(-1)?.payment?.status, 'declined');
    assertEqual(chat.state.messages.at(-1)?.payment?.message, 'Your card was declined.');
    server.routes.delete('POST /api/conversations/conv_1/payment/sandbox-confirm');
    assert(await chat.confirmSandboxPayment(id, { ...card, number: '4242424242424242' }));
    assertEqual(chat.state.messages.at(-1)?.payment?.status, 'succeeded');
    assertEqual(server.requestsTo(/sandbox-confirm$/).at(-1)?.body, {
      card: { ...card, number: '4242424242424242' },
    });
    assertEqual(events.filter((event) => event.type === 'payment-updated').length, 1);
  });

  it('goes on in the recovery conversation a billing answer hands the customer to', async () => {
    const storage = new MemoryStorage();
    const { server, chat } = setUp({ storage, customerToken: 'ct_signed' });
    const handoff = answerChunks(
      "I can help you fix that right here: I've opened a secure card update for you.",
    );
    // `data-recovery` before the end of the message, as the server sends it.
    handoff.splice(-2, 0, { type: 'data-recovery', data: { conversationId: 'conv_recovery' } });
    server.answers.push({ chunks: handoff });
    server.routes.set('GET /api/conversations/conv_recovery', () =>
      Response.json({
        conversation: { id: 'conv_recovery', purpose: 'recovery' },
        messages: [
          {
            id: 'msg_greeting',
            role: 'assistant',
            content:
              'Hi Ada, your payment of $49.00 with the Visa ending 4242 did not go through. Shall we update your card now?',
          },
        ],
      }),
    );
    await chat.send('My payment failed, can I update my card?');
    assertEqual(chat.state.conversationId, 'conv_recovery');
    assertEqual(
      chat.state.messages.map((message) => [message.role, message.text]),
      [
        ['user', 'My payment failed, can I update my card?'],
        [
          'assistant',
          "I can help you fix that right here: I've opened a secure card update for you.",
        ],
        [
          'assistant',
          'Hi Ada, your payment of $49.00 with the Visa ending 4242 did not go through. Shall we update your card now?',
        ],
      ],
    );
    assertEqual(chat.state.status, 'ready');
    assertEqual(server.requestsTo('/api/conversations/conv_1/messages', 'POST').length, 1);
    // The snapshot keeps the new conversation and the whole transcript across a reload.
    const snapshot = JSON.parse(storage.getItem('churn-chat:test') ?? '{}');
    assertEqual(snapshot.conversationId, 'conv_recovery');
    assertEqual(snapshot.messages.length, 3);

    // The next message goes to the recovery conversation, whose card step works as before.
    server.answers.push({
      chunks: answerChunks('Here is a secure form for your new card.', {
        messageId: 'msg_card_step',
        payment: { step: 'payment-requested', mode: 'sandbox' },
      }),
    });
    await chat.send('yes');
    const posts = server.requestsTo('/api/conversations/conv_recovery/messages', 'POST');
    assertEqual(
      posts.map((post) => post.body),
      [{ text: 'yes' }],
    );
    assertEqual(chat.state.messages.at(-1)?.payment?.status, 'requested');
    const card = { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' };
    assert(await chat.confirmSandboxPayment('msg_card_step', card));
    assertEqual(
      server.requestsTo('/api/conversations/conv_recovery/payment/sandbox-confirm', 'POST').length,
      1,
    );
  });

  it('after a reload, goes on in the recovery conversation the last stored answer handed over to', async () => {
    const storage = new MemoryStorage();
    const { server, chat } = setUp({ storage, customerToken: 'ct_signed' });
    server.conversations = [{ id: 'conv_support' }];
    serveHandoffHistory(server, 'conv_support', 'msg_handoff');
    await chat.restore();
    assertEqual(chat.state.conversationId, 'conv_recovery');
    assertEqual(
      chat.state.messages.map((message) => [message.role, message.text]),
      [
        ['user', 'My payment failed, can I update my card?'],
        ['assistant', handoffSentence],
        ['assistant', recoveryGreeting],
      ],
    );
    assertEqual(chat.state.status, 'ready');
    const snapshot = JSON.parse(storage.getItem('churn-chat:test') ?? '{}');
    assertEqual(snapshot.conversationId, 'conv_recovery');
    assertEqual(snapshot.messages.length, 3);

    // The customer's answer to the greeting goes to the recovery conversation.
    server.answers.push({
      chunks: answerChunks('Here is a secure form for your new card.', {
        messageId: 'msg_card_step',
        payment: { step: 'payment-requested', mode: 'sandbox' },
      }),
    });
    await chat.send('yes');
    assertEqual(
      server
        .requestsTo('/api/conversations/conv_recovery/messages', 'POST')
        .map((post) => post.body),
      [{ text: 'yes' }],
    );
    assertEqual(server.requestsTo('/api/conversations/conv_support/messages', 'POST').length, 0);
    assertEqual(chat.state.messages.at(-1)?.payment?.status, 'requested');
  });

  it('stays in the support conversation when the customer wrote after the hand-off', async () => {
    const { server, chat } = setUp({ customerToken: 'ct_signed' });
    server.conversations = [{ id: 'conv_support' }];
    server.storedMessages = [
      storedText('msg_question', 'user', 'My payment failed, can I update my card?'),
      storedHandoff('msg_handoff', 'conv_recovery'),
      storedText('msg_later', 'user', 'Where do I find my invoices?'),
    ];
    await chat.restore();
    assertEqual(chat.state.conversationId, 'conv_support');
    assertEqual(chat.state.messages.length, 3);
    assertEqual(server.requestsTo('/api/conversations/conv_recovery').length, 0);
  });

  it('goes on in the recovery conversation when the stream broke before the hand-off part', async () => {
    const { server, chat } = setUp();
    // The connection breaks before `data-recovery`; no stream is left to resume (204).
    server.answers.push({ chunks: answerChunks(handoffSentence), breakAfter: 6 });
    server.resumes.push(null);
    serveHandoffHistory(server, 'conv_1', 'msg_answer_1');
    await chat.send('My payment failed, can I update my card?');
    await waitFor(
      () => chat.state.conversationId === 'conv_recovery',
      'in the recovery conversation',
    );
    await waitFor(() => chat.state.messages.length === 3, 'the greeting added');
    assertEqual(
      chat.state.messages.map((message) => [message.role, message.text, message.state]),
      [
        ['user', 'My payment failed, can I update my card?', 'done'],
        ['assistant', handoffSentence, 'done'],
        ['assistant', recoveryGreeting, 'done'],
      ],
    );
    assertEqual(chat.state.status, 'ready');
  });

  it('never writes a card form client secret to storage', async () => {
    const storage = new MemoryStorage();
    const { server, chat } = setUp({ storage });
    server.answers.push({
      chunks: answerChunks('Card form:', {
        payment: {
          step: 'payment-requested',
          mode: 'stripe',
          clientSecret: 'seti_1_secret_abc',
          publishableKey: 'pk_test_stripe',
        },
      }),
    });
    await chat.send('update my card');
    assertEqual(chat.state.messages.at(-1)?.payment?.clientSecret, 'seti_1_secret_abc');
    assert(!storage.getItem('churn-chat:test')?.includes('secret_abc'), 'secret not stored');
  });
});
