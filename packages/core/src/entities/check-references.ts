import { ValidationError, type ValidationIssue } from '../errors/validation-error.js';
import { findDuplicateAdminEmails } from './admin-user.js';
import { duplicateIssues, findDuplicateIds } from './unique-ids.js';

interface WithId {
  id: string;
}
interface WithTenant extends WithId {
  tenantId: string;
}

/**
 * Collections to check against each other. Every collection is optional: a
 * reference is checked only when both sides are given. Pass validated entities
 * (the output of their schemas).
 */
export interface ReferenceCheckInput {
  tenants?: readonly WithId[];
  customers?: readonly WithTenant[];
  paymentMethods?: readonly (WithTenant & { customerId: string })[];
  adminUsers?: readonly (WithTenant & { email: string })[];
  conversations?: readonly (WithTenant & {
    customerId: string | null;
    startedAt: Date;
    endedAt?: Date | undefined;
    recovery?: { adminUserId: string } | undefined;
  })[];
  messages?: readonly (WithId & { conversationId: string; timestamp: Date })[];
  /** Seed-shaped sessions (ChatSession views). */
  chatSessions?: readonly (WithTenant & {
    customerId: string;
    adminUserId: string;
    startTime: Date;
    endTime?: Date | undefined;
  })[];
  /** Seed-shaped messages (ChatMessage views). */
  chatMessages?: readonly (WithId & { chatSessionId: string; timestamp: Date })[];
  documents?: readonly WithTenant[];
  chunks?: readonly (WithId & { documentId: string })[];
  retrievals?: readonly (WithId & { messageId: string; chunkId: string })[];
  feedback?: readonly (WithId & { messageId: string })[];
  escalations?: readonly (WithId & { conversationId: string })[];
  integrations?: readonly WithTenant[];
  analytics?: readonly WithTenant[];
  abTests?: readonly WithTenant[];
}

type CollectionName = keyof ReferenceCheckInput;

function indexById<Item extends WithId>(
  items: readonly Item[] | undefined,
): Map<string, Item> | undefined {
  if (items === undefined) return undefined;
  const byId = new Map<string, Item>();
  for (const item of items) if (!byId.has(item.id)) byId.set(item.id, item);
  return byId;
}

/**
 * Checks that every `key(item)` of `collection` names an item of `targets`; calls
 * `also` with each pair found, for further rules (same tenant, timeframe).
 */
function checkForeignKey<Item, Target>(
  issues: ValidationIssue[],
  collection: CollectionName,
  items: readonly Item[] | undefined,
  field: string,
  key: (item: Item) => string | null | undefined,
  targets: Map<string, Target> | undefined,
  targetName: string,
  also?: (item: Item, target: Target, index: number) => void,
): void {
  if (items === undefined || targets === undefined) return;
  items.forEach((item, index) => {
    const value = key(item);
    if (value === null || value === undefined) return;
    const target = targets.get(value);
    if (target === undefined) {
      issues.push({
        path: [collection, index, field],
        message: `must reference an existing ${targetName}: no ${targetName} has id "${value}"`,
      });
      return;
    }
    also?.(item, target, index);
  });
}

function sameTenant(
  issues: ValidationIssue[],
  collection: CollectionName,
  targetName: string,
): (item: WithTenant, target: WithTenant, index: number) => void {
  return (item, target, index) => {
    if (item.tenantId !== target.tenantId) {
      issues.push({
        path: [collection, index, 'tenantId'],
        message: `must be the tenant of the referenced ${targetName} (${target.tenantId})`,
      });
    }
  };
}

function withinTimeframe(
  issues: ValidationIssue[],
  collection: CollectionName,
  containerName: string,
  timestamp: Date,
  start: Date,
  end: Date | undefined,
  index: number,
): void {
  if (timestamp < start) {
    issues.push({
      path: [collection, index, 'timestamp'],
      message: `must be within its ${containerName}: not before it started (${start.toISOString()})`,
    });
  } else if (end !== undefined && timestamp > end) {
    issues.push({
      path: [collection, index, 'timestamp'],
      message: `must be within its ${containerName}: not after it ended (${end.toISOString()})`,
    });
  }
}

/**
 * The rules that span entities: ids unique within each collection, admin emails
 * unique within a tenant, every foreign key naming an existing entity of the same
 * tenant, and every message timestamped within its conversation (or chat
 * session). Returns every problem, with paths like
 * `['paymentMethods', 2, 'customerId']`; an empty list means all is well.
 */
