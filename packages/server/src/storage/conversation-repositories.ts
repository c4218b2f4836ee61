import type {
  ConversationFilter,
  ConversationRecord,
  ConversationRepository,
  MessageListOptions,
  MessageRecord,
  MessageRepository,
  NewMessage,
  RecoveryDetailsRecord,
  RetrievalRecord,
  RetrievalRepository,
} from '@churn/core';
import { ValidationError } from '@churn/core';
import {
  type ExpressionBuilder,
  type Insertable,
  type Kysely,
  type QueryCreator,
  type Selectable,
  sql,
} from 'kysely';
import type { ConversationsTable, Database, MessagesTable, RetrievalsTable } from './database.js';
import { compact, fromJson, guarded, newId, optional, toJson } from './storage-helpers.js';
import { tenantRows } from './tenant-rows.js';

function toConversation(row: Selectable<ConversationsTable>): ConversationRecord {
  const recovery: RecoveryDetailsRecord | undefined =
    row.purpose === 'recovery' && row.recovery_status !== null
      ? compact({
          status: row.recovery_status as RecoveryDetailsRecord['status'],
          outcome: optional(row.recovery_outcome) as RecoveryDetailsRecord['outcome'],
          adminUserId: optional(row.admin_user_id),
          paymentAttempted: row.payment_attempted ?? false,
          resolutionTime: optional(row.resolution_time),
        })
      : undefined;
  return compact({
    id: row.id,
    tenantId: row.tenant_id,
    purpose: row.purpose as ConversationRecord['purpose'],
    sessionId: row.session_id,
    userId: row.user_id,
    customerId: row.customer_id,
    startedAt: row.started_at,
    lastActivity: row.last_activity,
    endedAt: optional(row.ended_at),
    status: row.status as ConversationRecord['status'],
    recovery,
    metadata: fromJson(row.metadata),
  });
}

/** Conversations over Kysely. */
/**
 * The `ownedBy` filter: started under the person's verified id, or linked to one of their
 * Customer records (indexes `idx_conversations_tenant_user_last_activity` and
 * `idx_conversations_customer`).
 */
function ownedBy(owner: NonNullable<ConversationFilter['ownedBy']>) {
  const customerIds = [...(owner.customerIds ?? [])];
  return (where: ExpressionBuilder<Database, 'conversations'>) =>
    customerIds.length === 0
      ? where('user_id', '=', owner.userId)
      : where.or([where('user_id', '=', owner.userId), where('customer_id', 'in', customerIds)]);
}

export function createConversationRepository(db: Kysely<Database>): ConversationRepository {
  const rows = tenantRows(db, 'conversations', toConversation);
  return guarded<ConversationRepository>({
    async create(conversation) {
      if (conversation.purpose === 'recovery' && conversation.recovery === undefined) {
        throw new ValidationError('Conversation', [
          {
            path: ['recovery'],
            message:
              'is required when purpose is recovery: status, adminUserId and paymentAttempted',
          },
        ]);
      }
      const startedAt = conversation.startedAt ?? new Date();
      const recovery = conversation.recovery;
      return rows.insert({
        id: conversation.id ?? newId(),
        tenant_id: conversation.tenantId,
        purpose: conversation.purpose,
        session_id: conversation.sessionId,
        user_id: conversation.userId ?? null,
        customer_id: conversation.customerId ?? null,
        status: conversation.status ?? 'active',
        started_at: startedAt,
        last_activity: conversation.lastActivity ?? startedAt,
        recovery_status: recovery ? (recovery.status ?? 'initiated') : null,
        admin_user_id: recovery?.adminUserId ?? null,
        payment_attempted: recovery ? (recovery.paymentAttempted ?? false) : null,
        metadata: conversation.metadata === undefined ? undefined : toJson(conversation.metadata),
      });
    },
    get: rows.get,
    async findLatestBySessionId({ tenantId, sessionId }) {
      const row = await db
        .selectFrom('conversations')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('session_id', '=', sessionId)
        .orderBy('last_activity', 'desc')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      return row ? toConversation(row) : undefined;
    },
    async list(filter) {
      return rows.list(filter, (query) => {
        let filtered = query;
        if (filter.purpose) filtered = filtered.where('purpose', '=', filter.purpose);
        if (filter.status) filtered = filtered.where('status', '=', filter.status);
        if (filter.recoveryStatus) {
          filtered = filtered.where('recovery_status', '=', filter.recoveryStatus);
        }
        if (filter.customerId) filtered = filtered.where('customer_id', '=', filter.customerId);
        if (filter.ownedBy) filtered = filtered.where(ownedBy(filter.ownedBy));
        if (filter.lastActivityBefore) {
          filtered = filtered.where('last_activity', '<', filter.lastActivityBefore);
        }
        return filtered.orderBy('last_activity', 'desc').orderBy('id');
      });
    },
    async update({ tenantId, id, changes }) {
      const recovery = changes.recovery;
      return rows.update(
        { tenantId, id },
        compact({
          status: changes.status,
          user_id: changes.userId,
          last_activity: changes.lastActivity,
          ended_at: changes.endedAt,
          recovery_status: recovery?.status,
          recovery_outcome: recovery?.outcome,
          payment_attempted: recovery?.paymentAttempted,
          metadata: changes.metadata === undefined ? undefined : toJson(changes.metadata),
        }),
        'conversation',
      );
    },
    delete: rows.remove,
  });
}

