import type { MessageRecord, NewMessage, NewRetrieval, StorageV1 } from '@churn/core';
import { kyselyOf } from '../analytics/kysely-of.js';
import { type MetricEntry, metricRows, recordMetrics } from '../analytics/record-metric.js';
import {
  messageValues,
  toMessage,
  touchConversation,
} from '../storage/conversation-repositories.js';
import { mapStorageError } from '../storage/map-storage-error.js';
import { newId } from '../storage/storage-helpers.js';

/**
 * The writes of a chat turn, each in **one** SQL statement on the server's own storage
 * (data-modifying `with` clauses: atomic, and one round trip instead of a transaction's
 * four or more), with the storage contract's calls as the fallback for another `StorageV1`.
 *
 * A turn runs four statements: the API key is cached (identity), the conversation is read
 * (ownership), the quota is counted, then {@link appendUserMessage} before the model and
 * {@link saveAssistantReply} after it.
 */

/**
 * At most this many earlier messages, the newest, are read per turn (history and escalation
 * rules).
 */
export const earlierMessagesLimit = 1000;

/**
 * Stores the customer's message, moves the conversation's `last_activity`, and reads the
 * conversation's newest earlier messages (up to {@link earlierMessagesLimit}, oldest first,
 * without the new one), in one statement.
 * The message is stored when this returns, before any model runs.
 */
export async function appendUserMessage(
  storage: StorageV1,
  message: NewMessage,
): Promise<{ message: MessageRecord; earlier: MessageRecord[] }> {
  const db = kyselyOf(storage);
  if (!db) {
    const earlier = await storage.messages.list({
      tenantId: message.tenantId,
      conversationId: message.conversationId,
      newest: true,
      limit: earlierMessagesLimit,
    });
    return { message: await storage.messages.create(message), earlier };
  }
  const timestamp = message.timestamp ?? new Date();
  const values = { ...messageValues(message, timestamp), id: message.id ?? newId() };
  try {
    // The main query reads the table as it was before the statement: the `with` clauses'
    // own changes are not visible to it, so the new message is not among `earlier`.
    const rows = await db
      .with('inserted', (query) => query.insertInto('messages').values(values).returning('id'))
      .with('touched', (query) => touchConversation(query, message, timestamp))
      .selectFrom('messages')
      .selectAll('messages')
      .where('tenant_id', '=', message.tenantId)
      .where('conversation_id', '=', message.conversationId)
      .orderBy('timestamp', 'desc')
      .orderBy('id', 'desc')
      .limit(earlierMessagesLimit)
      .execute();
    // The newest earlier messages, read newest first: oldest first again for the history.
    rows.reverse();
    const stored: MessageRecord = {
      id: values.id,
      tenantId: message.tenantId,
      conversationId: message.conversationId,
      role: message.role,
      content: message.content,
      timestamp,
      ...(message.queryType === undefined ? {} : { queryType: message.queryType }),
      ...(message.messageType === undefined ? {} : { messageType: message.messageType }),
      ...(message.confidenceScore === undefined
        ? {}
        : { confidenceScore: message.confidenceScore }),
      metadata: message.metadata ?? {},
    };
    return { message: stored, earlier: rows.map(toMessage) };
  } catch (error) {
    throw mapStorageError(error);
  }
}

/**
 * Stores an assistant reply with its Retrieval records and the turn's metrics, and moves
 * the conversation's `last_activity`, in one statement: all of it or nothing (a retrieval
 * whose chunk was re-ingested meanwhile fails the whole statement; the caller then stores
 * the text alone).
 */
export async function saveAssistantReply(
  storage: StorageV1,
  reply: {
    message: NewMessage & { id: string };
    retrievals: readonly NewRetrieval[];
    metrics: readonly MetricEntry[];
  },
): Promise<MessageRecord> {
  const { message } = reply;
  const db = kyselyOf(storage);
  if (!db) {
    const stored = await storage.transaction(async (transaction) => {
      const created = await transaction.messages.create(message);
      if (reply.retrievals.length > 0) {
        await transaction.retrievals.createMany({
          tenantId: message.tenantId,
          messageId: message.id,
          retrievals: [...reply.retrievals],
        });
      }
      return created;
    });
    await recordMetrics(storage, reply.metrics);
    return stored;
  }
  const timestamp = message.timestamp ?? new Date();
  const retrievalRows = reply.retrievals.map((retrieval) => ({
    id: retrieval.id ?? newId(),
    tenant_id: message.tenantId,
    message_id: message.id,
    chunk_id: retrieval.chunkId,
    similarity_score: retrieval.similarityScore,
    rerank_score: retrieval.rerankScore ?? null,
    rank_position: retrieval.rankPosition,
  }));
  const analyticsRows = metricRows(reply.metrics);
  try {
    const row = await db
      .with('inserted', (query) =>
        query.insertInto('messages').values(messageValues(message, timestamp)).returningAll(),
      )
      .with('touched', (query) => touchConversation(query, message, timestamp))
      .with('retrieved', (query) =>
        retrievalRows.length === 0
          ? query.selectNoFrom((select) => select.lit(0).as('id'))
          : query.insertInto('retrievals').values(retrievalRows).returning('id'),
      )
      .with('measured', (query) =>
        analyticsRows.length === 0
          ? query.selectNoFrom((select) => select.lit(0).as('id'))
          : query.insertInto('analytics').values(analyticsRows).returning('id'),
      )
      .selectFrom('inserted')
      .selectAll()
      .executeTakeFirstOrThrow();
    return toMessage(row);
  } catch (error) {
    throw mapStorageError(error);
  }
}
