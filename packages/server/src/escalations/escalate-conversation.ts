import {
  type ConversationRecord,
  type EscalationRecord,
  type MessageRecord,
  type StorageV1,
  transitionConversationStatus,
} from '@churn/core';
import { publishConsoleEvent } from '../admin-conversations/console-events.js';
import { abTestOf, userTypeOf } from '../analytics/record-deflections.js';
import { recordMetric } from '../analytics/record-metric.js';
import type { ChurnLogger } from '../http/error-to-response.js';
import type { EscalationNotifier } from './escalation-notifier.js';

/** What the customer is told when a person takes over. */
export const handoverText =
  'I have asked a person from our team to take over. They will reply here in this chat as soon as they can, and you can keep writing in the meantime.';

/** What the customer is told when they ask for a person who already has the conversation. */
export const alreadyEscalatedText =
  'A person from our team already has this conversation and will reply here as soon as they can.';

/** Settings of {@link escalateConversation}. */
export interface EscalateConversationOptions {
  storage: StorageV1;
  conversation: ConversationRecord;
  /** A slug: `low_confidence`, `customer_request`, `user_frustration`, ... */
  reason: string;
  logger: ChurnLogger;
  /** Told after the escalation is stored (the handler state's `onEscalation`). */
  notifier?: EscalationNotifier | undefined;
  /**
   * Store {@link handoverText} as an assistant message. The chat turn streams the same
   * sentence inside its reply instead, so it passes false.
   */
  announce?: boolean;
  /** Extra analytics dimensions (`category`, the A/B `variant`). */
  dimensions?: Record<string, string | number | boolean | undefined>;
}

/** What {@link escalateConversation} did. */
export interface EscalateConversationResult {
  escalation: EscalationRecord;
  conversation: ConversationRecord;
  /** False when the conversation was already with a person: nothing new was filed. */
  created: boolean;
  /** The handover message, when one was stored. */
  message?: MessageRecord;
}

/**
 * Hands a conversation to a person: records an Escalation (`pending`), moves the
 * conversation to `escalated` through the conversation state machine (a closed one is
 * reopened first), optionally stores the handover message, records an `escalation`
 * metric and calls the notifier. The stored changes are one transaction; the metric and
 * the notification come after it, and their failures are logged, never thrown.
 *
 * A conversation that is already `escalated` gets no second escalation (the machine's
 * no-op): its latest escalation is answered with `created: false`.
 */
export async function escalateConversation(
  options: EscalateConversationOptions,
): Promise<EscalateConversationResult> {
  const { storage, logger } = options;
  const tenantId = options.conversation.tenantId;
  const current =
    (await storage.conversations.get({ tenantId, id: options.conversation.id })) ??
    options.conversation;
  if (current.status === 'escalated') {
    const [latest] = await storage.escalations.list({
      tenantId,
      conversationId: current.id,
      limit: 1,
    });
    if (latest) return { escalation: latest, conversation: current, created: false };
  }
  const status = transitionConversationStatus(
    current.status === 'closed' ? transitionConversationStatus('closed', 'reopen') : current.status,
    'escalate',
  );
  const stored = await storage.transaction(async (repositories) => {
    const escalation = await repositories.escalations.create({
      tenantId,
      conversationId: current.id,
      reason: options.reason,
    });
    const conversation =
      current.status === status
        ? current
        : await repositories.conversations.update({
            tenantId,
            id: current.id,
            changes: { status, ...(current.endedAt ? { endedAt: null } : {}) },
          });
    const message = options.announce
      ? await repositories.messages.create({
          tenantId,
          conversationId: current.id,
          role: 'assistant',
          content: handoverText,
          metadata: { handover: true, escalationId: escalation.id, reason: options.reason },
        })
      : undefined;
    return { escalation, conversation, message };
  });
  publishConsoleEvent(storage, {
    type: 'escalation.created',
    tenantId,
    data: {
      conversationId: current.id,
      escalationId: stored.escalation.id,
      reason: options.reason,
      status: stored.escalation.status,
    },
  });
  publishConsoleEvent(storage, {
    type: 'conversation.updated',
    tenantId,
    data: { conversationId: current.id, status: stored.conversation.status },
  });
  try {
    await recordMetric(storage, {
      tenantId,
      name: 'escalation',
      value: 1,
      dimensions: {
        reason: options.reason,
        purpose: current.purpose,
        user_type: userTypeOf(current),
        ...abTestOf(current),
        ...options.dimensions,
      },
    });
  } catch (error) {
    logger.warn('Could not record the escalation metric.', { error, tenantId });
  }
  if (options.notifier) {
    try {
      await options.notifier.notify(stored.escalation, stored.conversation);
    } catch (error) {
      logger.error('The escalation notifier failed; the escalation is stored.', {
        error,
        tenantId,
        escalationId: stored.escalation.id,
      });
    }
  }
  return {
    escalation: stored.escalation,
    conversation: stored.conversation,
    created: true,
    ...(stored.message ? { message: stored.message } : {}),
  };
}
