import type {
  ConversationRecord,
  StorageJsonObject as JsonObject,
  StorageJsonValue as JsonValue,
  MessageRecord,
  StorageV1,
} from '@churn/core';
import { publishConsoleEvent } from '../admin-conversations/console-events.js';
import { HttpError } from '../http/http-error.js';
import { findVerifiedCustomer } from '../identity/verified-customer.js';
import type { TenantPrincipal } from './chat-access.js';

/** A conversation as the chat API shows it. */
export interface ConversationView {
  id: string;
  purpose: ConversationRecord['purpose'];
  status: ConversationRecord['status'];
  startedAt: string;
  lastActivity: string;
  endedAt?: string;
  /** The verified customer it belongs to; absent for an anonymous visitor's conversation. */
  customerId?: string;
}

/** One part of a stored message, shaped like the AI SDK's `UIMessage` parts. */
export type MessagePartView =
  | { type: 'text'; text: string; state: 'done' }
  | { type: 'source-url'; sourceId: string; url: string; title?: string }
  | { type: 'data-confidence'; data: { score: number; escalate: boolean } }
  /** The reply handed the customer to this recovery conversation (see `data-recovery`). */
  | { type: 'data-recovery'; data: { conversationId: string } };

/**
 * A stored message as the chat API shows it: its fields, and `parts` shaped like an AI SDK
 * `UIMessage` so a `useChat` client can start from `messages` as they are.
 */
export interface MessageView {
  id: string;
  role: MessageRecord['role'];
  content: string;
  createdAt: string;
  /** `stopped`: the customer stopped the reply; `failed`: the model failed mid-answer. */
  state: 'complete' | 'stopped' | 'failed';
  confidenceScore?: number;
  queryType?: string;
  /** Set on a message an operator wrote (a person of the team who took the conversation over). */
  author?: { kind: 'operator'; name: string };
  parts: MessagePartView[];
}

/** A cited source as stored in an assistant message's metadata. */
export interface StoredCitation {
  sourceId: string;
  url: string;
  title?: string;
}

/** Who owns a conversation: a verified customer, else the anonymous visitor who started it. */
export function ownerOf(principal: TenantPrincipal): { customerId?: string; visitorId?: string } {
  if (principal.kind !== 'publishable') return {};
  if (principal.customer) return { customerId: principal.customer.id };
  return principal.visitorId === undefined ? {} : { visitorId: principal.visitorId };
}

/**
 * Whether the principal may read and write this conversation. Secret keys and operators
 * may use any conversation of their tenant; the widget only its own: the same verified
 * customer (on any device), or, for an anonymous conversation, the same visitor id.
 *
 * A verified customer owns a conversation started under their verified id (`userId`), and
 * one linked to their Customer record (`customerId`, like an operator-started recovery
 * session): `linkedCustomerId` is the id of the Customer record the verified id resolves to
 * (see {@link verifiedCustomerIdOf}); without it only the verified id itself is compared.
 */
export function canUseConversation(
  principal: TenantPrincipal,
  conversation: ConversationRecord,
  linkedCustomerId?: string,
): boolean {
  if (conversation.tenantId !== principal.tenantId) return false;
  if (principal.kind !== 'publishable') return true;
  const verifiedId = principal.customer?.id;
  if (conversation.userId !== null || conversation.customerId !== null) {
    if (verifiedId === undefined) return false;
    if (conversation.userId !== null && verifiedId === conversation.userId) return true;
    if (conversation.customerId === null) return false;
    if (conversation.userId === null && verifiedId === conversation.customerId) return true;
    return linkedCustomerId !== undefined && linkedCustomerId === conversation.customerId;
  }
  const visitorId = principal.visitorId;
  return visitorId !== undefined && conversation.metadata.visitorId === visitorId;
}

/**
 * The id of the Customer record a verified widget customer resolves to (by Churn's id, the
 * tenant's external id or the Stripe customer id; see `findVerifiedCustomer`), in the
 * principal's tenant. Undefined for an anonymous visitor (no query), a server key or an
 * operator, and for a verified customer without a Customer record.
 */
