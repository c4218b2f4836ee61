import { z } from 'zod';
import { expecting, IdSchema, slug, TimestampSchema } from './fields.js';

/** One dimension value of a metric: text, a number or true/false. */
const DimensionValueSchema = z.union([z.string(), z.number(), z.boolean()], {
  error: 'must be text, a number or true/false',
});

/** One recorded metric value of a tenant (support-agent seed). */
export const AnalyticsSchema = z.object({
  id: IdSchema,
  tenantId: IdSchema,
  /** A slug like `response_time` or `satisfaction`, at most 100 characters. */
  metricName: slug('response_time'),
  metricValue: z.number({ error: expecting('must be a finite number') }),
  /** What the value is broken down by, like `{ "category": "billing" }`. */
  dimensions: z
    .record(z.string(), DimensionValueSchema, {
      error: expecting('must be an object like { "category": "billing" }'),
    })
    .default({}),
  recordedAt: TimestampSchema,
});

/** A validated analytics record. */
export type Analytics = z.output<typeof AnalyticsSchema>;
/** What {@link AnalyticsSchema} accepts. */
export type AnalyticsInput = z.input<typeof AnalyticsSchema>;
