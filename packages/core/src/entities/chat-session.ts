import { z } from 'zod';
import { ValidationError } from '../errors/validation-error.js';
import {
  type ChatMessage,
  ChatMessageSchema,
  fromChatMessage,
  toChatMessage,
} from './chat-message.js';
import type { Conversation } from './conversation.js';
import { type ConversationStatus, chatSessionOutcomes, chatSessionStatuses } from './enums.js';
import { alwaysRun, expecting, IdSchema, isValidDate, TimestampSchema } from './fields.js';
import type { Message } from './message.js';
import {
  checkEndAfterStart,
  checkRecoveryRules,
  secondsBetween,
  terminalChatSessionStatuses,
} from './recovery-rules.js';

/**
 * The churn-prevention seed's ChatSession, with its own field names (plus
 * `tenantId`): a view of a {@link Conversation} whose purpose is `recovery`, with
 * its messages as `conversationHistory`. Same rules as the conversation: end
 * after start, outcome exactly when ended, resolution time derived, completed
 * within 180 seconds; and every message belongs to the session and falls within
 * its start and end.
 */
export const ChatSessionSchema = z
  .object({
    id: IdSchema,
    tenantId: IdSchema,
    customerId: IdSchema,
    adminUserId: IdSchema,
    status: z.enum(chatSessionStatuses, {
      error: expecting(
        'must be one of: initiated, in-progress, payment-requested, payment-processing, completed, abandoned',
      ),
    }),
    startTime: TimestampSchema,
    endTime: TimestampSchema.optional(),
    outcome: z
      .enum(chatSessionOutcomes, {
        error: expecting(
          'must be one of: payment-updated, customer-declined, technical-failure, abandoned',
        ),
      })
      .optional(),
    conversationHistory: z
      .array(ChatMessageSchema, { error: expecting('must be a list of chat messages') })
      .default([]),
    paymentAttempted: z.boolean({ error: expecting('must be true or false') }),
    /** Seconds from start to end; derived (see ConversationSchema's `recovery.resolutionTime`). */
    resolutionTime: z
      .number({ error: expecting('must be a number of seconds, 0 or more') })
      .min(0, { error: 'must be a number of seconds, 0 or more' })
      .optional(),
  })
  .superRefine((session, context) => {
    const facts = { ...session, startedAt: session.startTime, endedAt: session.endTime };
    const issues = [
      ...checkEndAfterStart(facts, { startedAt: 'startTime', endedAt: 'endTime' }),
      ...checkRecoveryRules(facts, {
        startedAt: 'startTime',
        endedAt: 'endTime',
        status: ['status'],
        outcome: ['outcome'],
        paymentAttempted: ['paymentAttempted'],
        resolutionTime: ['resolutionTime'],
      }),
    ];
    const history: unknown = session.conversationHistory;
    if (Array.isArray(history)) {
      history.forEach((entry: Partial<ChatMessage> | undefined, index) => {
        if (typeof entry !== 'object' || entry === null) return;
        if (typeof entry.chatSessionId === 'string' && entry.chatSessionId !== session.id) {
          issues.push({
            path: ['conversationHistory', index, 'chatSessionId'],
            message: `must be this session's id (${String(session.id)})`,
          });
        }
        const timestamp = entry.timestamp;
        if (!isValidDate(timestamp)) return;
        if (isValidDate(session.startTime) && timestamp < session.startTime) {
          issues.push({
            path: ['conversationHistory', index, 'timestamp'],
            message: 'must be within the session: not before startTime',
          });
        }
        if (isValidDate(session.endTime) && timestamp > session.endTime) {
          issues.push({
            path: ['conversationHistory', index, 'timestamp'],
            message: 'must be within the session: not after endTime',
          });
        }
      });
    }
    for (const issue of issues) context.addIssue({ code: 'custom', ...issue });
  }, alwaysRun)
  .transform((session) =>
    session.endTime === undefined
      ? session
      : { ...session, resolutionTime: secondsBetween(session.startTime, session.endTime) },
  );

