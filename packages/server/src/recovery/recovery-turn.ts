import {
  type ChatSessionState,
  ChurnError,
  type ConversationRecord,
  isChatSessionOpen,
  type StorageJsonObject as JsonObject,
  type LanguageModelV1Message,
  planRecoveryTurn,
  planRecoveryTurnWithModel,
  type RecoveryPlan,
  transitionChatSession,
} from '@churn/core';
import { messageCreatedEvent, publishConsoleEvent } from '../admin-conversations/console-events.js';
import type { ChatTurnInput, ChatTurnServices, StartedChatTurn } from '../chat/run-chat-turn.js';
import { uiMessageStreamDone } from '../chat/ui-message-chunk.js';
import { UIMessageStreamEncoder } from '../chat/ui-message-stream-encoder.js';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { HttpError } from '../http/http-error.js';
import { answerFromSessionFacts, isSessionFactsQuestion } from './recovery-facts-answer.js';
import { createPaymentRequest } from './recovery-payments.js';
import {
  recoveryFactsOf,
  recoveryStateOf,
  saveSession,
  sessionOf,
  withRecoveryState,
} from './recovery-records.js';
import { recoveryServiceOf } from './recovery-service.js';
import { sweepRecoverySession } from './recovery-sessions.js';

/** True when the turn belongs to the recovery engine: an open recovery session. */
export function isRecoveryTurn(conversation: ConversationRecord): boolean {
  return (
    conversation.purpose === 'recovery' &&
    conversation.recovery !== undefined &&
    isChatSessionOpen(conversation.recovery.status)
  );
}

const sorryText =
  'Sorry, something went wrong on our side. Please try again in a moment, or update your card from your account page.';

/**
 * One customer message in a recovery conversation: stores it, moves the session on
 * (`initiated` -> `in-progress` on the first message), plans the reply (tool calls with a
 * language model, else the offline engine) and streams it as the UI message stream, with a
 * `data-payment` part (`{ step: 'payment-requested', mode, clientSecret, publishableKey? }`)
 * when the card form should open. Billing needs a verified customer (or a server key).
 *
 * A session that has ended (completed or abandoned, swept for the 180-second budget first)
 * is answered by the ordinary support turn: the conversation goes on as a support chat.
 */
