import type { Kysely } from 'kysely';
import { z } from 'zod';
import { operationsDb } from '../outbox/outbox-tables.js';
import type { Database } from '../storage/database.js';

/** A tenant's retention periods, in days. */
export interface RetentionPolicy {
  /** Conversations still open (`active`, `escalated`): deleted this long after their last activity. Default 90. */
  activeConversationDays: number;
  /** Closed conversations: deleted this long after they ended (or last activity). Default 365. */
  closedConversationDays: number;
  /** Analytics records. Default 730 (2 years). */
  analyticsDays: number;
  /** Feedback. Default 365. */
  feedbackDays: number;
  /** A/B tests and their assignments, after the test ended (status `completed`). Default 183 (6 months). */
  abTestDays: number;
  /** Finished integration deliveries (delivered or dead). Default 30. */
  deliveryLogDays: number;
}

/** The seed's retention: conversations 90 days active / 1 year closed, analytics 2 years, feedback 1 year, A/B 6 months. */
export const defaultRetentionPolicy: Readonly<RetentionPolicy> = Object.freeze({
  activeConversationDays: 90,
  closedConversationDays: 365,
  analyticsDays: 730,
  feedbackDays: 365,
  abTestDays: 183,
  deliveryLogDays: 30,
});

const days = z.number().int().min(1).max(36500, { error: 'must be at most 36500 days' });

/** The body of `PATCH /api/retention`: any of the periods, in whole days (1 to 36500). */
export const UpdateRetentionPolicySchema = z
  .object({
    activeConversationDays: days.optional(),
    closedConversationDays: days.optional(),
    analyticsDays: days.optional(),
    feedbackDays: days.optional(),
    abTestDays: days.optional(),
    deliveryLogDays: days.optional(),
  })
  .strict();

/** A tenant's policy: its row, or the defaults when it never changed them. */
export async function getRetentionPolicy(
  db: Kysely<Database>,
  tenantId: string,
): Promise<RetentionPolicy> {
  const row = await operationsDb(db)
    .selectFrom('retention_policies')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  if (!row) return { ...defaultRetentionPolicy };
  return {
    activeConversationDays: row.active_conversation_days,
    closedConversationDays: row.closed_conversation_days,
    analyticsDays: row.analytics_days,
    feedbackDays: row.feedback_days,
    abTestDays: row.ab_test_days,
    deliveryLogDays: row.delivery_log_days,
  };
}

/** Changes some periods of a tenant's policy (the others keep their value) and answers it. */
export async function updateRetentionPolicy(
  db: Kysely<Database>,
  tenantId: string,
  changes: z.output<typeof UpdateRetentionPolicySchema>,
): Promise<RetentionPolicy> {
  const policy = { ...(await getRetentionPolicy(db, tenantId)), ...changes };
  const values = {
    active_conversation_days: policy.activeConversationDays,
    closed_conversation_days: policy.closedConversationDays,
    analytics_days: policy.analyticsDays,
    feedback_days: policy.feedbackDays,
    ab_test_days: policy.abTestDays,
    delivery_log_days: policy.deliveryLogDays,
  };
  await operationsDb(db)
    .insertInto('retention_policies')
    .values({ tenant_id: tenantId, ...values })
    .onConflict((conflict) =>
      conflict.column('tenant_id').doUpdateSet({ ...values, updated_at: new Date() }),
    )
    .execute();
  return policy;
}
