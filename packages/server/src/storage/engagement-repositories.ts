import {
  type AbTestAssignmentRecord,
  type AbTestRecord,
  type AbTestRepository,
  type AbTestStatus,
  type AnalyticsRecord,
  type AnalyticsRepository,
  type ChurnMetricsRecord,
  type ChurnMetricsRepository,
  type EscalationRecord,
  type EscalationRepository,
  type FeedbackRecord,
  type FeedbackRepository,
  type IntegrationRecord,
  type IntegrationRepository,
  ValidationError,
} from '@churn/core';
import { type Kysely, type Selectable, sql } from 'kysely';
import { markChanged } from './cached-reads.js';
import type {
  AbTestAssignmentsTable,
  AbTestsTable,
  AnalyticsTable,
  ChurnPreventionMetricsTable,
  Database,
  EscalationsTable,
  FeedbackTable,
  IntegrationsTable,
} from './database.js';
import {
  compact,
  fromJson,
  guarded,
  inTransaction,
  newId,
  notFound,
  optional,
  toJson,
  toNumber,
} from './storage-helpers.js';
import { tenantRows } from './tenant-rows.js';

function toFeedback(row: Selectable<FeedbackTable>): FeedbackRecord {
  return compact({
    id: row.id,
    tenantId: row.tenant_id,
    messageId: row.message_id,
    userId: row.user_id,
    feedbackType: row.feedback_type as FeedbackRecord['feedbackType'],
    rating: optional(row.rating),
    comment: optional(row.comment),
    timestamp: row.timestamp,
  });
}

/** Feedback over Kysely. */
export function createFeedbackRepository(db: Kysely<Database>): FeedbackRepository {
  const rows = tenantRows(db, 'feedback', toFeedback);
  return guarded<FeedbackRepository>({
    async create(feedback) {
      return rows.insert({
        id: feedback.id ?? newId(),
        tenant_id: feedback.tenantId,
        message_id: feedback.messageId,
        user_id: feedback.userId ?? null,
        feedback_type: feedback.feedbackType,
        rating: feedback.rating ?? null,
        comment: feedback.comment ?? null,
        timestamp: feedback.timestamp,
      });
    },
    async list(options) {
      return rows.list(options, (query) => {
        let filtered = query;
        if (options.messageId) filtered = filtered.where('message_id', '=', options.messageId);
        return filtered.orderBy('timestamp', 'desc').orderBy('id');
      });
    },
  });
}

function toAnalytics(row: Selectable<AnalyticsTable>): AnalyticsRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    metricName: row.metric_name,
    metricValue: row.metric_value,
    dimensions: fromJson<AnalyticsRecord['dimensions']>(row.dimensions),
    recordedAt: row.recorded_at,
  };
}

/** Analytics over Kysely. */
export function createAnalyticsRepository(db: Kysely<Database>): AnalyticsRepository {
  const rows = tenantRows(db, 'analytics', toAnalytics);
  return guarded<AnalyticsRepository>({
    async record(entry) {
      return rows.insert({
        id: entry.id ?? newId(),
        tenant_id: entry.tenantId,
        metric_name: entry.metricName,
        metric_value: entry.metricValue,
        dimensions: entry.dimensions === undefined ? undefined : toJson(entry.dimensions),
        recorded_at: entry.recordedAt,
      });
    },
    async list(options) {
      return rows.list(options, (query) => {
        let filtered = query;
        if (options.metricName) filtered = filtered.where('metric_name', '=', options.metricName);
        if (options.from) filtered = filtered.where('recorded_at', '>=', options.from);
        if (options.to) filtered = filtered.where('recorded_at', '<', options.to);
        return filtered.orderBy('recorded_at').orderBy('id');
      });
    },
  });
}

function toEscalation(row: Selectable<EscalationsTable>): EscalationRecord {
  return compact({
    id: row.id,
    tenantId: row.tenant_id,
    conversationId: row.conversation_id,
    reason: row.reason,
    ticketId: optional(row.ticket_id),
    status: row.status as EscalationRecord['status'],
    escalatedAt: row.escalated_at,
    resolvedAt: optional(row.resolved_at),
  });
}

