import {
  ChurnError,
  type ConversationRecord,
  type FeedbackRecord,
  type MessageRecord,
  RatingSchema,
  type StorageV1,
} from '@churn/core';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { kyselyOf } from '../analytics/kysely-of.js';
import { abTestOf, userTypeOf } from '../analytics/record-deflections.js';
import { recordMetric } from '../analytics/record-metric.js';
import { thumbsDownBeforeEscalation } from '../escalations/detect-escalation.js';
import { escalateConversation } from '../escalations/escalate-conversation.js';
import type { EscalationNotifier } from '../escalations/escalation-notifier.js';
import type { ChurnLogger } from '../http/error-to-response.js';
import type { FeedbackTable } from '../storage/database.js';

/** The body of `POST /api/messages/:id/feedback` (what the widget sends). */
export const FeedbackBodySchema = z.strictObject({
  type: z.enum(['thumbs_up', 'thumbs_down'], { error: 'must be thumbs_up or thumbs_down' }),
  rating: RatingSchema.optional(),
  comment: z
    .string({ error: 'must be text' })
    .trim()
    .min(1, { error: 'must not be empty: leave it out instead' })
    .max(2000, { error: 'must be at most 2000 characters' })
    .optional(),
});

/** Feedback on one answer, as the widget sends it. */
export type FeedbackBody = z.output<typeof FeedbackBodySchema>;

/** What {@link submitFeedback} needs. */
export interface SubmitFeedbackOptions {
  storage: StorageV1;
  logger: ChurnLogger;
  notifier?: EscalationNotifier | undefined;
  /** The assistant message rated (already checked to be the caller's). */
  message: MessageRecord;
  conversation: ConversationRecord;
  /** Who rates: the verified customer's id, or the anonymous visitor's id. */
  userId: string;
  feedback: FeedbackBody;
}

function toFeedback(row: Selectable<FeedbackTable>): FeedbackRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    messageId: row.message_id,
    userId: row.user_id,
    feedbackType: row.feedback_type as FeedbackRecord['feedbackType'],
    ...(row.rating === null ? {} : { rating: row.rating }),
    ...(row.comment === null ? {} : { comment: row.comment }),
    timestamp: row.timestamp,
  };
}

/**
 * Stores a user's feedback on an assistant message: one per user and message, and a
 * second call changes it (an upsert: type, rating and comment replaced, timestamp moved).
 * Records `feedback` (1 thumbs up, 0 thumbs down) and `rating` metrics, replaced on a
 * change. The {@link thumbsDownBeforeEscalation}th thumbs down in a conversation (or a
 * thumbs down rated 1) hands the conversation to a person (`negative_feedback`).
 *
 * The upsert needs the server's own storage (PostgreSQL or PGlite); with another
 * `StorageV1`, the first feedback stands and a change is a `conflict`.
 */
export async function submitFeedback(options: SubmitFeedbackOptions): Promise<{
  feedback: FeedbackRecord;
  escalated: boolean;
}> {
  const { storage, message, conversation, feedback } = options;
  const tenantId = message.tenantId;
  const db = kyselyOf(storage);
  let record: FeedbackRecord;
  if (db) {
    const values = {
      feedback_type: feedback.type,
      rating: feedback.rating ?? null,
      comment: feedback.comment ?? null,
      timestamp: new Date(),
    };
    const row = await db
      .insertInto('feedback')
      .values({
        id: crypto.randomUUID(),
        tenant_id: tenantId,
        message_id: message.id,
        user_id: options.userId,
        ...values,
      })
      .onConflict((conflict) =>
        conflict.constraint('feedback_message_user_key').doUpdateSet(values),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    record = toFeedback(row);
  } else {
    try {
      record = await storage.feedback.create({
        tenantId,
        messageId: message.id,
        userId: options.userId,
        feedbackType: feedback.type,
        ...(feedback.rating === undefined ? {} : { rating: feedback.rating }),
        ...(feedback.comment === undefined ? {} : { comment: feedback.comment }),
      });
    } catch (error) {
      if (ChurnError.isInstance(error) && error.code === 'conflict') {
        throw new ChurnError(
          'conflict',
          'This answer already has your feedback, and this storage cannot change it: use the server storage (PostgreSQL or PGlite).',
          { cause: error },
        );
      }
      throw error;
    }
  }

  const dimensions = {
    category: message.queryType,
    purpose: conversation.purpose,
    user_type: userTypeOf(conversation),
    ...abTestOf(conversation),
  };
  try {
    await recordMetric(storage, {
      id: `feedback-${record.id}`,
      replace: true,
      tenantId,
      name: 'feedback',
      value: feedback.type === 'thumbs_up' ? 1 : 0,
      dimensions,
    });
    if (feedback.rating !== undefined) {
      await recordMetric(storage, {
        id: `rating-${record.id}`,
        replace: true,
        tenantId,
        name: 'rating',
        value: feedback.rating,
        dimensions,
      });
    }
  } catch (error) {
    options.logger.warn('Could not record the feedback metrics.', { error, tenantId });
  }

  let escalated = false;
  if (feedback.type === 'thumbs_down' && conversation.status !== 'escalated') {
    const downVotes = await countThumbsDown(storage, conversation);
    if (downVotes >= thumbsDownBeforeEscalation || feedback.rating === 1) {
      const result = await escalateConversation({
        storage,
        conversation,
        reason: 'negative_feedback',
        logger: options.logger,
        notifier: options.notifier,
        announce: true,
      });
      escalated = result.created;
    }
  }
  return { feedback: record, escalated };
}

async function countThumbsDown(
  storage: StorageV1,
  conversation: ConversationRecord,
): Promise<number> {
  const db = kyselyOf(storage);
  if (db) {
    const row = await db
      .selectFrom('feedback')
      .innerJoin('messages', (join) =>
        join
          .onRef('messages.id', '=', 'feedback.message_id')
          .onRef('messages.tenant_id', '=', 'feedback.tenant_id'),
      )
      .select((expression) => expression.fn.countAll<string | number>().as('count'))
      .where('feedback.tenant_id', '=', conversation.tenantId)
      .where('messages.conversation_id', '=', conversation.id)
      .where('feedback.feedback_type', '=', 'thumbs_down')
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }
  const messages = await storage.messages.list({
    tenantId: conversation.tenantId,
    conversationId: conversation.id,
    limit: 1000,
  });
  let count = 0;
  for (const message of messages) {
    if (message.role !== 'assistant') continue;
    const votes = await storage.feedback.list({
      tenantId: conversation.tenantId,
      messageId: message.id,
      limit: 100,
    });
    count += votes.filter((vote) => vote.feedbackType === 'thumbs_down').length;
  }
  return count;
}