export async function verifiedCustomerIdOf(
  storage: StorageV1,
  principal: TenantPrincipal,
): Promise<string | undefined> {
  if (principal.kind !== 'publishable' || principal.customer === undefined) return undefined;
  const customer = await findVerifiedCustomer(storage, principal.tenantId, principal.customer.id);
  return customer?.id;
}

function conversationNotFound(id: string): HttpError {
  return new HttpError(
    404,
    'not_found',
    `No conversation "${id}" for this caller: check the id, and send the same customer token or visitor id that started it.`,
  );
}

/**
 * Loads a conversation the principal may use, or throws 404 (also for another tenant's
 * or another customer's conversation: their existence is not revealed).
 */
export async function loadOwnConversation(
  storage: StorageV1,
  principal: TenantPrincipal,
  id: string,
): Promise<ConversationRecord> {
  const conversation = await storage.conversations.get({ tenantId: principal.tenantId, id });
  if (!conversation || !(await mayUseConversation(storage, principal, conversation))) {
    throw conversationNotFound(id);
  }
  return conversation;
}

/**
 * {@link canUseConversation}, resolving the verified customer when it has to: for a
 * conversation linked to a Customer record, the verified id may be the tenant's own id or the
 * Stripe id of that customer (one resolution, up to three indexed lookups, only for a verified
 * customer whose id is not the conversation's own).
 */
export async function mayUseConversation(
  storage: StorageV1,
  principal: TenantPrincipal,
  conversation: ConversationRecord,
): Promise<boolean> {
  if (canUseConversation(principal, conversation)) return true;
  if (
    principal.kind !== 'publishable' ||
    principal.customer === undefined ||
    conversation.customerId === null ||
    conversation.tenantId !== principal.tenantId
  ) {
    return false;
  }
  const linkedCustomerId = await verifiedCustomerIdOf(storage, principal);
  return canUseConversation(principal, conversation, linkedCustomerId);
}

/** What a new conversation starts with. */
export interface NewChatConversation {
  id?: string;
  /** For secret keys: the customer (the tenant's user id) it is for. */
  customerId?: string;
  metadata?: JsonObject;
}

/**
 * Creates a support conversation for the principal. A verified customer's id becomes the
 * conversation's `userId` (and the id of their Customer record its `customerId`, when the
 * verified id is that record's id, external id or Stripe id, so the recovery flow finds it);
 * an anonymous visitor's id is kept as its session and owner.
 */
export async function createChatConversation(
  storage: StorageV1,
  principal: TenantPrincipal,
  input: NewChatConversation,
): Promise<ConversationRecord> {
  const owner = ownerOf(principal);
  const customerId = principal.kind === 'publishable' ? owner.customerId : input.customerId;
  if (principal.kind === 'publishable' && customerId === undefined && !owner.visitorId) {
    throw new HttpError(
      400,
      'validation_failed',
      'An anonymous conversation needs a visitor id: send the "x-churn-visitor-id" header (8 to 128 letters, digits, "_" or "-"), or a customer token.',
    );
  }
  const customer =
    customerId === undefined
      ? undefined
      : await findVerifiedCustomer(storage, principal.tenantId, customerId);
  const metadata: JsonObject = { ...input.metadata, channel: principal.kind };
  if (owner.visitorId !== undefined) metadata.visitorId = owner.visitorId;
  const conversation = await storage.conversations.create({
    ...(input.id === undefined ? {} : { id: input.id }),
    tenantId: principal.tenantId,
    purpose: 'support',
    sessionId: owner.visitorId ?? crypto.randomUUID(),
    userId: customerId ?? null,
    customerId: customer ? customer.id : null,
    metadata,
  });
  publishConsoleEvent(storage, {
    type: 'conversation.created',
    tenantId: principal.tenantId,
    data: { conversationId: conversation.id, kind: 'support', customerId: conversation.customerId },
  });
  return conversation;
}