export function toMessage(row: Selectable<MessagesTable>): MessageRecord {
  return compact({
    id: row.id,
    tenantId: row.tenant_id,
    conversationId: row.conversation_id,
    role: row.role as MessageRecord['role'],
    content: row.content,
    timestamp: row.timestamp,
    confidenceScore: optional(row.confidence_score),
    queryType: optional(row.query_type),
    messageType: optional(row.message_type) as MessageRecord['messageType'],
    metadata: fromJson(row.metadata),
  });
}

/** The `messages` row of a new message. */
export function messageValues(message: NewMessage, timestamp: Date): Insertable<MessagesTable> {
  return {
    id: message.id ?? newId(),
    tenant_id: message.tenantId,
    conversation_id: message.conversationId,
    role: message.role,
    content: message.content,
    timestamp,
    confidence_score: message.confidenceScore ?? null,
    query_type: message.queryType ?? null,
    message_type: message.messageType ?? null,
    metadata: message.metadata === undefined ? undefined : toJson(message.metadata),
  };
}

/**
 * The update that moves a conversation's `last_activity` to a new message's time (never
 * back), for a `with` clause beside the message's insert.
 */
export function touchConversation<Tables extends Database>(
  db: QueryCreator<Tables>,
  message: { tenantId: string; conversationId: string },
  timestamp: Date,
) {
  return (db as unknown as QueryCreator<Database>)
    .updateTable('conversations')
    .set({ last_activity: sql<Date>`greatest(last_activity, ${timestamp})` })
    .where('tenant_id', '=', message.tenantId)
    .where('id', '=', message.conversationId)
    .returning('id');
}

/**
 * `before`: messages older than the cursor message, in the order pages are read (timestamp,
 * then id). A cursor that is not a message of the conversation compares with no row: nothing.
 */
function olderThan(options: MessageListOptions & { before: string }) {
  return sql<boolean>`(messages.timestamp, messages.id) < (
    select cursor.timestamp, cursor.id from messages as cursor
    where cursor.tenant_id = ${options.tenantId}
      and cursor.conversation_id = ${options.conversationId}
      and cursor.id = ${options.before})`;
}

/** Messages over Kysely. */
export function createMessageRepository(db: Kysely<Database>): MessageRepository {
  const rows = tenantRows(db, 'messages', toMessage);
  return guarded<MessageRepository>({
    async create(message) {
      const timestamp = message.timestamp ?? new Date();
      // One statement: the insert and the conversation's `last_activity` move together
      // (no transaction round trips), and a failed insert moves nothing.
      const row = await db
        .with('inserted', (query) =>
          query.insertInto('messages').values(messageValues(message, timestamp)).returningAll(),
        )
        .with('touched', (query) => touchConversation(query, message, timestamp))
        .selectFrom('inserted')
        .selectAll()
        .executeTakeFirstOrThrow();
      return toMessage(row as Selectable<MessagesTable>);
    },
    get: rows.get,
    async list(options) {
      const direction = options.newest === true ? 'desc' : 'asc';
      const page = await rows.list(options, (query) => {
        let filtered = query.where('conversation_id', '=', options.conversationId);
        const before = options.before;
        if (before !== undefined) filtered = filtered.where(olderThan({ ...options, before }));
        return filtered.orderBy('timestamp', direction).orderBy('id', direction);
      });
      return options.newest === true ? page.reverse() : page;
    },
    async update({ tenantId, id, changes }) {
      return rows.update(
        { tenantId, id },
        compact({
          content: changes.content,
          confidence_score: changes.confidenceScore,
          query_type: changes.queryType,
          message_type: changes.messageType,
          metadata: changes.metadata === undefined ? undefined : toJson(changes.metadata),
        }),
        'message',
      );
    },
    delete: rows.remove,
  });
}

function toRetrieval(row: Selectable<RetrievalsTable>): RetrievalRecord {
  return compact({
    id: row.id,
    tenantId: row.tenant_id,
    messageId: row.message_id,
    chunkId: row.chunk_id,
    similarityScore: row.similarity_score,
    rerankScore: optional(row.rerank_score),
    rankPosition: row.rank_position,
  });
}

/** Retrievals over Kysely. */
export function createRetrievalRepository(db: Kysely<Database>): RetrievalRepository {
  const rows = tenantRows(db, 'retrievals', toRetrieval);
  return guarded<RetrievalRepository>({
    async createMany({ tenantId, messageId, retrievals }) {
      if (retrievals.length === 0) return [];
      const rows = await db
        .insertInto('retrievals')
        .values(
          retrievals.map((retrieval) => ({
            id: retrieval.id ?? newId(),
            tenant_id: tenantId,
            message_id: messageId,
            chunk_id: retrieval.chunkId,
            similarity_score: retrieval.similarityScore,
            rerank_score: retrieval.rerankScore ?? null,
            rank_position: retrieval.rankPosition,
          })),
        )
        .returningAll()
        .execute();
      return rows.map(toRetrieval).sort((left, right) => left.rankPosition - right.rankPosition);
    },
    async listByMessage({ tenantId, messageId }) {
      const rows = await db
        .selectFrom('retrievals')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('message_id', '=', messageId)
        .orderBy('rank_position')
        .execute();
      return rows.map(toRetrieval);
    },
    async listByChunk(options) {
      return rows.list(options, (query) =>
        query.where('chunk_id', '=', options.chunkId).orderBy('id'),
      );
    },
  });
}
