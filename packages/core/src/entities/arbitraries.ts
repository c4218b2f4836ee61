/**
 * fast-check arbitraries of valid entity inputs, one per entity, for property
 * tests here and in other suites (storage, server, state machines). Every value
 * they produce passes its schema; dates are `Date` objects (their ISO strings
 * pass too). Test-only: not re-exported from `@churn/core`, so fast-check never
 * becomes a runtime dependency. Other suites of the workspace import this file by
 * relative path (it is not in the package's `exports`).
 */
import fc from 'fast-check';
import type { z } from 'zod';
import type { ABTestInput } from './ab-test.js';
import type { AdminUserInput } from './admin-user.js';
import type { AnalyticsInput } from './analytics.js';
import type { ChatMessageInput } from './chat-message.js';
import type { ChatSessionInput } from './chat-session.js';
import type { ChunkInput } from './chunk.js';
import type { ChurnPreventionMetricsInput } from './churn-prevention-metrics.js';
import type { ConversationInput } from './conversation.js';
import type { CustomerInput } from './customer.js';
import type { DocumentInput } from './document.js';
import {
  accountStatuses,
  adminRoles,
  type ChatSessionOutcome,
  type ChatSessionStatus,
  type ConversationStatus,
  cardTypes,
  chatMessageSenders,
  chatMessageTypes,
  chatSessionStatuses,
  conversationStatuses,
  docTypes,
  escalationStatuses,
  feedbackTypes,
  integrationPlatforms,
  messageRoles,
  paymentMethodStatuses,
  riskCategories,
  riskSeverities,
} from './enums.js';
import type { EscalationInput } from './escalation.js';
import type { FeedbackInput } from './feedback.js';
import type { IntegrationInput } from './integration.js';
import type { MessageInput } from './message.js';
import { safeParseEntity } from './parse-entity.js';
import type { PaymentMethodInput } from './payment-method.js';
import type { RetrievalInput } from './retrieval.js';
import type { TenantInput } from './tenant.js';

/** An id like `cus_a1B2`. */
export const idArbitrary = (): fc.Arbitrary<string> =>
  fc.stringMatching(/^[a-z]{2,4}_[A-Za-z0-9]{1,24}$/);

/** Short text with at least one visible character. */
export const textArbitrary = (): fc.Arbitrary<string> =>
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 .,'!?-]{0,40}$/);

/** An email address zod accepts. */
export const emailArbitrary = (): fc.Arbitrary<string> =>
  fc.stringMatching(/^[a-z0-9]{1,12}(?:\.[a-z0-9]{1,8})?@[a-z0-9]{1,12}\.[a-z]{2,6}$/);

/** A lowercase slug like `billing` or `low_confidence`. */
export const slugArbitrary = (): fc.Arbitrary<string> =>
  fc.stringMatching(/^[a-z0-9]{1,12}(?:[-_][a-z0-9]{1,8}){0,2}$/);

/** An instant between 2000 and 2090 (UTC), millisecond precision. */
export const dateArbitrary = (): fc.Arbitrary<Date> =>
  fc.date({
    min: new Date('2000-01-01T00:00:00.000Z'),
    max: new Date('2090-01-01T00:00:00.000Z'),
    noInvalidDate: true,
  });

/** A finite double in range, never -0 (JSON cannot carry -0). */
const finiteDouble = (constraints: { min: number; max: number }): fc.Arbitrary<number> =>
  fc.double({ ...constraints, noNaN: true }).map((value) => value + 0);

const plusMilliseconds = (date: Date, milliseconds: number): Date =>
  new Date(date.getTime() + milliseconds);

const httpsUrlArbitrary = (): fc.Arbitrary<string> =>
  fc
    .tuple(fc.stringMatching(/^[a-z0-9]{1,10}$/), fc.stringMatching(/^[a-z0-9/-]{0,20}$/))
    .map(([host, path]) => `https://${host}.example.com/${path}`);

