import { z } from 'zod';
import { feedbackTypes } from './enums.js';
import { alwaysRun, expecting, IdSchema, nonEmptyText, TimestampSchema } from './fields.js';

/** A rating from 1 (poor) to 5 (excellent), whole numbers only. */
export const RatingSchema = z
  .number({ error: expecting('must be a whole number from 1 to 5') })
  .int({ error: 'must be a whole number from 1 to 5' })
  .min(1, { error: 'must be a whole number from 1 to 5' })
  .max(5, { error: 'must be a whole number from 1 to 5' });

/**
 * What a person thought of one answer (support-agent seed). A thumbs vote may
 * come without rating or comment; feedback of type `comment` must carry one.
 */
export const FeedbackSchema = z
  .object({
    id: IdSchema,
    messageId: IdSchema,
    /** Who gave it; null for an anonymous visitor. */
    userId: IdSchema.nullable(),
    feedbackType: z.enum(feedbackTypes, {
      error: expecting('must be one of: thumbs_up, thumbs_down, comment'),
    }),
    rating: RatingSchema.optional(),
    comment: nonEmptyText(2000).optional(),
    timestamp: TimestampSchema,
  })
  .superRefine((feedback, context) => {
    if (feedback.feedbackType === 'comment' && feedback.comment === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['comment'],
        message: 'is required when feedbackType is comment',
      });
    }
  }, alwaysRun);

/** Validated feedback. */
export type Feedback = z.output<typeof FeedbackSchema>;
/** What {@link FeedbackSchema} accepts. */
export type FeedbackInput = z.input<typeof FeedbackSchema>;