export async function startRecoveryTurn(
  services: ChatTurnServices,
  input: ChatTurnInput,
  state: ChurnHandlerState,
  fallback: (input: ChatTurnInput) => Promise<StartedChatTurn>,
): Promise<StartedChatTurn> {
  const { storage, registry } = services;
  const { principal } = input;
  if (principal.kind === 'publishable' && principal.customer === undefined) {
    throw new HttpError(
      403,
      'forbidden',
      'Payment recovery needs a verified customer: send the customer identity token your backend signed.',
    );
  }
  const service = recoveryServiceOf(state);
  const conversation = await sweepRecoverySession(storage, service, input.conversation);
  if (!isRecoveryTurn(conversation)) return fallback({ ...input, conversation });

  const tenantId = principal.tenantId;
  const key = { tenantId, conversationId: conversation.id };
  if (await registry.isActive(key)) await registry.stop(key);
  const writer = await registry.open(key);
  let userMessageId: string;
  let history: LanguageModelV1Message[];
  let session: ChatSessionState;
  let current: ConversationRecord;
  try {
    const stored = await storage.messages.list({
      tenantId,
      conversationId: conversation.id,
      newest: true,
      limit: 1000,
    });
    history = stored
      .filter((message) => message.role === 'user' || message.role === 'assistant')
      .slice(-services.historyMessages)
      .map((message) => ({ role: message.role as 'user' | 'assistant', content: message.content }));
    const message = await storage.messages.create({
      tenantId,
      conversationId: conversation.id,
      role: 'user',
      content: input.text,
      queryType: 'billing',
      metadata:
        input.clientMessageId === undefined ? {} : { clientMessageId: input.clientMessageId },
    });
    userMessageId = message.id;
    publishConsoleEvent(storage, messageCreatedEvent(message));
    // The customer is active now: the 180-second budget of silence starts again.
    const now = service.clock();
    session = transitionChatSession(
      { ...sessionOf(conversation, now), startTime: now },
      'customer-engaged',
      service.clock,
    );
    const recovery = recoveryStateOf(conversation);
    current = await saveSession(
      storage,
      conversation,
      session,
      withRecoveryState(conversation, {
        ...recovery,
        turns: recovery.turns + 1,
        engagedAt: recovery.engagedAt ?? now,
        lastActivityAt: now,
      }),
    );
  } catch (error) {
    writer.close();
    throw error;
  }
  const stream = await registry.read(key);
  if (!stream) {
    writer.close();
    throw new ChurnError('internal', 'The reply stream closed before it was read.');
  }
  const assistantMessageId = crypto.randomUUID();
  const encoder = new UIMessageStreamEncoder({
    write: (chunk) => {
      writer.append(JSON.stringify(chunk));
    },
    flushIntervalMs: services.flushIntervalMs,
    flushChars: services.flushChars,
  });
  encoder.start(assistantMessageId, { conversationId: conversation.id });

  const done = (async () => {
    let text = '';
    const say = (line: string) => {
      const part = text.length === 0 ? line : ` ${line}`;
      text += part;
      encoder.text(part);
    };
    let step = 'reply';
    let failed = false;
    try {
      const customer = await storage.customers.get({ tenantId, id: current.customerId ?? '' });
      if (!customer)
        throw new ChurnError('not_found', 'The customer of this recovery session is gone.');
      const paymentMethods = await storage.paymentMethods.listByCustomer({
        tenantId,
        customerId: customer.id,
      });
      const recovery = recoveryStateOf(current);
      const facts = recoveryFactsOf(customer, paymentMethods, recovery);
      const turnInput = {
        facts,
        message: input.text,
        turn: recovery.turns,
        memory: service.memoryFor(tenantId),
      };
      const model = service.settings.languageModel;
      const plan: RecoveryPlan = model
        ? await planRecoveryTurnWithModel({ ...turnInput, model, history, signal: writer.signal })
        : planRecoveryTurn(turnInput);
      step = plan.action;
      switch (plan.action) {
        case 'request-payment': {
          if (session.status === 'in-progress') {
            session = transitionChatSession(session, 'payment-requested', service.clock);
            current = await saveSession(storage, current, session);
          }
          const request = await createPaymentRequest(storage, service, current);
          current = request.conversation;
          say(plan.text);
          encoder.data({ type: 'data-payment', data: request.data });
          break;
        }
        case 'customer-declined':
          session = transitionChatSession(session, 'customer-declined', service.clock);
          current = await saveSession(storage, current, session);
          say(plan.text);
          break;
        case 'escalate': {
          say(plan.text);
          await storage.escalations.create({
            tenantId,
            conversationId: current.id,
            reason: `Payment recovery: ${plan.reason}`,
          });
          if (current.status === 'active') {
            current = await storage.conversations.update({
              tenantId,
              id: current.id,
              changes: { status: 'escalated' },
            });
          }
          break;
        }
        case 'answer-from-docs': {
          // "What happened?" is about this session, not the product: the facts answer it.
          if (isSessionFactsQuestion(plan.question)) {
            step = 'session-facts';
            say(answerFromSessionFacts(facts, recovery, turnInput.memory));
            say(plan.followUp);
            break;
          }
          const knowledgeBase = services.knowledgeBases.forTenant(storage, tenantId);
          const chunks = await knowledgeBase.search(plan.question, { signal: writer.signal });
          const { stream: answer } = await knowledgeBase.answer(plan.question, {
            chunks,
            history,
            signal: writer.signal,
          });
          const reader = answer.getReader();
          for (;;) {
            const { done: finished, value } = await reader.read();
            if (finished) break;
            if (value.type === 'text-delta') {
              text += value.delta;
              encoder.text(value.delta);
            } else if (value.type === 'source') {
              encoder.source({ sourceId: value.chunkId, url: value.sourceUrl, title: value.title });
            } else if (value.type === 'error') {
              throw value.error;
            }
          }
          say(plan.followUp);
          break;
        }
        case 'reply':
          say(plan.text);
          break;
      }
    } catch (error) {
      failed = true;
      services.logger.error('A recovery reply failed.', {
        error,
        tenantId,
        conversationId: conversation.id,
      });
      if (text.length === 0) say(sorryText);
    }
    encoder.endText();
    const metadata: JsonObject = { recoveryStep: step, ...(failed ? { state: 'failed' } : {}) };
    try {
      const reply = await storage.messages.create({
        id: assistantMessageId,
        tenantId,
        conversationId: conversation.id,
        role: 'assistant',
        content: text,
        queryType: 'billing',
        metadata,
      });
      publishConsoleEvent(storage, messageCreatedEvent(reply));
      if (failed) encoder.error(sorryText);
      else encoder.finish('stop', { conversationId: conversation.id });
    } catch (error) {
      services.logger.error('Could not store a recovery reply.', { error, tenantId });
      encoder.error('Your answer could not be saved. Please try again.');
    }
    writer.append(uiMessageStreamDone);
    writer.close();
  })().catch((error: unknown) => {
    services.logger.error('A recovery reply failed unexpectedly.', { error, tenantId });
    writer.close();
  });
  return { userMessageId, assistantMessageId, stream, done };
}
