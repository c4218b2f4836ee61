import { z } from 'zod';
import { chatMessageTypes, messageRoles } from './enums.js';
import {
  alwaysRun,
  expecting,
  IdSchema,
  nonEmptyText,
  slug,
  TimestampSchema,
  UnitIntervalSchema,
} from './fields.js';

/**
 * One message of a conversation: the one message model of both seeds. The
 * support seed's MESSAGE fields plus the recovery seed's `messageType`. The
 * recovery seed's ChatMessage is a view of it (see `toChatMessage`).
 */
export const MessageSchema = z
  .object({
    id: IdSchema,
    conversationId: IdSchema,
    role: z.enum(messageRoles, { error: expecting('must be one of: user, assistant, system') }),
    /** The text; must hold at least one non-space character. */
    content: nonEmptyText(),
    timestamp: TimestampSchema,
    /** How sure the assistant is of this answer, 0 to 1. Assistant messages only. */
    confidenceScore: UnitIntervalSchema.optional(),
    /** Query classification of a user question, a slug like `billing` or `how-to`. */
    queryType: slug('billing').optional(),
    /** The recovery seed's content classification. */
    messageType: z
      .enum(chatMessageTypes, {
        error: expecting(
          'must be one of: greeting, question, payment-request, confirmation, error',
        ),
      })
      .optional(),
  })
  .superRefine((message, context) => {
    if (message.confidenceScore !== undefined && message.role !== 'assistant') {
      context.addIssue({
        code: 'custom',
        path: ['confidenceScore'],
        message: 'must be absent unless role is assistant: only answers carry a confidence score',
      });
    }
  }, alwaysRun);

/** A validated message. */
export type Message = z.output<typeof MessageSchema>;
/** What {@link MessageSchema} accepts. */
export type MessageInput = z.input<typeof MessageSchema>;
