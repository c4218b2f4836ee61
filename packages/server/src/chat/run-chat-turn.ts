import {
  type AnswerStreamPart,
  ChurnError,
  type ConversationRecord,
  type StorageJsonObject as JsonObject,
  type LanguageModelV1Message,
  type NewRetrieval,
  type StorageV1,
} from '@churn/core';
import { messageCreatedEvent, publishConsoleEvent } from '../admin-conversations/console-events.js';
import { type MetricEntry, recordMetrics } from '../analytics/record-metric.js';
import type { EscalationNotifier } from '../escalations/escalation-notifier.js';
import { type SupportTurn, startSupportTurn } from '../escalations/support-turn.js';
import type { ChurnLogger } from '../http/error-to-response.js';
import type { RecoveryService } from '../recovery/recovery-service.js';
import { recoveryHandoffText } from '../recovery/support-handoff.js';
import type { TenantPrincipal } from './chat-access.js';
import type { StoredCitation } from './chat-conversations.js';
import type { ChatStreamRegistry, ChatStreamWriter } from './chat-stream-registry.js';
import {
  appendUserMessage,
  earlierMessagesLimit,
  saveAssistantReply,
} from './chat-turn-storage.js';
import {
  type AccountQuestionClassifier,
  type QuestionClassifier,
  signInRequiredAnswer,
} from './classify-question.js';
import type { KnowledgeBaseCache } from './knowledge-base-cache.js';
import { type UIFinishReason, uiMessageStreamDone } from './ui-message-chunk.js';
import { UIMessageStreamEncoder } from './ui-message-stream-encoder.js';
import { answerVerifiedBilling, type VerifiedBillingAnswer } from './verified-billing.js';

/** What a chat turn needs besides the request. */
export interface ChatTurnServices {
  storage: StorageV1;
  registry: ChatStreamRegistry;
  knowledgeBases: KnowledgeBaseCache;
  classifyQuestion: QuestionClassifier;
  /** Which billing questions of a verified customer are answered from their records. */
  isAccountQuestion: AccountQuestionClassifier;
  logger: ChurnLogger;
  flushIntervalMs: number;
  flushChars: number;
  /** Stored messages given to the model as history. */
  historyMessages: number;
  /** Told about each escalation a turn creates (the handler state's `onEscalation`). */
  notifier?: EscalationNotifier | undefined;
  /**
   * Payment recovery: with it, a verified at-risk customer's billing question opens (or
   * reopens) their recovery session instead of a docs answer. Without it, docs answer.
   */
  recovery?: RecoveryService | undefined;
}

/** One turn: the customer's text in a conversation. */
export interface ChatTurnInput {
  principal: TenantPrincipal;
  conversation: ConversationRecord;
  text: string;
  /** The id the client gave its message (AI SDK), kept in the message's metadata. */
  clientMessageId?: string;
  /** Answer the last stored user message again instead of storing a new one. */
  regenerate?: boolean;
}

/** A turn that has started: its reply streams into the registry. */
export interface StartedChatTurn {
  userMessageId: string;
  assistantMessageId: string;
  /** The reply's stream from its first payload, opened before the generation starts. */
  stream: AsyncIterable<string>;
  /** Settles when the reply has ended and been stored (never rejects). */
  done: Promise<void>;
}

/** Why a reply ended. */
type ReplyState = 'complete' | 'stopped' | 'failed';

const failedText = 'Sorry, I could not finish this answer. Please try again.';
const tooLongText = 'Sorry, this answer grew too long to send. Please ask a narrower question.';

/**
 * Opens the conversation's reply stream. A reply still streaming (the customer pressed
 * stop in a client that only drops its connection, then wrote again) is stopped first and
 * stored as stopped, so the new message follows it in order; if it does not end within
 * `waitMs`, the registry's `conflict` (409) stands.
 */
