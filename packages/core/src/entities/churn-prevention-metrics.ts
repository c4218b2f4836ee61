import { z } from 'zod';
import {
  alwaysRun,
  expecting,
  IdSchema,
  integerAtLeast,
  isValidDate,
  PercentageSchema,
  TimestampSchema,
} from './fields.js';
import { recoveryTimeLimitSeconds } from './recovery-rules.js';

/**
 * Recovery results of one tenant over one period (churn-prevention seed, plus
 * `tenantId`).
 */
export const ChurnPreventionMetricsSchema = z
  .object({
    id: IdSchema,
    tenantId: IdSchema,
    periodStart: TimestampSchema,
    periodEnd: TimestampSchema,
    /** Recovery conversations started in the period. */
    totalInterventions: integerAtLeast(0),
    /** Of those, the ones that ended with the payment method updated. */
    successfulResolutions: integerAtLeast(0),
    /** Mean seconds from start to end of the resolved sessions, at most 180. */
    averageResolutionTime: z
      .number({ error: expecting('must be a number of seconds from 0 to 180') })
      .min(0, { error: 'must be a number of seconds from 0 to 180' })
      .max(recoveryTimeLimitSeconds, {
        error: `must be at most ${recoveryTimeLimitSeconds} seconds: every intervention must finish within 3 minutes`,
      }),
    /** Share of at-risk customers kept, 0 to 100. */
    customerRetentionRate: PercentageSchema,
    /** Monthly value kept, in major units of the tenant's currency, 0 or more. */
    revenueRetained: z
      .number({ error: expecting('must be an amount, 0 or more') })
      .min(0, { error: 'must be an amount, 0 or more' }),
  })
  .superRefine((metrics, context) => {
    const { periodStart, periodEnd, totalInterventions, successfulResolutions } = metrics;
    if (isValidDate(periodStart) && isValidDate(periodEnd) && periodEnd <= periodStart) {
      context.addIssue({
        code: 'custom',
        path: ['periodEnd'],
        message: 'must be after periodStart',
      });
    }
    if (
      typeof totalInterventions === 'number' &&
      typeof successfulResolutions === 'number' &&
      successfulResolutions > totalInterventions
    ) {
      context.addIssue({
        code: 'custom',
        path: ['successfulResolutions'],
        message: `must not exceed totalInterventions (${totalInterventions})`,
      });
    }
  }, alwaysRun);

/** Validated churn-prevention metrics. */
export type ChurnPreventionMetrics = z.output<typeof ChurnPreventionMetricsSchema>;
/** What {@link ChurnPreventionMetricsSchema} accepts. */
export type ChurnPreventionMetricsInput = z.input<typeof ChurnPreventionMetricsSchema>;
