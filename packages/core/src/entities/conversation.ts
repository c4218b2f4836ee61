import { z } from 'zod';
import {
  chatSessionOutcomes,
  chatSessionStatuses,
  conversationPurposes,
  conversationStatuses,
} from './enums.js';
import { alwaysRun, expecting, IdSchema, isValidDate, TimestampSchema } from './fields.js';
import { checkEndAfterStart, checkRecoveryRules, secondsBetween } from './recovery-rules.js';

export { recoveryTimeLimitSeconds, terminalChatSessionStatuses } from './recovery-rules.js';

/**
 * What a recovery conversation carries beyond a support one: the churn-prevention
 * seed's ChatSession fields that the support seed's CONVERSATION lacks.
 */
export const RecoveryDetailsSchema = z.object({
  /** The recovery state machine's state. */
  status: z.enum(chatSessionStatuses, {
    error: expecting(
      'must be one of: initiated, in-progress, payment-requested, payment-processing, completed, abandoned',
    ),
  }),
  /** How the session ended; present exactly when status is completed or abandoned. */
  outcome: z
    .enum(chatSessionOutcomes, {
      error: expecting(
        'must be one of: payment-updated, customer-declined, technical-failure, abandoned',
      ),
    })
    .optional(),
  /** The operator who started the intervention (or the rule's service user). */
  adminUserId: IdSchema,
  paymentAttempted: z.boolean({ error: expecting('must be true or false') }),
  /**
   * Seconds from start to end. Derived: when given it must equal
   * (endedAt - startedAt) / 1000; when left out it is filled in once the session has ended.
   */
  resolutionTime: z
    .number({ error: expecting('must be a number of seconds, 0 or more') })
    .min(0, { error: 'must be a number of seconds, 0 or more' })
    .optional(),
});

/**
 * One conversation, the single model of both seeds: a support conversation
 * (support seed's CONVERSATION) or a payment-recovery session (churn-prevention
 * seed's ChatSession), told apart by `purpose`. A recovery conversation names its
 * customer and carries `recovery`; the seed-shaped ChatSession is a view of it.
 */
export const ConversationSchema = z
  .object({
    id: IdSchema,
    tenantId: IdSchema,
    purpose: z.enum(conversationPurposes, { error: expecting('must be recovery or support') }),
    /** The browser or link session that tracks the visitor across page loads. */
    sessionId: IdSchema,
    /** The tenant's id for the end user; null for an anonymous visitor. */
    userId: IdSchema.nullable(),
    /** The Customer this conversation is about; required for recovery, null for anonymous support. */
    customerId: IdSchema.nullable(),
    startedAt: TimestampSchema,
    lastActivity: TimestampSchema,
    /** When the conversation ended; absent while it is active. */
    endedAt: TimestampSchema.optional(),
    status: z.enum(conversationStatuses, {
      error: expecting('must be one of: active, closed, escalated'),
    }),
    recovery: RecoveryDetailsSchema.optional(),
  })
  .superRefine((conversation, context) => {
    const issues = checkEndAfterStart(conversation, { startedAt: 'startedAt', endedAt: 'endedAt' });
    const { startedAt, endedAt, lastActivity } = conversation;
    if (isValidDate(startedAt) && isValidDate(lastActivity) && lastActivity < startedAt) {
      issues.push({ path: ['lastActivity'], message: 'must not be before startedAt' });
    }
    if (isValidDate(endedAt) && isValidDate(lastActivity) && lastActivity > endedAt) {
      issues.push({ path: ['lastActivity'], message: 'must not be after endedAt' });
    }
    if (conversation.status === 'active' && endedAt !== undefined) {
      issues.push({
        path: ['endedAt'],
        message: 'must be absent while status is active: close the conversation first',
      });
    }
    if (conversation.status === 'closed' && endedAt === undefined) {
      issues.push({
        path: ['endedAt'],
        message: 'is required once status is closed: when did the conversation end?',
      });
    }
    if (conversation.purpose === 'recovery') {
      if (conversation.customerId === null) {
        issues.push({
          path: ['customerId'],
          message: 'is required when purpose is recovery: name the customer being helped',
        });
      }
      const recovery = conversation.recovery;
      if (recovery === undefined) {
        issues.push({
          path: ['recovery'],
          message: 'is required when purpose is recovery: status, adminUserId and paymentAttempted',
        });
      } else if (typeof recovery === 'object' && recovery !== null) {
        issues.push(
          ...checkRecoveryRules(
            { ...recovery, startedAt, endedAt },
            {
              startedAt: 'startedAt',
              endedAt: 'endedAt',
              status: ['recovery', 'status'],
              outcome: ['recovery', 'outcome'],
              paymentAttempted: ['recovery', 'paymentAttempted'],
              resolutionTime: ['recovery', 'resolutionTime'],
            },
          ),
        );
      }
    }
    if (conversation.purpose === 'support' && conversation.recovery !== undefined) {
      issues.push({
        path: ['recovery'],
        message: 'must be absent when purpose is support: only recovery conversations carry it',
      });
    }
    for (const issue of issues) context.addIssue({ code: 'custom', ...issue });
  }, alwaysRun)
  .transform((conversation) => {
    if (conversation.recovery === undefined || conversation.endedAt === undefined) {
      return conversation;
    }
    const resolutionTime = secondsBetween(conversation.startedAt, conversation.endedAt);
    return { ...conversation, recovery: { ...conversation.recovery, resolutionTime } };
  });

/** A validated conversation; a recovery one that has ended carries its derived `resolutionTime`. */
export type Conversation = z.output<typeof ConversationSchema>;
/** What {@link ConversationSchema} accepts. */
export type ConversationInput = z.input<typeof ConversationSchema>;
/** The recovery details of a validated conversation. */
export type RecoveryDetails = z.output<typeof RecoveryDetailsSchema>;