export function checkReferences(input: ReferenceCheckInput): ValidationIssue[] {
  const issues: ValidationIssue[] = [];

  for (const [name, items] of Object.entries(input) as [CollectionName, readonly WithId[]][]) {
    if (items !== undefined) issues.push(...duplicateIssues(findDuplicateIds(items), 'id', [name]));
  }
  if (input.adminUsers !== undefined) {
    issues.push(
      ...duplicateIssues(findDuplicateAdminEmails(input.adminUsers), 'email', ['adminUsers']),
    );
  }

  const tenants = indexById(input.tenants);
  const customers = indexById(input.customers);
  const adminUsers = indexById(input.adminUsers);
  const conversations = indexById(input.conversations);
  const messages = indexById(input.messages);
  const chatSessions = indexById(input.chatSessions);
  const documents = indexById(input.documents);
  const chunks = indexById(input.chunks);

  const tenantScoped = [
    'customers',
    'paymentMethods',
    'adminUsers',
    'conversations',
    'chatSessions',
    'documents',
    'integrations',
    'analytics',
    'abTests',
  ] as const;
  for (const name of tenantScoped) {
    const items: readonly WithTenant[] | undefined = input[name];
    checkForeignKey(issues, name, items, 'tenantId', (item) => item.tenantId, tenants, 'tenant');
  }

  checkForeignKey(
    issues,
    'paymentMethods',
    input.paymentMethods,
    'customerId',
    (item) => item.customerId,
    customers,
    'customer',
    sameTenant(issues, 'paymentMethods', 'customer'),
  );
  checkForeignKey(
    issues,
    'conversations',
    input.conversations,
    'customerId',
    (item) => item.customerId,
    customers,
    'customer',
    sameTenant(issues, 'conversations', 'customer'),
  );
  checkForeignKey(
    issues,
    'chatSessions',
    input.chatSessions,
    'customerId',
    (item) => item.customerId,
    customers,
    'customer',
    sameTenant(issues, 'chatSessions', 'customer'),
  );
  checkForeignKey(
    issues,
    'chatSessions',
    input.chatSessions,
    'adminUserId',
    (item) => item.adminUserId,
    adminUsers,
    'admin user',
  );
  if (input.conversations !== undefined && adminUsers !== undefined) {
    input.conversations.forEach((conversation, index) => {
      const adminUserId = conversation.recovery?.adminUserId;
      if (adminUserId !== undefined && !adminUsers.has(adminUserId)) {
        issues.push({
          path: ['conversations', index, 'recovery', 'adminUserId'],
          message: `must reference an existing admin user: no admin user has id "${adminUserId}"`,
        });
      }
    });
  }
  checkForeignKey(
    issues,
    'messages',
    input.messages,
    'conversationId',
    (item) => item.conversationId,
    conversations,
    'conversation',
    (message, conversation, index) =>
      withinTimeframe(
        issues,
        'messages',
        'conversation',
        message.timestamp,
        conversation.startedAt,
        conversation.endedAt,
        index,
      ),
  );
  checkForeignKey(
    issues,
    'chatMessages',
    input.chatMessages,
    'chatSessionId',
    (item) => item.chatSessionId,
    chatSessions,
    'chat session',
    (message, session, index) =>
      withinTimeframe(
        issues,
        'chatMessages',
        'chat session',
        message.timestamp,
        session.startTime,
        session.endTime,
        index,
      ),
  );
  checkForeignKey(
    issues,
    'chunks',
    input.chunks,
    'documentId',
    (item) => item.documentId,
    documents,
    'document',
  );
  checkForeignKey(
    issues,
    'retrievals',
    input.retrievals,
    'messageId',
    (item) => item.messageId,
    messages,
    'message',
  );
  checkForeignKey(
    issues,
    'retrievals',
    input.retrievals,
    'chunkId',
    (item) => item.chunkId,
    chunks,
    'chunk',
  );
  checkForeignKey(
    issues,
    'feedback',
    input.feedback,
    'messageId',
    (item) => item.messageId,
    messages,
    'message',
  );
  checkForeignKey(
    issues,
    'escalations',
    input.escalations,
    'conversationId',
    (item) => item.conversationId,
    conversations,
    'conversation',
  );
  return issues;
}

/** Like {@link checkReferences}, but throws a {@link ValidationError} listing every problem. */
export function assertReferences(input: ReferenceCheckInput): void {
  const issues = checkReferences(input);
  if (issues.length > 0) throw new ValidationError('data set', issues);
}
