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
  page,
  toJson,
  toNumber,
} from './storage-helpers.js';

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
  return guarded<FeedbackRepository>({
    async create(feedback) {
      const row = await db
        .insertInto('feedback')
        .values({
          id: feedback.id ?? newId(),
          tenant_id: feedback.tenantId,
          message_id: feedback.messageId,
          user_id: feedback.userId ?? null,
          feedback_type: feedback.feedbackType,
          rating: feedback.rating ?? null,
          comment: feedback.comment ?? null,
          timestamp: feedback.timestamp,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toFeedback(row);
    },
    async list(options) {
      const { limit, offset } = page(options);
      let query = db.selectFrom('feedback').selectAll().where('tenant_id', '=', options.tenantId);
      if (options.messageId) query = query.where('message_id', '=', options.messageId);
      const rows = await query
        .orderBy('timestamp', 'desc')
        .orderBy('id')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map(toFeedback);
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
  return guarded<AnalyticsRepository>({
    async record(entry) {
      const row = await db
        .insertInto('analytics')
        .values({
          id: entry.id ?? newId(),
          tenant_id: entry.tenantId,
          metric_name: entry.metricName,
          metric_value: entry.metricValue,
          dimensions: entry.dimensions === undefined ? undefined : toJson(entry.dimensions),
          recorded_at: entry.recordedAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toAnalytics(row);
    },
    async list(options) {
      const { limit, offset } = page(options);
      let query = db.selectFrom('analytics').selectAll().where('tenant_id', '=', options.tenantId);
      if (options.metricName) query = query.where('metric_name', '=', options.metricName);
      if (options.from) query = query.where('recorded_at', '>=', options.from);
      if (options.to) query = query.where('recorded_at', '<', options.to);
      const rows = await query
        .orderBy('recorded_at')
        .orderBy('id')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map(toAnalytics);
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
  return guarded<EscalationRepository>({
    async create(escalation) {
      const row = await db
        .insertInto('escalations')
        .values({
          id: escalation.id ?? newId(),
          tenant_id: escalation.tenantId,
          conversation_id: escalation.conversationId,
          reason: escalation.reason,
          ticket_id: escalation.ticketId ?? null,
          status: escalation.status,
          escalated_at: escalation.escalatedAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toEscalation(row);
    },
    async get({ tenantId, id }) {
      const row = await db
        .selectFrom('escalations')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toEscalation(row) : undefined;
    },
    async list(options) {
      const { limit, offset } = page(options);
      let query = db
        .selectFrom('escalations')
        .selectAll()
        .where('tenant_id', '=', options.tenantId);
      if (options.status) query = query.where('status', '=', options.status);
      if (options.conversationId)
        query = query.where('conversation_id', '=', options.conversationId);
      const rows = await query
        .orderBy('escalated_at', 'desc')
        .orderBy('id')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map(toEscalation);
    },
    async update({ tenantId, id, changes }) {
      const row = await db
        .updateTable('escalations')
        .set(
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
        )
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw notFound('escalation', id);
      return toEscalation(row);
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
  return guarded<IntegrationRepository>({
    async create(integration) {
      const row = await db
        .insertInto('integrations')
        .values({
          id: integration.id ?? newId(),
          tenant_id: integration.tenantId,
          platform: integration.platform,
          config: toJson(integration.config),
          webhook_url: integration.webhookUrl ?? null,
          enabled: integration.enabled,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toIntegration(row);
    },
    async get({ tenantId, id }) {
      const row = await db
        .selectFrom('integrations')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toIntegration(row) : undefined;
    },
    async list(options) {
      const { limit, offset } = page(options);
      let query = db
        .selectFrom('integrations')
        .selectAll()
        .where('tenant_id', '=', options.tenantId);
      if (options.platform) query = query.where('platform', '=', options.platform);
      if (options.enabledOnly) query = query.where('enabled', '=', true);
      const rows = await query
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map(toIntegration);
    },
    async update({ tenantId, id, changes }) {
      const row = await db
        .updateTable('integrations')
        .set(
          compact({
            config: changes.config === undefined ? undefined : toJson(changes.config),
            webhook_url: changes.webhookUrl,
            enabled: changes.enabled,
            updated_at: sql<Date>`now()`,
          }),
        )
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw notFound('integration', id);
      return toIntegration(row);
    },
    async delete({ tenantId, id }) {
      const result = await db
        .deleteFrom('integrations')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
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
  return guarded<AbTestRepository>({
    async create(test) {
      if (new Set(test.variants).size !== test.variants.length) {
        throw new ValidationError('ABTest', [
          { path: ['variants'], message: 'must be distinct names' },
        ]);
      }
      markChanged('ab-tests', test.tenantId);
      const row = await db
        .insertInto('ab_tests')
        .values({
          id: test.id ?? newId(),
          tenant_id: test.tenantId,
          test_name: test.testName,
          variants: [...test.variants],
          status: test.status ?? 'running',
          started_at: test.startedAt ?? null,
          ended_at: test.endedAt ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toAbTest(row);
    },
    async get({ tenantId, id }) {
      const row = await db
        .selectFrom('ab_tests')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toAbTest(row) : undefined;
    },
    async findByName({ tenantId, testName }) {
      const row = await db
        .selectFrom('ab_tests')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('test_name', '=', testName)
        .executeTakeFirst();
      return row ? toAbTest(row) : undefined;
    },
    async list(options) {
      const { limit, offset } = page(options);
      const rows = await db
        .selectFrom('ab_tests')
        .selectAll()
        .where('tenant_id', '=', options.tenantId)
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map(toAbTest);
    },
    async update({ tenantId, id, changes }) {
      markChanged('ab-tests', tenantId);
      const row = await db
        .updateTable('ab_tests')
        .set(
          compact({
            status: changes.status,
            started_at: changes.startedAt,
            ended_at: changes.endedAt,
          }),
        )
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw notFound('A/B test', id);
      return toAbTest(row);
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
      const { limit, offset } = page(options);
      const rows = await db
        .selectFrom('ab_test_assignments')
        .selectAll()
        .where('tenant_id', '=', options.tenantId)
        .where('test_id', '=', options.testId)
        .orderBy('assigned_at')
        .orderBy('id')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map(toAssignment);
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
      const { limit, offset } = page(options);
      let query = db
        .selectFrom('churn_prevention_metrics')
        .selectAll()
        .where('tenant_id', '=', options.tenantId);
      if (options.from) query = query.where('period_start', '>=', options.from);
      if (options.to) query = query.where('period_start', '<', options.to);
      const rows = await query
        .orderBy('period_start')
        .orderBy('variant')
        .orderBy('id')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map(toChurnMetrics);
    },
  });
}
