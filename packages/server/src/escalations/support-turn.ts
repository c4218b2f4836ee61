import {
  type ConversationRecord,
  createPiiStreamUnmasker,
  createPiiVault,
  type LanguageModelV1Message,
  maskPii,
  type StorageV1,
} from '@churn/core';
import { type TurnVariant, variantForTurn } from '../ab-tests/ab-test-variant.js';
import { abTestOf, userTypeOf } from '../analytics/record-deflections.js';
import { type MetricEntry, recordMetrics } from '../analytics/record-metric.js';
import type { ChurnLogger } from '../http/error-to-response.js';
import { detectEscalation, type EscalationTrigger } from './detect-escalation.js';
import {
  alreadyEscalatedText,
  escalateConversation,
  handoverText,
} from './escalate-conversation.js';
import type { EscalationNotifier } from './escalation-notifier.js';

/** What a support turn needs from the chat turn's services. */
export interface SupportTurnServices {
  storage: StorageV1;
  logger: ChurnLogger;
  notifier?: EscalationNotifier | undefined;
}

/** The turn as the chat knows it before answering. */
export interface SupportTurnInput {
  conversation: ConversationRecord;
  /** The customer's question, as written. */
  question: string;
  /** The history given to the model, as stored. */
  history: LanguageModelV1Message[];
  /** The conversation's earlier user messages, oldest first. */
  previousQuestions: readonly string[];
  /** The verified customer's id, else the anonymous visitor's id. */
  userId: string | undefined;
  queryType: string;
}

/** How a reply ended, for the turn's metrics. */
export interface SupportTurnReply {
  state: 'complete' | 'stopped' | 'failed';
  confidence?: number | undefined;
  retrievals: number;
}

/** The `data-escalation` part's data. */
export interface EscalationPartData {
  reason: string;
  confidence?: number;
  escalationId?: string;
}

/**
 * The support operations of one chat turn: PII masking, the A/B variant, escalation
 * rules and analytics. `run-chat-turn.ts` calls it at four points: before the model
 * (masked question and history, the variant's settings), on each text delta (unmask),
 * after the answer (escalate) and after the reply is stored (metrics).
 */
export interface SupportTurn {
  /** The question as retrieval and the model see it: PII replaced by placeholders. */
  readonly question: string;
  /** The history as the model sees it: masked, with the variant's instructions first. */
  readonly history: LanguageModelV1Message[];
  /** The variant's retrieval settings. */
  readonly searchOptions: { topK?: number };
  /** The variant's answer settings. */
  readonly answerOptions: { threshold?: number };
  /** The customer asked for a person: answer with the handover, call no model. */
  readonly skipModel: boolean;
  /** The variant, if the user is in a running test. */
  readonly variant: TurnVariant | undefined;
  /** Unmasks a streamed text delta; holds back a placeholder split across deltas. */
  unmask(delta: string): string;
  /** Releases what {@link SupportTurn.unmask} holds back; call when the stream ends. */
  flush(): string;
  /**
   * After a complete answer: escalates when a rule fired before the answer or the answer
   * suggested a person (low confidence). Answers the text to append to the reply and the
   * `data-escalation` part, or `undefined` when nothing is to be said.
   */
  escalate(answer: {
    escalate: boolean;
    confidence?: number | undefined;
  }): Promise<{ text: string; data?: EscalationPartData } | undefined>;
  /**
   * The turn's `response_time`, `confidence` and `retrieval_count` metrics (none unless
   * the reply is complete), for the chat turn to store with its reply in one statement.
   */
  metrics(reply: SupportTurnReply): MetricEntry[];
  /** Records {@link SupportTurn.metrics} on their own (when the reply was not stored). */
  record(reply: SupportTurnReply): Promise<void>;
}

/**
 * Starts the support operations of a turn (see {@link SupportTurn}). Never throws for an
 * A/B or metric failure: those are logged and the turn goes on without them.
 */
export async function startSupportTurn(
  services: SupportTurnServices,
  input: SupportTurnInput,
): Promise<SupportTurn> {
  const startedAt = performance.now();
  const { storage, logger, notifier } = services;
  const { conversation } = input;
  const tenantId = conversation.tenantId;

  let variant: TurnVariant | undefined;
  if (input.userId !== undefined) {
    try {
      variant = await variantForTurn(storage, { tenantId, userId: input.userId, conversation });
    } catch (error) {
      logger.warn('Could not assign the A/B test variant; answering with the defaults.', {
        error,
        tenantId,
      });
    }
  }

  const vault = createPiiVault();
  const history = input.history.map(
    (message): LanguageModelV1Message => ({
      ...message,
      content: maskPii(message.content, { vault }).masked,
    }),
  );
  const question = maskPii(input.question, { vault }).masked;
  const instructions = variant?.settings.instructions;
  const unmasker = createPiiStreamUnmasker(vault);
  const trigger: EscalationTrigger | undefined = detectEscalation({
    question: input.question,
    previousQuestions: input.previousQuestions,
  });
  const dimensions = {
    category: input.queryType,
    purpose: conversation.purpose,
    user_type: userTypeOf(conversation),
    ...abTestOf(conversation),
    ...variant?.dimensions,
  };

  const metricsOf = (reply: SupportTurnReply): MetricEntry[] => {
    if (reply.state !== 'complete') return [];
    const entry = (name: string, value: number): MetricEntry => ({
      tenantId,
      name,
      value,
      dimensions,
    });
    return [
      entry('response_time', Math.round(performance.now() - startedAt)),
      entry('retrieval_count', reply.retrievals),
      ...(reply.confidence === undefined ? [] : [entry('confidence', reply.confidence)]),
    ];
  };

  return {
    question,
    history: instructions ? [{ role: 'system', content: instructions }, ...history] : history,
    searchOptions: variant?.settings.topK === undefined ? {} : { topK: variant.settings.topK },
    answerOptions:
      variant?.settings.threshold === undefined ? {} : { threshold: variant.settings.threshold },
    skipModel: trigger?.reason === 'customer_request',
    variant,
    unmask: (delta) => unmasker.push(delta),
    flush: () => unmasker.flush(),
    async escalate(answer) {
      const reason = trigger?.reason ?? (answer.escalate ? 'low_confidence' : undefined);
      if (reason === undefined) return undefined;
      const confidence = answer.confidence === undefined ? {} : { confidence: answer.confidence };
      try {
        const result = await escalateConversation({
          storage,
          conversation,
          reason,
          logger,
          notifier,
          dimensions: { category: input.queryType, ...variant?.dimensions },
        });
        if (!result.created) {
          // Already with a person: file nothing new, keep the low-confidence hint.
          if (trigger?.reason === 'customer_request') return { text: alreadyEscalatedText };
          return answer.escalate
            ? { text: '', data: { reason: 'low_confidence', ...confidence } }
            : undefined;
        }
        return {
          text: handoverText,
          data: { reason, ...confidence, escalationId: result.escalation.id },
        };
      } catch (error) {
        logger.error('Could not escalate the conversation.', { error, tenantId, reason });
        return answer.escalate
          ? { text: '', data: { reason: 'low_confidence', ...confidence } }
          : undefined;
      }
    },
    metrics: metricsOf,
    async record(reply) {
      try {
        await recordMetrics(storage, metricsOf(reply));
      } catch (error) {
        logger.warn('Could not record the turn metrics.', { error, tenantId });
      }
    },
  };
}