const hexColorArbitrary = (): fc.Arbitrary<string> => fc.stringMatching(/^#[0-9a-f]{6}$/);

/** A valid Customer input; at-risk customers always carry a risk category and severity. */
export const customerArbitrary = (): fc.Arbitrary<CustomerInput> =>
  fc
    .record(
      {
        id: idArbitrary(),
        tenantId: idArbitrary(),
        name: textArbitrary(),
        email: emailArbitrary(),
        phone: fc.stringMatching(/^\+[1-9][0-9]{6,12}$/),
        accountStatus: fc.constantFrom(...accountStatuses),
        riskCategory: fc.constantFrom(...riskCategories),
        riskSeverity: fc.constantFrom(...riskSeverities),
        lastPaymentDate: dateArbitrary(),
        accountValue: finiteDouble({ min: 0.01, max: 1_000_000 }),
        customerSince: dateArbitrary(),
      },
      {
        requiredKeys: [
          'id',
          'tenantId',
          'name',
          'email',
          'accountStatus',
          'accountValue',
          'customerSince',
        ],
      },
    )
    .map((customer) =>
      customer.accountStatus === 'at-risk'
        ? {
            ...customer,
            riskCategory: customer.riskCategory ?? 'failed-payment',
            riskSeverity: customer.riskSeverity ?? 'high',
          }
        : customer,
    );

/** A valid PaymentMethod input against `now` (the expiry year is `now`'s UTC year or later). */
export const paymentMethodArbitrary = (
  options: { now?: Date } = {},
): fc.Arbitrary<PaymentMethodInput> => {
  const currentYear = (options.now ?? new Date()).getUTCFullYear();
  return fc.record(
    {
      id: idArbitrary(),
      tenantId: idArbitrary(),
      customerId: idArbitrary(),
      cardType: fc.constantFrom(...cardTypes),
      lastFourDigits: fc.stringMatching(/^[0-9]{4}$/),
      expiryMonth: fc.integer({ min: 1, max: 12 }),
      expiryYear: fc.integer({ min: currentYear, max: currentYear + 20 }),
      status: fc.constantFrom(...paymentMethodStatuses),
      failureCount: fc.nat({ max: 50 }),
      lastFailureDate: dateArbitrary(),
      lastSuccessDate: dateArbitrary(),
    },
    {
      requiredKeys: [
        'id',
        'tenantId',
        'customerId',
        'cardType',
        'lastFourDigits',
        'expiryMonth',
        'expiryYear',
        'status',
        'failureCount',
      ],
    },
  );
};

/** A valid AdminUser input. */
export const adminUserArbitrary = (): fc.Arbitrary<AdminUserInput> =>
  fc.record(
    {
      id: idArbitrary(),
      tenantId: idArbitrary(),
      name: textArbitrary(),
      email: emailArbitrary(),
      role: fc.constantFrom(...adminRoles),
      lastLoginTime: dateArbitrary(),
    },
    { requiredKeys: ['id', 'tenantId', 'name', 'email', 'role'] },
  );

/** A consistent recovery timeline: status, outcome, start, end and resolution time. */
export interface RecoveryTimeline {
  status: ChatSessionStatus;
  outcome?: ChatSessionOutcome;
  paymentAttempted: boolean;
  startedAt: Date;
  endedAt?: Date;
  resolutionTime?: number;
}

const completedOutcomes: ChatSessionOutcome[] = [
  'payment-updated',
  'customer-declined',
  'technical-failure',
];

/**
 * A recovery timeline that passes every rule: completed sessions last at most
 * 180 s, abandoned ones any length; ended ones carry an outcome, and sometimes
 * their (correct) resolution time.
 */
export const recoveryTimelineArbitrary = (): fc.Arbitrary<RecoveryTimeline> =>
  fc
    .record({
      status: fc.constantFrom(...chatSessionStatuses),
      startedAt: dateArbitrary(),
      completedMilliseconds: fc.integer({ min: 1, max: 180_000 }),
      abandonedMilliseconds: fc.integer({ min: 1, max: 86_400_000 }),
      completedOutcome: fc.constantFrom(...completedOutcomes),
      paymentAttempted: fc.boolean(),
      giveResolutionTime: fc.boolean(),
    })
    .map((draft) => {
      const timeline: RecoveryTimeline = {
        status: draft.status,
        paymentAttempted: draft.paymentAttempted,
        startedAt: draft.startedAt,
      };
      if (draft.status === 'completed' || draft.status === 'abandoned') {
        const milliseconds =
          draft.status === 'completed' ? draft.completedMilliseconds : draft.abandonedMilliseconds;
        timeline.endedAt = plusMilliseconds(draft.startedAt, milliseconds);
        timeline.outcome = draft.status === 'completed' ? draft.completedOutcome : 'abandoned';
        if (timeline.outcome === 'payment-updated') timeline.paymentAttempted = true;
        if (draft.giveResolutionTime) timeline.resolutionTime = milliseconds / 1000;
      }
      return timeline;
    });

/** A valid Conversation input: support or recovery, every timeline rule kept. */
export const conversationArbitrary = (): fc.Arbitrary<ConversationInput> =>
  fc
    .record({
      id: idArbitrary(),
      tenantId: idArbitrary(),
      sessionId: idArbitrary(),
      userId: fc.option(idArbitrary(), { nil: null }),
      customerId: idArbitrary(),
      anonymousSupport: fc.boolean(),
      purpose: fc.constantFrom('recovery' as const, 'support' as const),
      supportStatus: fc.constantFrom(...conversationStatuses),
      supportMilliseconds: fc.integer({ min: 1, max: 86_400_000 }),
      escalatedEnded: fc.boolean(),
      escalated: fc.boolean(),
      activityShare: finiteDouble({ min: 0, max: 1 }),
      adminUserId: idArbitrary(),
      timeline: recoveryTimelineArbitrary(),
    })
    .map((draft): ConversationInput => {
      const { timeline } = draft;
      const startedAt = timeline.startedAt;
      let endedAt: Date | undefined;
      let status: ConversationStatus;
      if (draft.purpose === 'recovery') {
        endedAt = timeline.endedAt;
        status = draft.escalated ? 'escalated' : endedAt === undefined ? 'active' : 'closed';
      } else {
        status = draft.supportStatus;
        const ends = status === 'closed' || (status === 'escalated' && draft.escalatedEnded);
        endedAt = ends ? plusMilliseconds(startedAt, draft.supportMilliseconds) : undefined;
      }
      const span = (endedAt ?? plusMilliseconds(startedAt, draft.supportMilliseconds)).getTime();
      const lastActivity = new Date(
        startedAt.getTime() + Math.floor((span - startedAt.getTime()) * draft.activityShare),
      );
      const conversation: ConversationInput = {
        id: draft.id,
        tenantId: draft.tenantId,
        purpose: draft.purpose,
        sessionId: draft.sessionId,
        userId: draft.userId,
        customerId: draft.purpose === 'support' && draft.anonymousSupport ? null : draft.customerId,
        startedAt,
        lastActivity,
        status,
      };
      if (endedAt !== undefined) conversation.endedAt = endedAt;
      if (draft.purpose === 'recovery') {
        conversation.recovery = {
          status: timeline.status,
          adminUserId: draft.adminUserId,
          paymentAttempted: timeline.paymentAttempted,
          ...(timeline.outcome === undefined ? {} : { outcome: timeline.outcome }),
          ...(timeline.resolutionTime === undefined
            ? {}
            : { resolutionTime: timeline.resolutionTime }),
        };
      }
      return conversation;
    });

/** A valid Message input; only assistant messages carry a confidence score. */
export const messageArbitrary = (): fc.Arbitrary<MessageInput> =>
  fc
    .record(
      {
        id: idArbitrary(),
        conversationId: idArbitrary(),
        role: fc.constantFrom(...messageRoles),
        content: textArbitrary(),
        timestamp: dateArbitrary(),
        confidenceScore: finiteDouble({ min: 0, max: 1 }),
        queryType: slugArbitrary(),
        messageType: fc.constantFrom(...chatMessageTypes),
      },
      { requiredKeys: ['id', 'conversationId', 'role', 'content', 'timestamp'] },
    )
    .map(({ confidenceScore, ...message }) =>
      message.role === 'assistant' && confidenceScore !== undefined
        ? { ...message, confidenceScore }
        : message,
    );

/** A valid ChatMessage input (seed shape). */
export const chatMessageArbitrary = (): fc.Arbitrary<ChatMessageInput> =>
  fc.record({
    id: idArbitrary(),
    chatSessionId: idArbitrary(),
    sender: fc.constantFrom(...chatMessageSenders),
    content: textArbitrary(),
    timestamp: dateArbitrary(),
    messageType: fc.constantFrom(...chatMessageTypes),
  });

/** A valid ChatSession input (seed shape), with messages inside its timeframe. */
export const chatSessionArbitrary = (): fc.Arbitrary<ChatSessionInput> =>
  fc
    .record({
      id: idArbitrary(),
      tenantId: idArbitrary(),
      customerId: idArbitrary(),
      adminUserId: idArbitrary(),
      timeline: recoveryTimelineArbitrary(),
      messages: fc.array(
        fc.record({ message: chatMessageArbitrary(), share: finiteDouble({ min: 0, max: 1 }) }),
        { maxLength: 5 },
      ),
    })
    .map(({ timeline, messages, ...draft }): ChatSessionInput => {
      const start = timeline.startedAt.getTime();
      const end = timeline.endedAt?.getTime() ?? start + 180_000;
      const session: ChatSessionInput = {
        ...draft,
        status: timeline.status,
        startTime: timeline.startedAt,
        paymentAttempted: timeline.paymentAttempted,
        conversationHistory: messages.map(({ message, share }) => ({
          ...message,
          chatSessionId: draft.id,
          timestamp: new Date(start + Math.floor((end - start) * share)),
        })),
      };
      if (timeline.endedAt !== undefined) session.endTime = timeline.endedAt;
      if (timeline.outcome !== undefined) session.outcome = timeline.outcome;
      if (timeline.resolutionTime !== undefined) session.resolutionTime = timeline.resolutionTime;
      return session;
    });

/** Valid ChurnPreventionMetrics input. */
export const churnPreventionMetricsArbitrary = (): fc.Arbitrary<ChurnPreventionMetricsInput> =>
  fc
    .record({
      id: idArbitrary(),
      tenantId: idArbitrary(),
      periodStart: dateArbitrary(),
      periodMilliseconds: fc.integer({ min: 1, max: 366 * 86_400_000 }),
      totalInterventions: fc.nat({ max: 100_000 }),
      resolvedShare: finiteDouble({ min: 0, max: 1 }),
      averageResolutionTime: finiteDouble({ min: 0, max: 180 }),
      customerRetentionRate: finiteDouble({ min: 0, max: 100 }),
      revenueRetained: finiteDouble({ min: 0, max: 10_000_000 }),
    })
    .map(({ periodMilliseconds, resolvedShare, ...metrics }) => ({
      ...metrics,
      periodEnd: plusMilliseconds(metrics.periodStart, periodMilliseconds),
      successfulResolutions: Math.floor(metrics.totalInterventions * resolvedShare),
    }));

/** A valid Tenant input. */
export const tenantArbitrary = (): fc.Arbitrary<TenantInput> =>
  fc
    .record(
      {
        id: idArbitrary(),
        name: textArbitrary(),
        apiKey: fc.stringMatching(/^ck_[A-Za-z0-9]{16,40}$/),
        usageQuota: fc.nat({ max: 10_000_000 }),
        customBranding: fc.record(
          {
            name: textArbitrary(),
            greeting: textArbitrary(),
            logoUrl: httpsUrlArbitrary(),
            primaryColor: hexColorArbitrary(),
            backgroundColor: hexColorArbitrary(),
            textColor: hexColorArbitrary(),
          },
          { requiredKeys: [] },
        ),
        allowedOrigins: fc.array(
          fc
            .tuple(fc.constantFrom('https', 'http'), fc.stringMatching(/^[a-z0-9]{1,10}$/))
            .map(([scheme, host]) => `${scheme}://${host}.example.com`),
          { maxLength: 4 },
        ),
        createdAt: dateArbitrary(),
        updatedMilliseconds: fc.nat({ max: 10 * 365 * 86_400_000 }),
      },
      {
        requiredKeys: ['id', 'name', 'apiKey', 'createdAt', 'updatedMilliseconds'],
      },
    )
    .map(({ updatedMilliseconds, ...tenant }) => ({
      ...tenant,
      updatedAt: plusMilliseconds(tenant.createdAt, updatedMilliseconds),
    }));

/** A valid Document input. */
export const documentArbitrary = (): fc.Arbitrary<DocumentInput> =>
  fc.record({
    id: idArbitrary(),
    tenantId: idArbitrary(),
    sourceUrl: httpsUrlArbitrary(),
    title: textArbitrary(),
    content: textArbitrary(),
    docType: fc.constantFrom(...docTypes),
    category: slugArbitrary(),
    lastUpdated: dateArbitrary(),
    scrapedAt: dateArbitrary(),
  });

/** A valid Chunk input, its metadata naming its document; embeddings of `dimensions` numbers when given. */
export const chunkArbitrary = (options: { dimensions?: number } = {}): fc.Arbitrary<ChunkInput> =>
  fc
    .record({
      id: idArbitrary(),
      document: documentArbitrary(),
      content: textArbitrary(),
      tokenCount: fc.integer({ min: 1, max: 2000 }),
      headingPath: fc.array(textArbitrary(), { maxLength: 4 }),
      index: fc.nat({ max: 500 }),
      embedding: fc.array(finiteDouble({ min: -1, max: 1 }), {
        minLength: options.dimensions ?? 1,
        maxLength: options.dimensions ?? 64,
      }),
      createdAt: dateArbitrary(),
    })
    .map(({ document, headingPath, index, ...chunk }) => ({
      ...chunk,
      documentId: document.id,
      metadata: {
        tenantId: document.tenantId,
        documentId: document.id,
        sourceUrl: document.sourceUrl,
        title: document.title,
        docType: document.docType,
        category: document.category,
        headingPath,
        index,
      },
    }));

/** A valid Retrieval input. */
export const retrievalArbitrary = (): fc.Arbitrary<RetrievalInput> =>
  fc.record({
    id: idArbitrary(),
    messageId: idArbitrary(),
    chunkId: idArbitrary(),
    similarityScore: finiteDouble({ min: -1, max: 1 }),
    rerankScore: finiteDouble({ min: 0, max: 1 }),
    rankPosition: fc.integer({ min: 1, max: 100 }),
  });

/** A valid Feedback input; comment feedback always carries a comment. */
export const feedbackArbitrary = (): fc.Arbitrary<FeedbackInput> =>
  fc
    .record(
      {
        id: idArbitrary(),
        messageId: idArbitrary(),
        userId: fc.option(idArbitrary(), { nil: null }),
        feedbackType: fc.constantFrom(...feedbackTypes),
        rating: fc.integer({ min: 1, max: 5 }),
        comment: textArbitrary(),
        timestamp: dateArbitrary(),
      },
      { requiredKeys: ['id', 'messageId', 'userId', 'feedbackType', 'timestamp'] },
    )
    .map((feedback) =>
      feedback.feedbackType === 'comment' && feedback.comment === undefined
        ? { ...feedback, comment: 'Helpful, thanks' }
        : feedback,
    );

/** A valid Analytics input. */
export const analyticsArbitrary = (): fc.Arbitrary<AnalyticsInput> =>
  fc.record({
    id: idArbitrary(),
    tenantId: idArbitrary(),
    metricName: slugArbitrary(),
    metricValue: finiteDouble({ min: -1e9, max: 1e9 }),
    dimensions: fc.dictionary(
      fc.stringMatching(/^[a-z_]{1,12}$/),
      fc.oneof(textArbitrary(), fc.integer(), fc.boolean()),
      { maxKeys: 4 },
    ),
    recordedAt: dateArbitrary(),
  });

/** A valid ABTest input. */
export const abTestArbitrary = (): fc.Arbitrary<ABTestInput> =>
  fc.record({
    id: idArbitrary(),
    tenantId: idArbitrary(),
    testName: textArbitrary(),
    variant: fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/),
    userId: idArbitrary(),
    assignedAt: dateArbitrary(),
  });

