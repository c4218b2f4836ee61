import type { StorageJsonObject as JsonObject } from '@churn/core';
import type { ChatTurnInput, ChatTurnServices, StartedChatTurn } from '../chat/run-chat-turn.js';
import { uiMessageStreamDone } from '../chat/ui-message-chunk.js';
import { UIMessageStreamEncoder } from '../chat/ui-message-stream-encoder.js';
import { type ConsoleEvent, consoleEventsOf } from './console-events.js';
import type { ConversationOperator } from './operator-takeover.js';

/** How long a customer's turn waits for the operator's reply by default (ms). */
export const defaultOperatorWaitMs = 60_000;

/**
 * A customer's turn in a conversation an operator has taken over: no model runs. The
 * customer's message is stored first (and published, so the console shows it), then the
 * reply stream waits for the operator's next message (`message.created` with role
 * `operator` on the console event bus, so it works across instances with Redis) for up to
 * `waitMs`. The operator's message streams as the reply (its stored id, its text, a
 * `data-operator` part with the operator's name). If none comes in time, or the
 * conversation is handed back, the reply ends with only `data-operator` `waiting`: the
 * operator's message is then read from `GET /api/conversations/:id` on the next poll.
 */
export async function startOperatorTurn(
  services: ChatTurnServices,
  input: ChatTurnInput,
  operator: ConversationOperator,
  waitMs = defaultOperatorWaitMs,
): Promise<StartedChatTurn> {
  const { storage, registry } = services;
  const tenantId = input.principal.tenantId;
  const conversationId = input.conversation.id;
  const key = { tenantId, conversationId };
  // A reply still streaming (the assistant's, before the takeover) is stopped first.
  if (await registry.isActive(key)) {
    await registry.stop(key);
    const deadline = Date.now() + 5000;
    while ((await registry.isActive(key)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  const writer = await registry.open(key);
  const bus = await consoleEventsOf(storage, services.logger);

  let resolveReply!: (event: ConsoleEvent | undefined) => void;
  const reply = new Promise<ConsoleEvent | undefined>((resolve) => {
    resolveReply = resolve;
  });
  const unsubscribe = bus.subscribe(tenantId, (event) => {
    if (event.data.conversationId !== conversationId) return;
    if (event.type === 'message.created' && event.data.role === 'operator') resolveReply(event);
    if (event.type === 'conversation.updated' && event.data.operator === null) {
      resolveReply(undefined);
    }
  });

  let userMessageId: string;
  try {
    const stored = await storage.messages.list({
      tenantId,
      conversationId,
      newest: true,
      limit: 1000,
    });
    const last = stored.at(-1);
    if (input.regenerate && last?.role === 'user' && last.content === input.text) {
      userMessageId = last.id;
    } else {
      const metadata: JsonObject =
        input.clientMessageId === undefined ? {} : { clientMessageId: input.clientMessageId };
      const message = await storage.messages.create({
        tenantId,
        conversationId,
        role: 'user',
        content: input.text,
        metadata,
      });
      userMessageId = message.id;
      bus.publish({
        type: 'message.created',
        tenantId,
        data: {
          conversationId,
          messageId: message.id,
          role: 'user',
          text: message.content,
          at: message.timestamp.toISOString(),
        },
      });
    }
  } catch (error) {
    unsubscribe();
    writer.close();
    throw error;
  }

  const stream = await registry.read(key);
  if (!stream) {
    unsubscribe();
    writer.close();
    throw new Error('The reply stream closed before it was read.');
  }
  const timer = setTimeout(() => resolveReply(undefined), waitMs);
  timer.unref?.();
  const onStop = () => resolveReply(undefined);
  writer.signal.addEventListener('abort', onStop, { once: true });

  const done = reply.then((event) => {
    clearTimeout(timer);
    unsubscribe();
    writer.signal.removeEventListener('abort', onStop);
    const encoder = new UIMessageStreamEncoder({
      write: (chunk) => void writer.append(JSON.stringify(chunk)),
      flushIntervalMs: 0,
      flushChars: 1,
    });
    const author = event?.data.author as { name?: unknown } | undefined;
    const name = typeof author?.name === 'string' ? author.name : operator.name;
    if (event && typeof event.data.text === 'string') {
      encoder.start(String(event.data.messageId), { conversationId });
      encoder.text(event.data.text);
      encoder.endText();
      encoder.data({ type: 'data-operator', data: { name, status: 'replied' } });
      encoder.finish('stop', { conversationId });
    } else if (writer.signal.aborted) {
      encoder.start(crypto.randomUUID(), { conversationId });
      encoder.abort();
    } else {
      encoder.start(crypto.randomUUID(), { conversationId });
      encoder.data({ type: 'data-operator', data: { name, status: 'waiting' } });
      encoder.finish('stop', { conversationId });
    }
    writer.append(uiMessageStreamDone);
    writer.close();
  });
  return { userMessageId, assistantMessageId: '', stream, done };
}