/** A validated chat session (seed field names). */
export type ChatSession = z.output<typeof ChatSessionSchema>;
/** What {@link ChatSessionSchema} accepts. */
export type ChatSessionInput = z.input<typeof ChatSessionSchema>;

/**
 * The seed view of a recovery conversation and its messages. Messages are sorted
 * by time; system messages are left out. Throws a {@link ValidationError} if the
 * conversation is not a recovery one or a message belongs to another conversation.
 */
export function toChatSession(
  conversation: Conversation,
  messages: readonly Message[],
): ChatSession {
  const { recovery } = conversation;
  if (
    conversation.purpose !== 'recovery' ||
    recovery === undefined ||
    conversation.customerId === null
  ) {
    throw new ValidationError('ChatSession', [
      {
        path: ['purpose'],
        message:
          'must be recovery (with a customer and recovery details) to be shown as a ChatSession',
      },
    ]);
  }
  const strangers = messages
    .map((message, index) => ({ message, index }))
    .filter(({ message }) => message.conversationId !== conversation.id);
  if (strangers.length > 0) {
    throw new ValidationError(
      'ChatSession',
      strangers.map(({ index }) => ({
        path: ['messages', index, 'conversationId'],
        message: `must be the conversation's id (${conversation.id})`,
      })),
    );
  }
  const conversationHistory = [...messages]
    .sort((left, right) => left.timestamp.getTime() - right.timestamp.getTime())
    .flatMap((message) => toChatMessage(message) ?? []);
  const session: ChatSession = {
    id: conversation.id,
    tenantId: conversation.tenantId,
    customerId: conversation.customerId,
    adminUserId: recovery.adminUserId,
    status: recovery.status,
    startTime: new Date(conversation.startedAt.getTime()),
    conversationHistory,
    paymentAttempted: recovery.paymentAttempted,
  };
  if (conversation.endedAt !== undefined) {
    session.endTime = new Date(conversation.endedAt.getTime());
    session.resolutionTime = secondsBetween(conversation.startedAt, conversation.endedAt);
  }
  if (recovery.outcome !== undefined) session.outcome = recovery.outcome;
  return session;
}

/** What {@link fromChatSession} cannot read from the seed shape. */
export interface FromChatSessionOptions {
  /** The tracking session id; defaults to the chat session's id. */
  sessionId?: string;
  /** The end user's id at the tenant; defaults to null. */
  userId?: string | null;
  /** The conversation status; defaults to `closed` once ended, `active` before. */
  status?: ConversationStatus;
}

/**
 * The recovery conversation and messages a seed-shaped chat session stands for.
 * `lastActivity` is the end time, else the last message's time, else the start.
 */
export function fromChatSession(
  chatSession: ChatSession,
  options: FromChatSessionOptions = {},
): { conversation: Conversation; messages: Message[] } {
  const ended = terminalChatSessionStatuses.includes(chatSession.status);
  const messages = chatSession.conversationHistory.map(fromChatMessage);
  const times = [chatSession.startTime, ...messages.map((message) => message.timestamp)];
  const latest = Math.max(...times.map((time) => time.getTime()));
  const conversation: Conversation = {
    id: chatSession.id,
    tenantId: chatSession.tenantId,
    purpose: 'recovery',
    sessionId: options.sessionId ?? chatSession.id,
    userId: options.userId ?? null,
    customerId: chatSession.customerId,
    startedAt: new Date(chatSession.startTime.getTime()),
    lastActivity: new Date(chatSession.endTime?.getTime() ?? latest),
    status: options.status ?? (ended ? 'closed' : 'active'),
    recovery: {
      status: chatSession.status,
      adminUserId: chatSession.adminUserId,
      paymentAttempted: chatSession.paymentAttempted,
    },
  };
  if (chatSession.endTime !== undefined) {
    conversation.endedAt = new Date(chatSession.endTime.getTime());
  }
  if (conversation.recovery !== undefined) {
    if (chatSession.outcome !== undefined) conversation.recovery.outcome = chatSession.outcome;
    if (chatSession.resolutionTime !== undefined) {
      conversation.recovery.resolutionTime = chatSession.resolutionTime;
    }
  }
  return { conversation, messages };
}
