import { z } from 'zod';
import { expecting, IdSchema, nonEmptyText, TimestampSchema } from './fields.js';

/** One user's assignment to a variant of an A/B test (support-agent seed's A_B_TEST). */
export const ABTestSchema = z.object({
  id: IdSchema,
  tenantId: IdSchema,
  /** What is tested, like `chunking`, `retrieval` or `prompts`; at most 100 characters. */
  testName: nonEmptyText(100),
  /** The variant, like `A`, `B` or `C`; 1 to 10 characters without spaces. */
  variant: z
    .string({ error: expecting('must be a variant name like A') })
    .regex(/^\S{1,10}$/, { error: 'must be a variant name like A: 1 to 10 characters, no spaces' }),
  /** The user (or, for anonymous visitors, the session) assigned. */
  userId: IdSchema,
  assignedAt: TimestampSchema,
});

/** A validated A/B test assignment. */
export type ABTest = z.output<typeof ABTestSchema>;
/** What {@link ABTestSchema} accepts. */
export type ABTestInput = z.input<typeof ABTestSchema>;
