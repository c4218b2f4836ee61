import { type Kysely, sql } from 'kysely';
import type { Database } from '../storage/database.js';
import { getRetentionPolicy, type RetentionPolicy } from './retention-policy.js';

/** Rows deleted (or, in a dry run, that would be), per table. */
export interface RetentionCounts {
  conversations: number;
  /** Messages of the deleted conversations (they go with them). */
  messages: number;
  /** Escalations of the deleted conversations (they go with them). */
  escalations: number;
  feedback: number;
  analytics: number;
  abTests: number;
  /** Assignments of the deleted A/B tests (they go with them). */
  abTestAssignments: number;
  integrationDeliveries: number;
}

/** What a retention run did. */
export interface RetentionReport {
  dryRun: boolean;
  /** The instant the periods were counted from. */
  now: Date;
  tenants: { tenantId: string; policy: RetentionPolicy; deleted: RetentionCounts }[];
  total: RetentionCounts;
  /** False when another instance held the lock: nothing was done. */
  ran: boolean;
}

/** Settings of {@link runRetention}. */
export interface RunRetentionOptions {
  /** Count what would go, delete nothing. */
  dryRun?: boolean;
  /** One tenant only. */
  tenantId?: string;
  /** The clock (tests inject one). Default now. */
  now?: Date;
}

/** The advisory lock key of retention runs: one instance at a time. */
export const retentionLockKey = 0x63_68_72_6e; // "chrn"

const dayMs = 86_400_000;

function emptyCounts(): RetentionCounts {
  return {
    conversations: 0,
    messages: 0,
    escalations: 0,
    feedback: 0,
    analytics: 0,
    abTests: 0,
    abTestAssignments: 0,
    integrationDeliveries: 0,
  };
}

async function count(db: Kysely<Database>, query: ReturnType<typeof sql>): Promise<number> {
  const result = await sql<{
    count: string | number;
  }>`select count(*) as count from (${query}) as expired`.execute(db);
  return Number(result.rows[0]?.count ?? 0);
}

async function runForTenant(
  db: Kysely<Database>,
  tenantId: string,
  policy: RetentionPolicy,
  now: Date,
  dryRun: boolean,
): Promise<RetentionCounts> {
  const before = (daysBack: number) => new Date(now.getTime() - daysBack * dayMs);
  const activeBefore = before(policy.activeConversationDays);
  const closedBefore = before(policy.closedConversationDays);
  const expiredConversations = sql`
    select id from conversations where tenant_id = ${tenantId} and (
      (status = 'closed' and coalesce(ended_at, last_activity) < ${closedBefore})
      or (status <> 'closed' and last_activity < ${activeBefore}))`;
  const expiredFeedback = sql`select id from feedback where tenant_id = ${tenantId} and timestamp < ${before(policy.feedbackDays)}`;
  const expiredAnalytics = sql`select id from analytics where tenant_id = ${tenantId} and recorded_at < ${before(policy.analyticsDays)}`;
  const expiredAbTests = sql`
    select id from ab_tests where tenant_id = ${tenantId} and status = 'completed'
      and coalesce(ended_at, created_at) < ${before(policy.abTestDays)}`;
  const expiredDeliveries = sql`
    select id from integration_deliveries where tenant_id = ${tenantId}
      and status in ('delivered', 'dead') and updated_at < ${before(policy.deliveryLogDays)}`;

  const counts = emptyCounts();
  counts.messages = await count(
    db,
    sql`select id from messages where tenant_id = ${tenantId} and conversation_id in (${expiredConversations})`,
  );
  counts.escalations = await count(
    db,
    sql`select id from escalations where tenant_id = ${tenantId} and conversation_id in (${expiredConversations})`,
  );
  counts.abTestAssignments = await count(
    db,
    sql`select id from ab_test_assignments where tenant_id = ${tenantId} and test_id in (${expiredAbTests})`,
  );
  if (dryRun) {
    counts.conversations = await count(db, expiredConversations);
    counts.feedback = await count(db, expiredFeedback);
    counts.analytics = await count(db, expiredAnalytics);
    counts.abTests = await count(db, expiredAbTests);
    counts.integrationDeliveries = await count(db, expiredDeliveries);
    return counts;
  }
  const remove = async (table: string, expired: ReturnType<typeof sql>) => {
    const result = await sql<{
      id: string;
    }>`delete from ${sql.table(table)} where tenant_id = ${tenantId} and id in (${expired}) returning id`.execute(
      db,
    );
    return result.rows.length;
  };
  // Feedback first, so what goes with a conversation is not counted twice.
  counts.feedback = await remove('feedback', expiredFeedback);
  counts.conversations = await remove('conversations', expiredConversations);
  counts.analytics = await remove('analytics', expiredAnalytics);
  counts.abTests = await remove('ab_tests', expiredAbTests);
  counts.integrationDeliveries = await remove('integration_deliveries', expiredDeliveries);
  return counts;
}

function add(total: RetentionCounts, counts: RetentionCounts): void {
  for (const key of Object.keys(total) as (keyof RetentionCounts)[]) total[key] += counts[key];
}

/**
 * Deletes what each tenant's retention policy says has expired: conversations (with their
 * messages, retrievals, feedback and escalations, by cascade), feedback, analytics,
 * completed A/B tests (with their assignments) and the finished delivery log. One instance
 * at a time: the run holds a PostgreSQL advisory lock on one connection and answers
 * `ran: false` when another instance holds it.
 */
export async function runRetention(
  db: Kysely<Database>,
  options: RunRetentionOptions = {},
): Promise<RetentionReport> {
  const now = options.now ?? new Date();
  const dryRun = options.dryRun ?? false;
  const report: RetentionReport = { dryRun, now, tenants: [], total: emptyCounts(), ran: false };
  await db.connection().execute(async (connection) => {
    const lock = await sql<{
      locked: boolean;
    }>`select pg_try_advisory_lock(${retentionLockKey}) as locked`.execute(connection);
    if (!lock.rows[0]?.locked) return;
    report.ran = true;
    try {
      let tenants = connection.selectFrom('tenants').select('id').orderBy('id');
      if (options.tenantId !== undefined) tenants = tenants.where('id', '=', options.tenantId);
      for (const { id } of await tenants.execute()) {
        const policy = await getRetentionPolicy(connection, id);
        const deleted = await runForTenant(connection, id, policy, now, dryRun);
        add(report.total, deleted);
        report.tenants.push({ tenantId: id, policy, deleted });
      }
    } finally {
      await sql`select pg_advisory_unlock(${retentionLockKey})`.execute(connection);
    }
  });
  return report;
}