/** Escalations over Kysely. */
export function createEscalationRepository(db: Kysely<Database>): EscalationRepository {
  const rows = tenantRows(db, 'escalations', toEscalation);
  return guarded<EscalationRepository>({
    async create(escalation) {
      return rows.insert({
        id: escalation.id ?? newId(),
        tenant_id: escalation.tenantId,
        conversation_id: escalation.conversationId,
        reason: escalation.reason,
        ticket_id: escalation.ticketId ?? null,
        status: escalation.status,
        escalated_at: escalation.escalatedAt,
      });
    },
    get: rows.get,
    async list(options) {
      return rows.list(options, (query) => {
        let filtered = query;
        if (options.status) filtered = filtered.where('status', '=', options.status);
        if (options.conversationId) {
          filtered = filtered.where('conversation_id', '=', options.conversationId);
        }
        return filtered.orderBy('escalated_at', 'desc').orderBy('id');
      });
    },
    async update({ tenantId, id, changes }) {
      return rows.update(
        { tenantId, id },
        compact({
          status: changes.status,
          ticket_id: changes.ticketId,
          resolved_at:
            changes.status === undefined
              ? undefined
              : changes.status === 'pending'
                ? null
                : sql<Date>`coalesce(resolved_at, greatest(now(), escalated_at))`,
        }),
        'escalation',
      );
    },
  });
}