async function openReplacing(
  registry: ChatStreamRegistry,
  key: { tenantId: string; conversationId: string },
  waitMs = 5000,
): Promise<ChatStreamWriter> {
  if (await registry.isActive(key)) {
    await registry.stop(key);
    const deadline = Date.now() + waitMs;
    while ((await registry.isActive(key)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  return registry.open(key);
}

/**
 * Starts one chat turn: reserves the conversation's stream (a reply still streaming there
 * is stopped first), stores the customer's message **before** any model runs, then generates the
 * reply in the background into the stream registry. The generation does not belong to
 * the HTTP request: a client that disconnects does not stop it (it can resume), only
 * `registry.stop` (the stop endpoint) or the registry's time limit does.
 */
export async function startChatTurn(
  services: ChatTurnServices,
  input: ChatTurnInput,
): Promise<StartedChatTurn> {
  const { storage, registry } = services;
  const { principal, conversation } = input;
  const tenantId = principal.tenantId;
  const queryType = services.classifyQuestion(input.text);
  const key = { tenantId, conversationId: conversation.id };
  const writer = await openReplacing(registry, key);

  let userMessageId: string;
  let history: LanguageModelV1Message[];
  let previousQuestions: string[] = [];
  try {
    const metadata: JsonObject =
      input.clientMessageId === undefined ? {} : { clientMessageId: input.clientMessageId };
    if (input.regenerate) {
      const stored = await storage.messages.list({
        tenantId,
        conversationId: conversation.id,
        newest: true,
        limit: earlierMessagesLimit,
      });
      const last = stored.at(-1);
      if (last?.role === 'user' && last.content === input.text) {
        userMessageId = last.id;
        previousQuestions = userQuestions(stored.slice(0, -1));
        history = toHistory(stored.slice(0, -1), services.historyMessages);
      } else {
        const message = await storage.messages.create(newUserMessage(input, queryType, metadata));
        userMessageId = message.id;
        previousQuestions = userQuestions(stored);
        history = toHistory(stored, services.historyMessages);
      }
    } else {
      // One statement: the message is stored (before any model runs) and the history read.
      const appended = await appendUserMessage(storage, newUserMessage(input, queryType, metadata));
      userMessageId = appended.message.id;
      previousQuestions = userQuestions(appended.earlier);
      history = toHistory(appended.earlier, services.historyMessages);
    }
  } catch (error) {
    writer.close();
    throw error;
  }
  publishConsoleEvent(storage, {
    type: 'message.created',
    tenantId,
    data: {
      conversationId: conversation.id,
      messageId: userMessageId,
      role: 'user',
      text: input.text,
      at: new Date().toISOString(),
    },
  });

  const assistantMessageId = crypto.randomUUID();
  // Read before generating: a reply that ends at once is still read from its start.
  const stream = await registry.read(key);
  if (!stream) {
    writer.close();
    throw new ChurnError('internal', 'The reply stream closed before it was read.');
  }
  const done = generateReply(services, {
    writer,
    tenantId,
    conversationId: conversation.id,
    assistantMessageId,
    question: input.text,
    queryType,
    verified: principal.kind !== 'publishable' || principal.customer !== undefined,
    history,
    conversation,
    previousQuestions,
    userId:
      principal.kind === 'publishable'
        ? (principal.customer?.id ?? principal.visitorId)
        : (conversation.userId ?? undefined),
    customerId:
      principal.kind === 'publishable'
        ? principal.customer?.id
        : (conversation.customerId ?? conversation.userId ?? undefined),
  }).catch((error: unknown) => {
    services.logger.error('A chat reply failed unexpectedly.', { error, tenantId });
    writer.close();
  });
  return { userMessageId, assistantMessageId, stream, done };
}

function newUserMessage(input: ChatTurnInput, queryType: string, metadata: JsonObject) {
  return {
    tenantId: input.principal.tenantId,
    conversationId: input.conversation.id,
    role: 'user' as const,
    content: input.text,
    queryType,
    metadata,
  };
}

function userQuestions(messages: readonly { role: string; content: string }[]): string[] {
  return messages.filter((message) => message.role === 'user').map((message) => message.content);
}

function toHistory(
  messages: readonly { role: string; content: string; metadata?: JsonObject }[],
  limit: number,
): LanguageModelV1Message[] {
  if (limit <= 0) return [];
  return (
    messages
      // An account answer states the customer's card and payments: it never goes to a model.
      .filter(
        (message) =>
          (message.role === 'user' || message.role === 'assistant') &&
          message.metadata?.account !== true,
      )
      .slice(-limit)
      .map((message) => ({
        role: message.role as 'user' | 'assistant',
        content: message.content,
      }))
  );
}

interface ReplyInput {
  writer: ChatStreamWriter;
  tenantId: string;
  conversationId: string;
  assistantMessageId: string;
  question: string;
  queryType: string;
  verified: boolean;
  history: LanguageModelV1Message[];
  conversation: ConversationRecord;
  /** Earlier user messages of the conversation, oldest first (escalation rules). */
  previousQuestions: string[];
  /** The verified customer, else the visitor (A/B assignment). */
  userId: string | undefined;
  /** The verified customer (the token's id, or the conversation's customer for a secret key). */
  customerId: string | undefined;
}

async function generateReply(services: ChatTurnServices, input: ReplyInput): Promise<void> {
  const { writer } = input;
  // Stopping aborts `writer.signal`; a full buffer aborts this one too.
  const abortController = new AbortController();
  const signal = AbortSignal.any([writer.signal, abortController.signal]);
  let overflowed = false;
  const encoder = new UIMessageStreamEncoder({
    write: (chunk) => {
      if (overflowed) return;
      if (!writer.append(JSON.stringify(chunk))) {
        overflowed = true;
        abortController.abort(new ChurnError('payload_too_large', 'The reply is too long.'));
      }
    },
    flushIntervalMs: services.flushIntervalMs,
    flushChars: services.flushChars,
  });
  encoder.start(input.assistantMessageId, { conversationId: input.conversationId });

  let text = '';
  const citations: StoredCitation[] = [];
  let retrievals: NewRetrieval[] = [];
  let confidence: number | undefined;
  let escalate = false;
  let finishReason: UIFinishReason = 'stop';
  let state: ReplyState = 'complete';
  let failure: unknown;
  // Support operations: PII masking, A/B variant, escalation rules, analytics.
  let support: SupportTurn | undefined;
  let handover: Awaited<ReturnType<SupportTurn['escalate']>>;
  // A verified customer's billing question: their recovery conversation or their records.
  let billing: VerifiedBillingAnswer | undefined;
  const writeText = (delta: string) => {
    if (delta.length === 0) return;
    text += delta;
    encoder.text(delta);
  };

  const onPart = (part: AnswerStreamPart) => {
    switch (part.type) {
      case 'text-delta':
        writeText(support ? support.unmask(part.delta) : part.delta);
        break;
      case 'source': {
        if (support) writeText(support.flush());
        const citation: StoredCitation = {
          sourceId: part.chunkId,
          url: part.sourceUrl,
          title: part.title,
        };
        citations.push(citation);
        encoder.source(citation);
        break;
      }
      case 'confidence':
        confidence = part.confidence;
        break;
      case 'escalation-suggested':
        escalate = true;
        break;
      case 'finish':
        finishReason = part.finishReason;
        break;
      case 'error':
        throw part.error;
    }
  };

  try {
    if (input.queryType === 'billing' && input.verified && input.customerId !== undefined) {
      // Stop ends the turn at once, even while the payment provider is being asked.
      billing = await untilAborted(
        answerVerifiedBilling(services, {
          tenantId: input.tenantId,
          conversationId: input.conversationId,
          customerId: input.customerId,
          question: input.question,
        }),
        signal,
      );
    }
    if (input.queryType === 'billing' && !input.verified) {
      text = signInRequiredAnswer;
      encoder.text(text);
      encoder.data({
        type: 'data-identity-required',
        data: { reason: 'billing', message: signInRequiredAnswer },
      });
    } else if (billing?.kind === 'recovery') {
      // An at-risk customer: no model runs, the recovery conversation's greeting has the facts.
      text = recoveryHandoffText;
      encoder.text(text);
      encoder.data({ type: 'data-recovery', data: { conversationId: billing.conversationId } });
    } else if (billing?.kind === 'account') {
      // Facts from the customer's records: no model writes them, no retrieval runs.
      text = billing.text;
      encoder.text(text);
      encoder.data({ type: 'data-account', data: billing.data });
    } else {
      support = await startSupportTurn(services, {
        conversation: input.conversation,
        question: input.question,
        history: input.history,
        previousQuestions: input.previousQuestions,
        userId: input.userId,
        queryType: input.queryType,
      });
    }
    if (support && !support.skipModel) {
      const knowledgeBase = services.knowledgeBases.forTenant(services.storage, input.tenantId);
      const chunks = await untilAborted(
        knowledgeBase.search(support.question, { ...support.searchOptions, signal }),
        signal,
      );
      retrievals = chunks.map((chunk) => ({
        chunkId: chunk.chunkId,
        similarityScore: chunk.similarityScore,
        rerankScore: chunk.rerankScore,
        rankPosition: chunk.rank,
      }));
      const { stream } = await untilAborted(
        knowledgeBase.answer(support.question, {
          chunks,
          history: support.history,
          ...support.answerOptions,
          signal,
        }),
        signal,
      );
      const reader = stream.getReader();
      try {
        for (;;) {
          const { done, value } = await untilAborted(reader.read(), signal);
          if (done) break;
          onPart(value);
        }
      } finally {
        reader.cancel().catch(() => {});
      }
      if (signal.aborted) throw signal.reason;
    }
    if (support) {
      writeText(support.flush());
      handover = await support.escalate({ escalate, confidence });
      if (handover?.text) writeText(text.length > 0 ? `\n\n${handover.text}` : handover.text);
    }
  } catch (error) {
    if (support) writeText(support.flush());
    failure = error;
    state = isStop(writer.signal) && !overflowed ? 'stopped' : 'failed';
  }

  encoder.endText();
  if (state === 'complete' && confidence !== undefined) {
    encoder.data({ type: 'data-confidence', data: { score: confidence, escalate } });
  }
  if (state === 'complete' && handover?.data) {
    encoder.data({ type: 'data-escalation', data: handover.data });
  }
  if (state === 'failed') {
    services.logger.error('A chat reply failed.', {
      error: failure,
      tenantId: input.tenantId,
      conversationId: input.conversationId,
    });
  }

  // The turn's metrics are stored with the reply, in the same statement.
  const turn = { state, confidence, retrievals: retrievals.length };
  let saved = true;
  if (text.trim().length > 0) {
    saved = await saveReply(services, input, {
      text,
      state,
      citations,
      retrievals,
      confidence: state === 'complete' ? confidence : undefined,
      escalate,
      metrics: support?.metrics(turn) ?? [],
      recoveryConversationId: billing?.kind === 'recovery' ? billing.conversationId : undefined,
      account: billing?.kind === 'account',
    });
  } else {
    await support?.record(turn);
  }

  const metadata = {
    conversationId: input.conversationId,
    ...(confidence === undefined || state !== 'complete' ? {} : { confidence }),
  };
  if (!saved) encoder.error('Your answer could not be saved. Please try again.');
  else if (state === 'complete') encoder.finish(finishReason, metadata);
  else if (state === 'stopped') encoder.abort();
  else encoder.error(overflowed ? tooLongText : failedText);
  writer.append(uiMessageStreamDone);
  writer.close();
}

/**
 * Settles with `promise`, or rejects with the abort reason as soon as `signal` aborts: a
 * model or store that ignores its abort signal cannot hold a stopped reply open.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function isStop(signal: AbortSignal): boolean {
  return signal.aborted && ChurnError.isInstance(signal.reason) && signal.reason.code === 'aborted';
}

async function saveReply(
  services: ChatTurnServices,
  input: ReplyInput,
  reply: {
    text: string;
    state: ReplyState;
    citations: StoredCitation[];
    retrievals: NewRetrieval[];
    confidence: number | undefined;
    escalate: boolean;
    /** The turn's metrics, stored with the reply. */
    metrics: MetricEntry[];
    /** The recovery conversation the customer was handed to. */
    recoveryConversationId?: string | undefined;
    /** An account answer (from the customer's records): kept out of every model's history. */
    account?: boolean;
  },
): Promise<boolean> {
  const metadata: JsonObject = {
    citations: reply.citations.map((citation) => ({ ...citation })),
    ...(reply.state === 'complete' ? {} : { state: reply.state }),
    ...(reply.escalate ? { escalate: true } : {}),
    ...(reply.recoveryConversationId === undefined
      ? {}
      : { recoveryConversationId: reply.recoveryConversationId }),
    ...(reply.account ? { account: true } : {}),
  };
  const message = {
    id: input.assistantMessageId,
    tenantId: input.tenantId,
    conversationId: input.conversationId,
    role: 'assistant' as const,
    content: reply.text,
    queryType: input.queryType,
    ...(reply.confidence === undefined ? {} : { confidenceScore: reply.confidence }),
    metadata,
  };
  try {
    // One statement: the message, its retrievals, the metrics and `last_activity`.
    const stored = await saveAssistantReply(services.storage, {
      message,
      retrievals: reply.retrievals,
      metrics: reply.metrics,
    });
    publishConsoleEvent(services.storage, messageCreatedEvent(stored));
    return true;
  } catch (error) {
    // A chunk re-ingested while answering takes its retrievals with it: keep the message.
    services.logger.warn('Could not store a reply with its retrievals; storing the text alone.', {
      error,
      tenantId: input.tenantId,
      conversationId: input.conversationId,
    });
    try {
      const stored = await services.storage.messages.create({
        ...message,
        metadata: { ...metadata, retrievalsLost: true },
      });
      publishConsoleEvent(services.storage, messageCreatedEvent(stored));
      await recordMetrics(services.storage, reply.metrics).catch((error: unknown) => {
        services.logger.warn('Could not record the turn metrics.', {
          error,
          tenantId: input.tenantId,
        });
      });
      return true;
    } catch (secondError) {
      services.logger.error('Could not store a reply.', {
        error: secondError,
        tenantId: input.tenantId,
        conversationId: input.conversationId,
      });
      return false;
    }
  }
}
