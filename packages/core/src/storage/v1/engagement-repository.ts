import type { ABTest } from '../../entities/ab-test.js';
import type { Analytics } from '../../entities/analytics.js';
import type { ChurnPreventionMetrics } from '../../entities/churn-prevention-metrics.js';
import type { EscalationStatus, FeedbackType, IntegrationPlatform } from '../../entities/enums.js';
import type { Escalation } from '../../entities/escalation.js';
import type { Feedback } from '../../entities/feedback.js';
import type { Integration } from '../../entities/integration.js';
import type { JsonObject, PageOptions } from './storage-v1.js';

/**
 * A user's feedback on one answer (the core `Feedback` plus its tenant). One per
 * message and user; anonymous feedback (`userId` null) is not limited.
 */
export type FeedbackRecord = Feedback & { tenantId: string };

/** What {@link FeedbackRepository.create} takes. */
export interface NewFeedback {
  id?: string;
  tenantId: string;
  messageId: string;
  userId?: string | null;
  feedbackType: FeedbackType;
  rating?: number;
  comment?: string;
  timestamp?: Date;
}

/** Feedback. A second feedback of the same user on the same message is a `conflict`. */
export interface FeedbackRepository {
  create(feedback: NewFeedback): Promise<FeedbackRecord>;
  /** Newest first, of one message or of the whole tenant. */
  list(options: { tenantId: string; messageId?: string } & PageOptions): Promise<FeedbackRecord[]>;
}

/** One recorded metric value: the core `Analytics` (support seed's ANALYTICS). */
export type AnalyticsRecord = Analytics;

/** What {@link AnalyticsRepository.record} takes. */
export interface NewAnalyticsRecord {
  id?: string;
  tenantId: string;
  metricName: string;
  metricValue: number;
  dimensions?: Analytics['dimensions'];
  recordedAt?: Date;
}

/** Metric values. */
export interface AnalyticsRepository {
  record(entry: NewAnalyticsRecord): Promise<AnalyticsRecord>;
  /** Oldest first, optionally of one metric and within `[from, to)`. */
  list(
    options: { tenantId: string; metricName?: string; from?: Date; to?: Date } & PageOptions,
  ): Promise<AnalyticsRecord[]>;
}

/** A hand-over to a human: the core `Escalation` plus its tenant and when it left `pending`. */
export type EscalationRecord = Escalation & { tenantId: string; resolvedAt?: Date };

/** What {@link EscalationRepository.create} takes. */
export interface NewEscalation {
  id?: string;
  tenantId: string;
  conversationId: string;
  reason: string;
  ticketId?: string;
  /** Default `pending`. */
  status?: EscalationStatus;
  escalatedAt?: Date;
}

/** Escalations. */
export interface EscalationRepository {
  create(escalation: NewEscalation): Promise<EscalationRecord>;
  get(options: { tenantId: string; id: string }): Promise<EscalationRecord | undefined>;
  /** Newest first. */
  list(
    options: {
      tenantId: string;
      status?: EscalationStatus;
      conversationId?: string;
    } & PageOptions,
  ): Promise<EscalationRecord[]>;
  /** Moves the escalation on; `resolvedAt` is set when it leaves `pending` for the first time. */
  update(options: {
    tenantId: string;
    id: string;
    changes: { status?: EscalationStatus; ticketId?: string | null };
  }): Promise<EscalationRecord>;
}

/** Where escalations go: the core `Integration` plus an on/off switch. */
export type IntegrationRecord = Integration & { enabled: boolean; updatedAt: Date };

/** What {@link IntegrationRepository.create} takes. */
export interface NewIntegration {
  id?: string;
  tenantId: string;
  platform: IntegrationPlatform;
  config: JsonObject;
  webhookUrl?: string;
  /** Default true. */
  enabled?: boolean;
}

/** Integrations. */
export interface IntegrationRepository {
  create(integration: NewIntegration): Promise<IntegrationRecord>;
  get(options: { tenantId: string; id: string }): Promise<IntegrationRecord | undefined>;
  list(
    options: {
      tenantId: string;
      platform?: IntegrationPlatform;
      enabledOnly?: boolean;
    } & PageOptions,
  ): Promise<IntegrationRecord[]>;
  update(options: {
    tenantId: string;
    id: string;
    changes: { config?: JsonObject; webhookUrl?: string | null; enabled?: boolean };
  }): Promise<IntegrationRecord>;
  delete(options: { tenantId: string; id: string }): Promise<boolean>;
}

/** Where an A/B test stands. */
export type AbTestStatus = 'draft' | 'running' | 'completed';

/** An A/B test of a tenant: its name and variants. Assignments are separate rows. */
export interface AbTestRecord {
  id: string;
  tenantId: string;
  /** Like `chunking` or `retrieval`, unique per tenant. */
  testName: string;
  /** Like `['A', 'B']`: two or more distinct names. */
  variants: string[];
  status: AbTestStatus;
  startedAt?: Date;
  endedAt?: Date;
  createdAt: Date;
}

/** What {@link AbTestRepository.create} takes. */
export interface NewAbTest {
  id?: string;
  tenantId: string;
  testName: string;
  variants: string[];
  /** Default `running`. */
  status?: AbTestStatus;
  startedAt?: Date;
  endedAt?: Date;
}

/** A user's variant in a test: the core `ABTest` row (support seed's A_B_TEST) plus its test's id. */
export type AbTestAssignmentRecord = ABTest & { testId: string };

/** A/B tests and sticky assignments. */
export interface AbTestRepository {
  create(test: NewAbTest): Promise<AbTestRecord>;
  get(options: { tenantId: string; id: string }): Promise<AbTestRecord | undefined>;
  findByName(options: { tenantId: string; testName: string }): Promise<AbTestRecord | undefined>;
  list(options: { tenantId: string } & PageOptions): Promise<AbTestRecord[]>;
  update(options: {
    tenantId: string;
    id: string;
    changes: { status?: AbTestStatus; startedAt?: Date | null; endedAt?: Date | null };
  }): Promise<AbTestRecord>;
  /**
   * Assigns `userId` to `variant` unless already assigned: the first assignment
   * wins and is returned on every later call (sticky). A variant the test does not
   * have is `validation_failed`.
   */
  assign(options: {
    tenantId: string;
    testId: string;
    userId: string;
    variant: string;
  }): Promise<AbTestAssignmentRecord>;
  getAssignment(options: {
    tenantId: string;
    testId: string;
    userId: string;
  }): Promise<AbTestAssignmentRecord | undefined>;
  listAssignments(
    options: { tenantId: string; testId: string } & PageOptions,
  ): Promise<AbTestAssignmentRecord[]>;
}

/**
 * Recovery results over a period: the core `ChurnPreventionMetrics` plus the A/B
 * variant the figures are for (absent for all traffic).
 */
export type ChurnMetricsRecord = ChurnPreventionMetrics & { variant?: string; createdAt: Date };

/** What {@link ChurnMetricsRepository.record} takes. */
export type NewChurnMetrics = Omit<ChurnMetricsRecord, 'id' | 'createdAt'> & { id?: string };

/** Recovery metrics per period. */
export interface ChurnMetricsRepository {
  /** Stores the figures of a period (and variant), replacing earlier figures of the same period. */
  record(metrics: NewChurnMetrics): Promise<ChurnMetricsRecord>;
  /** Periods that start within `[from, to)`, oldest first. */
  list(
    options: { tenantId: string; from?: Date; to?: Date } & PageOptions,
  ): Promise<ChurnMetricsRecord[]>;
}
