import type {
  ConversationRecord,
  StorageJsonObject as JsonObject,
  MessageRecord,
  StorageV1,
} from '@churn/core';
import type { TenantAdminPrincipal } from '../identity/permissions.js';
import { publishConsoleEvent } from './console-events.js';

/** The person who has taken a conversation over, as kept in its `metadata.operator`. */
export interface ConversationOperator {
  /** The admin user's id, or `api` for a secret key. */
  id: string;
  name: string;
  /** ISO 8601. */
  since: string;
}

/** The operator who has the conversation, or `undefined` while the assistant answers it. */
export function operatorOf(conversation: ConversationRecord): ConversationOperator | undefined {
  const value = conversation.metadata.operator;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { id, name, since } = value as Record<string, unknown>;
  if (typeof id !== 'string' || typeof name !== 'string' || typeof since !== 'string') {
    return undefined;
  }
  return { id, name, since };
}

/** The author of an operator's message (kept in its `metadata.operator`), if it is one. */
export function messageOperatorOf(
  message: MessageRecord,
): { id: string; name: string } | undefined {
  const value = message.metadata.operator;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { id, name } = value as Record<string, unknown>;
  return typeof id === 'string' && typeof name === 'string' ? { id, name } : undefined;
}

/** Who the principal is as an operator: the admin user's name, or "Support team" for a secret key. */
export async function operatorFor(
  storage: StorageV1,
  principal: TenantAdminPrincipal,
): Promise<{ id: string; name: string }> {
  if (principal.kind === 'secret') return { id: 'api', name: 'Support team' };
  const user = await storage.adminUsers.get({
    tenantId: principal.tenantId,
    id: principal.adminUserId,
  });
  return { id: principal.adminUserId, name: user?.name ?? 'Support team' };
}

function withoutOperator(metadata: JsonObject): JsonObject {
  const { operator: _operator, ...rest } = metadata;
  return rest;
}

/**
 * Gives the conversation to an operator: the assistant stops answering it (the widget's
 * next turns wait for the operator instead of calling the model). Taking over a
 * conversation another operator has moves it to this one.
 */
export async function takeOverConversation(
  storage: StorageV1,
  conversation: ConversationRecord,
  operator: { id: string; name: string },
): Promise<ConversationRecord> {
  const record: ConversationOperator = { ...operator, since: new Date().toISOString() };
  const updated = await storage.conversations.update({
    tenantId: conversation.tenantId,
    id: conversation.id,
    changes: {
      metadata: { ...withoutOperator(conversation.metadata), operator: { ...record } },
      ...(conversation.status === 'closed' ? { status: 'active', endedAt: null } : {}),
    },
  });
  publishConsoleEvent(storage, {
    type: 'conversation.updated',
    tenantId: conversation.tenantId,
    data: { conversationId: conversation.id, status: updated.status, operator: { ...operator } },
  });
  return updated;
}

/** Gives the conversation back to the assistant. */
export async function handBackConversation(
  storage: StorageV1,
  conversation: ConversationRecord,
): Promise<ConversationRecord> {
  const updated = await storage.conversations.update({
    tenantId: conversation.tenantId,
    id: conversation.id,
    changes: { metadata: withoutOperator(conversation.metadata) },
  });
  publishConsoleEvent(storage, {
    type: 'conversation.updated',
    tenantId: conversation.tenantId,
    data: { conversationId: conversation.id, status: updated.status, operator: null },
  });
  return updated;
}

/**
 * Stores an operator's reply in the conversation (an assistant-side message labelled with
 * the operator in its metadata) and publishes it: a customer turn waiting on this instance
 * or another (Redis) streams it to the widget at once.
 */
export async function postOperatorMessage(
  storage: StorageV1,
  conversation: ConversationRecord,
  operator: { id: string; name: string },
  text: string,
): Promise<MessageRecord> {
  const message = await storage.messages.create({
    tenantId: conversation.tenantId,
    conversationId: conversation.id,
    role: 'assistant',
    content: text,
    metadata: { operator: { ...operator } },
  });
  publishConsoleEvent(storage, {
    type: 'message.created',
    tenantId: conversation.tenantId,
    data: {
      conversationId: conversation.id,
      messageId: message.id,
      role: 'operator',
      text: message.content,
      at: message.timestamp.toISOString(),
      author: { ...operator },
    },
  });
  return message;
}
