import {
  type AbTestRecord,
  type AnalyticsRecord,
  type Proportion,
  type StorageV1,
  twoProportionZTest,
} from '@churn/core';
import { loadMetricRows } from '../analytics/metric-series.js';
import { recordDeflections } from '../analytics/record-deflections.js';
import { loadAbTestDefinition } from './ab-test-definition.js';

/** A rate with its counts and, for a treatment, the test against the control. */
export interface RateResult extends Proportion {
  /** successes / trials, or null without trials. */
  rate: number | null;
  /** Two-sided p-value of the two-proportion z-test against the control (treatments only). */
  pValue?: number;
  /** The z statistic (treatment − control). */
  z?: number;
}

/** The figures of one variant. */
export interface VariantResult {
  variant: string;
  control: boolean;
  /** Users assigned. */
  users: number;
  /** Support conversations over, and of those deflected (`deflection` rows). */
  deflection: RateResult;
  /** Recovery interventions, and of those resolved (`interventions`, `resolutions` sums). */
  resolution: RateResult;
  /** Answers rated, and of those thumbs up (`feedback` rows). */
  positiveFeedback: RateResult;
  /** Mean `confidence` of the variant's answers; null without answers. */
  meanConfidence: number | null;
  /** Answers scored. */
  answers: number;
  /** Sum of `revenue_retained`. */
  revenueRetained: number;
}

/** What `GET /api/ab-tests/:id/results` answers. */
export interface AbTestResults {
  testId: string;
  testName: string;
  status: AbTestRecord['status'];
  control: string;
  from: string;
  to: string;
  /** How the p-values are computed. */
  method: 'two-proportion z-test (pooled, two-sided) against the control';
  variants: VariantResult[];
}

const metrics = [
  'deflection',
  'interventions',
  'resolutions',
  'feedback',
  'confidence',
  'revenue_retained',
];

function proportion(successes: number, trials: number): RateResult {
  return { successes, trials, rate: trials > 0 ? successes / trials : null };
}

function withTest(result: RateResult, control: RateResult): RateResult {
  // Resolutions can exceed interventions in a period (a resolution of an earlier
  // intervention): clamp, the z-test needs successes ≤ trials.
  const clamp = (rate: RateResult): Proportion => ({
    successes: Math.min(rate.successes, rate.trials),
    trials: rate.trials,
  });
  const test = twoProportionZTest(clamp(control), clamp(result));
  return { ...result, pValue: test.pValue, z: test.z };
}

/**
 * The results of an A/B test per variant, from the Analytics rows tagged with the test
 * (`ab_test` dimension) between its start (or creation) and its end (or `now`): deflection
 * rate, resolution rate, positive-feedback rate (each with a p-value against the control),
 * mean confidence and revenue retained. Outcomes of conversations that are over are
 * recorded first (`recordDeflections`).
 */
export async function computeAbTestResults(
  storage: StorageV1,
  test: AbTestRecord,
  now: Date = new Date(),
): Promise<AbTestResults> {
  const definition = await loadAbTestDefinition(storage, test);
  await recordDeflections(storage, { tenantId: test.tenantId, now });
  const from = test.startedAt ?? test.createdAt;
  const to = test.endedAt ?? now;
  const rows = await loadMetricRows(storage, {
    tenantId: test.tenantId,
    metrics,
    from,
    to: new Date(to.getTime() + 1),
  });
  const users = new Map<string, number>();
  for (let offset = 0; ; offset += 1000) {
    const page = await storage.abTests.listAssignments({
      tenantId: test.tenantId,
      testId: test.id,
      limit: 1000,
      offset,
    });
    for (const assignment of page)
      users.set(assignment.variant, (users.get(assignment.variant) ?? 0) + 1);
    if (page.length < 1000) break;
  }
  const byVariant = new Map<string, AnalyticsRecord[]>();
  for (const row of rows) {
    if (row.dimensions.ab_test !== test.id) continue;
    const variant = String(row.dimensions.variant);
    byVariant.set(variant, [...(byVariant.get(variant) ?? []), row]);
  }
  const raw = definition.variants.map((variant) => {
    const own = byVariant.get(variant.name) ?? [];
    const of = (name: string) => own.filter((row) => row.metricName === name);
    const sum = (name: string) => of(name).reduce((total, row) => total + row.metricValue, 0);
    const deflection = of('deflection');
    const feedback = of('feedback');
    const confidence = of('confidence');
    return {
      variant: variant.name,
      control: variant.name === definition.control,
      users: users.get(variant.name) ?? 0,
      deflection: proportion(sum('deflection'), deflection.length),
      resolution: proportion(sum('resolutions'), sum('interventions')),
      positiveFeedback: proportion(sum('feedback'), feedback.length),
      meanConfidence: confidence.length > 0 ? sum('confidence') / confidence.length : null,
      answers: confidence.length,
      revenueRetained: Math.round(sum('revenue_retained') * 100) / 100,
    };
  });
  const control = raw.find((variant) => variant.control) ?? raw[0];
  const variants: VariantResult[] = raw.map((variant) =>
    variant.control || !control
      ? variant
      : {
          ...variant,
          deflection: withTest(variant.deflection, control.deflection),
          resolution: withTest(variant.resolution, control.resolution),
          positiveFeedback: withTest(variant.positiveFeedback, control.positiveFeedback),
        },
  );
  return {
    testId: test.id,
    testName: test.testName,
    status: test.status,
    control: definition.control,
    from: from.toISOString(),
    to: to.toISOString(),
    method: 'two-proportion z-test (pooled, two-sided) against the control',
    variants,
  };
}