/**
 * A customer's conversations, most recently active first: those started under their
 * verified identity on any device (`customerId`, the verified id), and those linked to their
 * Customer record (recovery): `linkedCustomerId`, the id of the record the verified id
 * resolves to (see {@link verifiedCustomerIdOf}).
 *
 * Each row is checked again against the same rule, so a storage implementation that does not
 * know the contract's `ownedBy` filter yet shows fewer rows per page, never someone else's.
 */
export async function listCustomerConversations(
  storage: StorageV1,
  options: {
    tenantId: string;
    customerId: string;
    linkedCustomerId?: string;
    limit: number;
    offset: number;
  },
): Promise<ConversationView[]> {
  const customerIds = [options.customerId];
  if (options.linkedCustomerId !== undefined && options.linkedCustomerId !== options.customerId) {
    customerIds.push(options.linkedCustomerId);
  }
  const records = await storage.conversations.list({
    tenantId: options.tenantId,
    ownedBy: { userId: options.customerId, customerIds },
    limit: options.limit,
    offset: options.offset,
  });
  return records
    .filter(
      (record) =>
        record.tenantId === options.tenantId &&
        (record.userId === options.customerId ||
          (record.customerId !== null && customerIds.includes(record.customerId))),
    )
    .map((record) => ({ ...toConversationView(record), customerId: options.customerId }));
}

/** The public view of a conversation. */
export function toConversationView(conversation: ConversationRecord): ConversationView {
  const customerId = conversation.userId ?? conversation.customerId;
  return {
    id: conversation.id,
    purpose: conversation.purpose,
    status: conversation.status,
    startedAt: conversation.startedAt.toISOString(),
    lastActivity: conversation.lastActivity.toISOString(),
    ...(conversation.endedAt ? { endedAt: conversation.endedAt.toISOString() } : {}),
    ...(customerId === null ? {} : { customerId }),
  };
}

function isCitation(value: JsonValue): value is { sourceId: string; url: string; title?: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof value.sourceId === 'string' &&
    typeof value.url === 'string'
  );
}

/** The public view of a stored message, with UIMessage-shaped parts. */
export function toMessageView(message: MessageRecord): MessageView {
  const metadata = message.metadata;
  const state =
    metadata.state === 'stopped' || metadata.state === 'failed' ? metadata.state : 'complete';
  const parts: MessagePartView[] = [{ type: 'text', text: message.content, state: 'done' }];
  const citations = Array.isArray(metadata.citations) ? metadata.citations : [];
  for (const citation of citations) {
    if (!isCitation(citation)) continue;
    parts.push({
      type: 'source-url',
      sourceId: citation.sourceId,
      url: citation.url,
      ...(typeof citation.title === 'string' ? { title: citation.title } : {}),
    });
  }
  if (message.confidenceScore !== undefined) {
    parts.push({
      type: 'data-confidence',
      data: { score: message.confidenceScore, escalate: metadata.escalate === true },
    });
  }
  const recoveryConversationId = recoveryConversationIdOf(message);
  if (recoveryConversationId !== undefined) {
    parts.push({ type: 'data-recovery', data: { conversationId: recoveryConversationId } });
  }
  return {
    id: message.id,
    role: message.role,
    content: message.content,
    createdAt: message.timestamp.toISOString(),
    state,
    ...(message.confidenceScore === undefined ? {} : { confidenceScore: message.confidenceScore }),
    ...(message.queryType === undefined ? {} : { queryType: message.queryType }),
    ...(operatorName(metadata) === undefined
      ? {}
      : { author: { kind: 'operator' as const, name: operatorName(metadata)! } }),
    parts,
  };
}

/**
 * The recovery conversation an assistant reply handed the customer to (the metadata key
 * `recoveryConversationId` the chat turn stores), or undefined.
 */
function recoveryConversationIdOf(message: MessageRecord): string | undefined {
  if (message.role !== 'assistant') return undefined;
  const id = message.metadata.recoveryConversationId;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

function operatorName(metadata: JsonObject): string | undefined {
  const operator = metadata.operator;
  if (typeof operator !== 'object' || operator === null || Array.isArray(operator))
    return undefined;
  return typeof operator.name === 'string' ? operator.name : undefined;
}