/** A valid Escalation input. */
export const escalationArbitrary = (): fc.Arbitrary<EscalationInput> =>
  fc.record(
    {
      id: idArbitrary(),
      conversationId: idArbitrary(),
      reason: slugArbitrary(),
      ticketId: idArbitrary(),
      escalatedAt: dateArbitrary(),
      status: fc.constantFrom(...escalationStatuses),
    },
    { requiredKeys: ['id', 'conversationId', 'reason', 'escalatedAt'] },
  );

/** A valid Integration input; webhook integrations always carry a URL. */
export const integrationArbitrary = (): fc.Arbitrary<IntegrationInput> =>
  fc
    .record(
      {
        id: idArbitrary(),
        tenantId: idArbitrary(),
        platform: fc.constantFrom(...integrationPlatforms),
        config: fc.dictionary(
          fc.stringMatching(/^[a-zA-Z]{1,12}$/),
          fc.oneof(textArbitrary(), fc.integer(), fc.boolean(), fc.constant(null)),
          { maxKeys: 4 },
        ),
        webhookUrl: httpsUrlArbitrary(),
        createdAt: dateArbitrary(),
      },
      { requiredKeys: ['id', 'tenantId', 'platform', 'config', 'createdAt'] },
    )
    .map((integration) =>
      integration.platform === 'webhook' && integration.webhookUrl === undefined
        ? { ...integration, webhookUrl: 'https://hooks.example.com/churn' }
        : integration,
    );

/**
 * Throws (so fast-check and vitest report it) unless parsing `input` with
 * `schema` fails with a ValidationError that has an issue at exactly `path`
 * whose message matches `message`. Used to prove that one rule, and no other,
 * rejects an input.
 */
export function assertRuleBroken(
  schema: z.ZodType,
  input: unknown,
  path: (string | number)[],
  message: RegExp,
): void {
  const result = safeParseEntity(schema, input, 'entity');
  if (result.success) {
    throw new Error(`expected an issue at ${JSON.stringify(path)}, but the input passed`);
  }
  const found = result.error.issues.some(
    (issue) => JSON.stringify(issue.path) === JSON.stringify(path) && message.test(issue.message),
  );
  if (!found) {
    throw new Error(
      `expected an issue at ${JSON.stringify(path)} matching ${message}, got ${JSON.stringify(result.error.issues)}`,
    );
  }
}
