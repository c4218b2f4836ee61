import { conversationStatuses, type MessageRecord } from '@churn/core';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { decodeCursor, encodeCursor } from '../customers/keyset-cursor.js';
import { cursorParameter, limitParameter } from '../http/page-query.js';
import type { Database } from '../storage/database.js';

/** Query of `GET /api/admin/conversations`. */
export const AdminConversationListQuerySchema = z.object({
  status: z
    .enum(conversationStatuses, { error: `must be one of: ${conversationStatuses.join(', ')}` })
    .optional(),
  kind: z.enum(['support', 'recovery'], { error: 'must be support or recovery' }).optional(),
  limit: limitParameter(100, 50),
  cursor: cursorParameter,
});

/** One row of the console's conversation list. */
export interface AdminConversationRow {
  id: string;
  kind: 'support' | 'recovery';
  status: string;
  customer: { id: string; name: string } | null;
  visitorId: string | null;
  lastMessage: { role: string; text: string; at: string } | null;
  operator: { id: string; name: string } | null;
  startedAt: string;
  lastActivityAt: string;
}

/** The message role the console shows: `operator` for a message an operator wrote. */
export function consoleRoleOf(role: string, metadata: unknown): string {
  const operator = (metadata as { operator?: unknown } | null)?.operator;
  return role === 'assistant' && typeof operator === 'object' && operator !== null
    ? 'operator'
    : role;
}

function operatorIn(metadata: unknown): { id: string; name: string } | null {
  const operator = (metadata as { operator?: Record<string, unknown> } | null)?.operator;
  return operator && typeof operator.id === 'string' && typeof operator.name === 'string'
    ? { id: operator.id, name: operator.name }
    : null;
}

/**
 * A page of a tenant's conversations, most recently active first, keyset-paged on
 * `(last_activity, id)` (index `idx_conversations_tenant_last_activity`).
 */
export async function listAdminConversations(
  db: Kysely<Database>,
  tenantId: string,
  query: z.output<typeof AdminConversationListQuerySchema>,
): Promise<{ conversations: AdminConversationRow[]; nextCursor: string | null }> {
  let select = db
    .selectFrom('conversations')
    .leftJoin('customers', (join) =>
      join
        .onRef('customers.tenant_id', '=', 'conversations.tenant_id')
        .onRef('customers.id', '=', 'conversations.customer_id'),
    )
    .select([
      'conversations.id',
      'conversations.purpose',
      'conversations.status',
      'conversations.customer_id',
      'conversations.user_id',
      'conversations.metadata',
      'conversations.started_at',
      'conversations.last_activity',
      'customers.name as customer_name',
    ])
    .select(sql<string>`cast(conversations.last_activity as text)`.as('sort_value'))
    .where('conversations.tenant_id', '=', tenantId);
  if (query.status) select = select.where('conversations.status', '=', query.status);
  if (query.kind) select = select.where('conversations.purpose', '=', query.kind);
  if (query.cursor) {
    const position = decodeCursor(query.cursor, 'lastActivity:desc');
    select = select.where(
      sql<boolean>`(conversations.last_activity, conversations.id) < (cast(${String(position.value)} as timestamptz), ${position.id})`,
    );
  }
  const rows = await select
    .orderBy('conversations.last_activity', 'desc')
    .orderBy('conversations.id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  const ids = page.map((row) => row.id);
  const lastMessages =
    ids.length === 0
      ? []
      : await db
          .selectFrom('messages')
          .distinctOn('conversation_id')
          .select(['conversation_id', 'role', 'content', 'timestamp', 'metadata'])
          .where('tenant_id', '=', tenantId)
          .where('conversation_id', 'in', ids)
          .orderBy('conversation_id')
          .orderBy('timestamp', 'desc')
          .orderBy('id', 'desc')
          .execute();
  const lastOf = new Map(lastMessages.map((message) => [message.conversation_id, message]));
  const last = page.at(-1);
  return {
    conversations: page.map((row) => {
      const message = lastOf.get(row.id);
      const visitorId = (row.metadata as { visitorId?: unknown }).visitorId;
      return {
        id: row.id,
        kind: row.purpose as 'support' | 'recovery',
        status: row.status,
        customer:
          row.customer_id && row.customer_name
            ? { id: row.customer_id, name: row.customer_name }
            : null,
        visitorId: typeof visitorId === 'string' ? visitorId : null,
        lastMessage: message
          ? {
              role: consoleRoleOf(message.role, message.metadata),
              text: message.content,
              at: message.timestamp.toISOString(),
            }
          : null,
        operator: operatorIn(row.metadata),
        startedAt: row.started_at.toISOString(),
        lastActivityAt: row.last_activity.toISOString(),
      };
    }),
    nextCursor:
      rows.length > query.limit && last
        ? encodeCursor({ sort: 'lastActivity:desc', value: last.sort_value, id: last.id })
        : null,
  };
}

/** A stored message as the console's transcript shows it. */
export function toTranscriptMessage(message: MessageRecord) {
  const metadata = message.metadata;
  const citations = Array.isArray(metadata.citations) ? metadata.citations : undefined;
  const author = operatorIn(metadata);
  return {
    id: message.id,
    role: consoleRoleOf(message.role, metadata),
    text: message.content,
    ...(citations && citations.length > 0 ? { citations } : {}),
    ...(message.confidenceScore === undefined ? {} : { confidence: message.confidenceScore }),
    createdAt: message.timestamp.toISOString(),
    ...(author ? { author } : {}),
  };
}
