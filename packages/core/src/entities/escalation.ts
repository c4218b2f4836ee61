import { z } from 'zod';
import { escalationStatuses } from './enums.js';
import { expecting, IdSchema, nonEmptyText, slug, TimestampSchema } from './fields.js';

/** A conversation handed to a human (support-agent seed). */
export const EscalationSchema = z.object({
  id: IdSchema,
  conversationId: IdSchema,
  /** Why, as a slug like `low_confidence` or `user_frustration`. */
  reason: slug('low_confidence'),
  /** The ticket in the external system, once one exists. */
  ticketId: nonEmptyText(100).optional(),
  escalatedAt: TimestampSchema,
  status: z
    .enum(escalationStatuses, { error: expecting('must be one of: pending, resolved, closed') })
    .default('pending'),
});

/** A validated escalation. */
export type Escalation = z.output<typeof EscalationSchema>;
/** What {@link EscalationSchema} accepts (`status` defaults to pending). */
export type EscalationInput = z.input<typeof EscalationSchema>;