function toIntegration(row: Selectable<IntegrationsTable>): IntegrationRecord {
  return compact({
    id: row.id,
    tenantId: row.tenant_id,
    platform: row.platform as IntegrationRecord['platform'],
    config: fromJson<IntegrationRecord['config']>(row.config),
    webhookUrl: optional(row.webhook_url),
    enabled: row.enabled,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

/** Integrations over Kysely. */
export function createIntegrationRepository(db: Kysely<Database>): IntegrationRepository {
  const rows = tenantRows(db, 'integrations', toIntegration);
  return guarded<IntegrationRepository>({
    async create(integration) {
      return rows.insert({
        id: integration.id ?? newId(),
        tenant_id: integration.tenantId,
        platform: integration.platform,
        config: toJson(integration.config),
        webhook_url: integration.webhookUrl ?? null,
        enabled: integration.enabled,
      });
    },
    get: rows.get,
    async list(options) {
      return rows.list(options, (query) => {
        let filtered = query;
        if (options.platform) filtered = filtered.where('platform', '=', options.platform);
        if (options.enabledOnly) filtered = filtered.where('enabled', '=', true);
        return filtered.orderBy('created_at').orderBy('id');
      });
    },
    async update({ tenantId, id, changes }) {
      return rows.update(
        { tenantId, id },
        compact({
          config: changes.config === undefined ? undefined : toJson(changes.config),
          webhook_url: changes.webhookUrl,
          enabled: changes.enabled,
          updated_at: sql<Date>`now()`,
        }),
        'integration',
      );
    },
    delete: rows.remove,
  });
}

function toAbTest(row: Selectable<AbTestsTable>): AbTestRecord {
  return compact({
    id: row.id,
    tenantId: row.tenant_id,
    testName: row.test_name,
    variants: row.variants,
    status: row.status as AbTestStatus,
    startedAt: optional(row.started_at),
    endedAt: optional(row.ended_at),
    createdAt: row.created_at,
  });
}

function toAssignment(row: Selectable<AbTestAssignmentsTable>): AbTestAssignmentRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    testId: row.test_id,
    testName: row.test_name,
    variant: row.variant,
    userId: row.user_id,
    assignedAt: row.assigned_at,
  };
}

/** A/B tests over Kysely. */
export function createAbTestRepository(db: Kysely<Database>): AbTestRepository {
  const tests = tenantRows(db, 'ab_tests', toAbTest);
  const assignments = tenantRows(db, 'ab_test_assignments', toAssignment);
  return guarded<AbTestRepository>({
    async create(test) {
      if (new Set(test.variants).size !== test.variants.length) {
        throw new ValidationError('ABTest', [
          { path: ['variants'], message: 'must be distinct names' },
        ]);
      }
      markChanged('ab-tests', test.tenantId);
      return tests.insert({
        id: test.id ?? newId(),
        tenant_id: test.tenantId,
        test_name: test.testName,
        variants: [...test.variants],
        status: test.status ?? 'running',
        started_at: test.startedAt ?? null,
        ended_at: test.endedAt ?? null,
      });
    },
    get: tests.get,
    async findByName({ tenantId, testName }) {
      return tests.findBy({ tenantId }, 'test_name', testName);
    },
    async list(options) {
      return tests.list(options, (query) => query.orderBy('created_at').orderBy('id'));
    },
    async update({ tenantId, id, changes }) {
      markChanged('ab-tests', tenantId);
      return tests.update(
        { tenantId, id },
        compact({
          status: changes.status,
          started_at: changes.startedAt,
          ended_at: changes.endedAt,
        }),
        'A/B test',
      );
    },
    async assign({ tenantId, testId, userId, variant }) {
      return inTransaction(db, async (transaction) => {
        const test = await transaction
          .selectFrom('ab_tests')
          .select(['test_name', 'variants'])
          .where('tenant_id', '=', tenantId)
          .where('id', '=', testId)
          .executeTakeFirst();
        if (!test) throw notFound('A/B test', testId);
        if (!test.variants.includes(variant)) {
          throw new ValidationError('ABTest', [
            {
              path: ['variant'],
              message: `must be one of the test's variants: ${test.variants.join(', ')}`,
            },
          ]);
        }
        await transaction
          .insertInto('ab_test_assignments')
          .values({
            id: newId(),
            tenant_id: tenantId,
            test_id: testId,
            test_name: test.test_name,
            variant,
            user_id: userId,
          })
          .onConflict((conflict) => conflict.columns(['test_id', 'user_id']).doNothing())
          .execute();
        const row = await transaction
          .selectFrom('ab_test_assignments')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('test_id', '=', testId)
          .where('user_id', '=', userId)
          .executeTakeFirstOrThrow();
        return toAssignment(row);
      });
    },
    async getAssignment({ tenantId, testId, userId }) {
      const row = await db
        .selectFrom('ab_test_assignments')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('test_id', '=', testId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row ? toAssignment(row) : undefined;
    },
    async listAssignments(options) {
      return assignments.list(options, (query) =>
        query.where('test_id', '=', options.testId).orderBy('assigned_at').orderBy('id'),
      );
    },
  });
}

function toChurnMetrics(row: Selectable<ChurnPreventionMetricsTable>): ChurnMetricsRecord {
  return compact({
    id: row.id,
    tenantId: row.tenant_id,
    periodStart: row.period_start,
    periodEnd: row.period_end,
    variant: optional(row.variant),
    totalInterventions: row.total_interventions,
    successfulResolutions: row.successful_resolutions,
    averageResolutionTime: row.average_resolution_time,
    customerRetentionRate: row.customer_retention_rate,
    revenueRetained: toNumber(row.revenue_retained),
    createdAt: row.created_at,
  });
}

/** Churn-prevention metrics over Kysely. */
export function createChurnMetricsRepository(db: Kysely<Database>): ChurnMetricsRepository {
  const rows = tenantRows(db, 'churn_prevention_metrics', toChurnMetrics);
  return guarded<ChurnMetricsRepository>({
    async record(metrics) {
      const figures = {
        total_interventions: metrics.totalInterventions,
        successful_resolutions: metrics.successfulResolutions,
        average_resolution_time: metrics.averageResolutionTime,
        customer_retention_rate: metrics.customerRetentionRate,
        revenue_retained: metrics.revenueRetained,
      };
      const row = await db
        .insertInto('churn_prevention_metrics')
        .values({
          id: metrics.id ?? newId(),
          tenant_id: metrics.tenantId,
          period_start: metrics.periodStart,
          period_end: metrics.periodEnd,
          variant: metrics.variant ?? null,
          ...figures,
        })
        .onConflict((conflict) =>
          conflict
            .constraint('churn_prevention_metrics_period_key')
            .doUpdateSet({ ...figures, created_at: sql<Date>`now()` }),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return toChurnMetrics(row);
    },
    async list(options) {
      return rows.list(options, (query) => {
        let filtered = query;
        if (options.from) filtered = filtered.where('period_start', '>=', options.from);
        if (options.to) filtered = filtered.where('period_start', '<', options.to);
        return filtered.orderBy('period_start').orderBy('variant').orderBy('id');
      });
    },
  });
}
