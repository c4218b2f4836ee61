import type { ConversationRecord, StorageV1 } from '@churn/core';
import { recordMetric } from './record-metric.js';

/** A support conversation with no activity for this long is over (24 hours). */
export const deflectionIdleMs = 24 * 60 * 60 * 1000;

/** The A/B test and variant a conversation's turns ran under (stamped by the chat turn). */
export function abTestOf(conversation: ConversationRecord): { ab_test?: string; variant?: string } {
  const { abTest, abVariant } = conversation.metadata;
  return typeof abTest === 'string' && typeof abVariant === 'string'
    ? { ab_test: abTest, variant: abVariant }
    : {};
}

/** `customer` for a verified customer's conversation, `visitor` for an anonymous one. */
export function userTypeOf(conversation: ConversationRecord): 'customer' | 'visitor' {
  return conversation.userId !== null || conversation.customerId !== null ? 'customer' : 'visitor';
}

/**
 * Records the outcome of every support conversation that is over, once: a `deflection`
 * row, value 1 when it was **deflected** and 0 when it was not.
 *
 * A support conversation is **over** when it is `closed`, or when its last activity is at
 * least {@link deflectionIdleMs} before `now` (`active` or `escalated`). It is
 * **deflected** when it is over, the customer wrote at least one message, and it never
 * had an escalation (whatever became of the escalation). Conversations nobody wrote in are
 * skipped. The row is dated at the conversation's last activity and carries `user_type`,
 * `purpose` and the A/B `variant`/`ab_test`; its id is `deflection-<conversation id>`, so
 * running the sweep again changes nothing. A conversation that reopens after being
 * counted keeps its first outcome.
 *
 * Looks at the `limit` most recently active conversations (default 1,000) per call.
 */
export async function recordDeflections(
  storage: StorageV1,
  options: { tenantId: string; now?: Date; limit?: number },
): Promise<{ recorded: number }> {
  const now = options.now ?? new Date();
  const { tenantId } = options;
  const limit = options.limit ?? 1000;
  const counted = new Set<string>();
  for (let offset = 0; ; offset += 1000) {
    const rows = await storage.analytics.list({
      tenantId,
      metricName: 'deflection',
      limit: 1000,
      offset,
    });
    for (const row of rows) counted.add(row.id);
    if (rows.length < 1000) break;
  }
  const idleBefore = new Date(now.getTime() - deflectionIdleMs);
  const candidates = new Map<string, ConversationRecord>();
  for (const filter of [{ status: 'closed' as const }, { lastActivityBefore: idleBefore }]) {
    const conversations = await storage.conversations.list({
      tenantId,
      purpose: 'support',
      limit,
      ...filter,
    });
    for (const conversation of conversations) candidates.set(conversation.id, conversation);
  }
  let recorded = 0;
  for (const conversation of candidates.values()) {
    const id = `deflection-${conversation.id}`;
    if (counted.has(id)) continue;
    const messages = await storage.messages.list({
      tenantId,
      conversationId: conversation.id,
      limit: 1000,
    });
    if (!messages.some((message) => message.role === 'user')) continue;
    const escalations = await storage.escalations.list({
      tenantId,
      conversationId: conversation.id,
      limit: 1,
    });
    const deflected = escalations.length === 0 && conversation.status !== 'escalated';
    const row = await recordMetric(storage, {
      id,
      tenantId,
      name: 'deflection',
      value: deflected ? 1 : 0,
      recordedAt: conversation.lastActivity,
      dimensions: {
        purpose: 'support',
        user_type: userTypeOf(conversation),
        ...abTestOf(conversation),
      },
    });
    if (row) recorded += 1;
  }
  return { recorded };
}
