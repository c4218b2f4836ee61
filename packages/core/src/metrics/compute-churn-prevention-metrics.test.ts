import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../clock.js';
import { ChurnPreventionMetricsSchema } from '../entities/churn-prevention-metrics.js';
import { chatSessionOutcomes, chatSessionStatuses } from '../entities/enums.js';
import { ValidationError } from '../errors/validation-error.js';
import { computeChurnPreventionMetrics } from './compute-churn-prevention-metrics.js';
import type { MetricsCustomer, MetricsSession } from './metrics-session.js';

const periodStart = new Date('2025-03-01T00:00:00.000Z');
const periodEnd = new Date('2025-04-01T00:00:00.000Z');

/** A session started at `start` that ended `seconds` later (or is still open). */
function session(
  id: string,
  customerId: string,
  start: string,
  status: string,
  outcome?: string,
  seconds?: number,
): MetricsSession {
  const startTime = new Date(start);
  return {
    id,
    customerId,
    status,
    startTime,
    ...(outcome === undefined ? {} : { outcome }),
    ...(seconds === undefined
      ? {}
      : { endTime: new Date(startTime.getTime() + seconds * 1000), resolutionTime: seconds }),
  };
}

const customers: MetricsCustomer[] = [
  { id: 'cus_a', accountValue: 49 },
  { id: 'cus_b', accountValue: 99.5 },
  { id: 'cus_c', accountValue: 19.99 },
  { id: 'cus_d', accountValue: 250 },
];

const sessions: MetricsSession[] = [
  // In the period:
  session('s1', 'cus_a', '2025-03-02T10:00:00Z', 'completed', 'payment-updated', 90),
  session('s2', 'cus_a', '2025-03-10T10:00:00Z', 'completed', 'payment-updated', 120.5),
  session('s3', 'cus_b', '2025-03-05T10:00:00Z', 'completed', 'payment-updated', 150),
  session('s4', 'cus_c', '2025-03-06T10:00:00Z', 'abandoned', 'abandoned', 180.001),
  session('s5', 'cus_c', '2025-03-07T10:00:00Z', 'completed', 'customer-declined', 40),
  session('s8', 'cus_d', '2025-03-31T23:59:59.999Z', 'in-progress'),
  // Paid while processing, after the budget ran out: a success over budget.
  session('s9', 'cus_b', '2025-03-20T10:00:00Z', 'completed', 'payment-updated', 200),
  session('s10', 'cus_c', '2025-03-15T10:00:00Z', 'completed', 'technical-failure', 30),
  // Outside the period (1 ms before its start; exactly at its excluded end):
  session('s6', 'cus_d', '2025-02-28T23:59:59.999Z', 'completed', 'payment-updated', 60),
  session('s7', 'cus_d', '2025-04-01T00:00:00.000Z', 'completed', 'payment-updated', 60),
];

describe('computeChurnPreventionMetrics', () => {
  it('computes a hand-checked month', () => {
    const metrics = computeChurnPreventionMetrics({
      periodStart,
      periodEnd,
      sessions,
      customers,
      id: 'metrics_2025_03',
    });
    // In the period: s1 s2 s3 s4 s5 s8 s9 s10 = 8 interventions (s6 and s7 fall outside).
    // Successes: s1 s2 s3 s9 = 4; s9 took 200 s > 180 s, so it is over budget.
    // Average of the in-budget successes: (90 + 120.5 + 150) / 3 = 360.5 / 3 = 120.1666... -> 120.17
    // Retention: 4 / 8 x 100 = 50
    // Revenue: cus_a (s1, s2: counted once) 49 + cus_b (s3, s9: once) 99.5 = 148.5
    expect(metrics).toEqual({
      id: 'metrics_2025_03',
      periodStart,
      periodEnd,
      totalInterventions: 8,
      successfulResolutions: 4,
      averageResolutionTime: 120.17,
      customerRetentionRate: 50,
      revenueRetained: 148.5,
      overBudgetResolutions: 1,
    });
  });

  it('answers zeros for an empty period', () => {
    const expected = {
      totalInterventions: 0,
      successfulResolutions: 0,
      averageResolutionTime: 0,
      customerRetentionRate: 0,
      revenueRetained: 0,
      overBudgetResolutions: 0,
    };
    expect(
      computeChurnPreventionMetrics({ periodStart, periodEnd, sessions: [], customers: [] }),
    ).toMatchObject(expected);
    // Only sessions outside the period: the same zeros.
    expect(
      computeChurnPreventionMetrics({
        periodStart,
        periodEnd,
        sessions: sessions.filter(({ id }) => id === 's6' || id === 's7'),
        customers,
      }),
    ).toMatchObject(expected);
  });

  it('counts a customer with two successful sessions once in the revenue', () => {
    const metrics = computeChurnPreventionMetrics({
      periodStart,
      periodEnd,
      sessions: sessions.filter(({ id }) => id === 's1' || id === 's2'),
      customers,
    });
    // 2 successes, 2 interventions: 100 %; (90 + 120.5) / 2 = 105.25 s; revenue 49 (once, not 98).
    expect(metrics).toMatchObject({
      totalInterventions: 2,
      successfulResolutions: 2,
      averageResolutionTime: 105.25,
      customerRetentionRate: 100,
      revenueRetained: 49,
    });
  });

  it('rounds rates, times and amounts to 2 decimals', () => {
    const metrics = computeChurnPreventionMetrics({
      periodStart,
      periodEnd,
      sessions: [
        session('r1', 'cus_x', '2025-03-03T00:00:00Z', 'completed', 'payment-updated', 100),
        session('r2', 'cus_y', '2025-03-03T00:00:00Z', 'completed', 'payment-updated', 100.01),
        session('r3', 'cus_y', '2025-03-03T00:00:00Z', 'abandoned', 'abandoned', 180.5),
      ],
      customers: [
        { id: 'cus_x', accountValue: 0.1 },
        { id: 'cus_y', accountValue: 0.2 },
      ],
    });
    // Retention 2 / 3 x 100 = 66.666... -> 66.67
    // Average (100 + 100.01) / 2 = 100.005 -> 100.01 (half away from zero on the decimal)
    // Revenue 0.1 + 0.2 = 0.30000000000000004 in binary -> 0.3
    expect(metrics).toMatchObject({
      customerRetentionRate: 66.67,
      averageResolutionTime: 100.01,
      revenueRetained: 0.3,
    });
  });

  it('reads resolutionTime when a row has no endTime', () => {
    const row = {
      id: 'row_1',
      customerId: 'cus_a',
      status: 'completed',
      outcome: 'payment-updated',
      startTime: new Date('2025-03-04T00:00:00Z'),
      endTime: null,
      resolutionTime: 75,
    };
    const metrics = computeChurnPreventionMetrics({
      periodStart,
      periodEnd,
      sessions: [row],
      customers,
    });
    expect(metrics.averageResolutionTime).toBe(75);
  });

  it('keeps the average within 180 s when every success ran over budget', () => {
    const metrics = computeChurnPreventionMetrics({
      periodStart,
      periodEnd,
      sessions: [
        session('o1', 'cus_a', '2025-03-09T00:00:00Z', 'completed', 'payment-updated', 181),
      ],
      customers,
    });
    // 1 success, over budget: average has nothing to average -> 0; reported separately.
    expect(metrics).toMatchObject({
      successfulResolutions: 1,
      averageResolutionTime: 0,
      overBudgetResolutions: 1,
      customerRetentionRate: 100,
      revenueRetained: 49,
    });
  });

  it('defaults periodEnd to the clock and derives a stable id', () => {
    const metrics = computeChurnPreventionMetrics({
      periodStart,
      sessions,
      customers,
      clock: fixedClock('2025-03-08T00:00:00Z'),
      tenantId: 'tenant_1',
    });
    // Up to 8 March: s1 s3 s4 s5 = 4 interventions, 2 successes (s1 cus_a, s3 cus_b).
    expect(metrics).toMatchObject({
      id: 'churn-prevention-metrics:tenant_1:2025-03-01T00:00:00.000Z/2025-03-08T00:00:00.000Z',
      tenantId: 'tenant_1',
      periodEnd: new Date('2025-03-08T00:00:00Z'),
      totalInterventions: 4,
      successfulResolutions: 2,
      averageResolutionTime: 120, // (90 + 150) / 2
      customerRetentionRate: 50,
      revenueRetained: 148.5,
    });
  });

  it('never changes its inputs', () => {
    const before = structuredClone({ sessions, customers });
    computeChurnPreventionMetrics({ periodStart, periodEnd, sessions, customers });
    expect({ sessions, customers }).toEqual(before);
  });

  it('rejects a period that does not end after it starts', () => {
    for (const end of [periodStart, new Date('2025-02-01T00:00:00Z')]) {
      let thrown: unknown;
      try {
        computeChurnPreventionMetrics({ periodStart, periodEnd: end, sessions, customers });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ValidationError);
      expect((thrown as ValidationError).issues[0]?.path).toEqual(['periodEnd']);
      expect((thrown as ValidationError).message).toContain('must be after periodStart');
    }
  });

  it('lists every problem of the sessions and customers at once', () => {
    let thrown: unknown;
    try {
      computeChurnPreventionMetrics({
        periodStart,
        periodEnd,
        sessions: [
          session('p1', 'cus_missing', '2025-03-02T00:00:00Z', 'completed', 'payment-updated', 10),
          session('p1', 'cus_a', '2025-03-02T00:00:00Z', 'completed', 'payment-updated'),
          session('p3', 'cus_zero', '2025-03-02T00:00:00Z', 'completed', 'payment-updated', 10),
        ],
        customers: [
          { id: 'cus_a', accountValue: 49 },
          { id: 'cus_a', accountValue: 49 },
          { id: 'cus_zero', accountValue: 0 },
        ],
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).issues.map((issue) => issue.path)).toEqual([
      ['sessions', 1, 'id'],
      ['customers', 1, 'id'],
      ['sessions', 0, 'customerId'],
      ['sessions', 1, 'endTime'],
      ['customers', 2, 'accountValue'],
    ]);
  });

  it('produces what ChurnPreventionMetricsSchema accepts', () => {
    const metrics = computeChurnPreventionMetrics({
      periodStart,
      periodEnd,
      sessions,
      customers,
      tenantId: 'tenant_1',
    });
    const parsed = ChurnPreventionMetricsSchema.safeParse(metrics);
    expect(parsed.error?.issues).toBeUndefined();
    expect(parsed.success).toBe(true);
  });

  it('keeps the seed rules for any sessions', () => {
    const start = periodStart.getTime();
    const arbitrarySession = fc.record({
      customerId: fc.constantFrom('cus_a', 'cus_b', 'cus_c', 'cus_d'),
      status: fc.constantFrom(...chatSessionStatuses),
      outcome: fc.constantFrom(...chatSessionOutcomes),
      // From 10 days before the period to 10 days after its end.
      offset: fc.integer({ min: -10 * 86_400_000, max: 41 * 86_400_000 }),
      seconds: fc.double({ min: 0.001, max: 400, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(arbitrarySession, { maxLength: 30 }), (drawn) => {
        const generated = drawn.map((entry, index) => ({
          id: `s${index}`,
          customerId: entry.customerId,
          status: entry.status,
          outcome: entry.outcome,
          startTime: new Date(start + entry.offset),
          endTime: new Date(start + entry.offset + entry.seconds * 1000),
        }));
        const metrics = computeChurnPreventionMetrics({
          periodStart,
          periodEnd,
          sessions: generated,
          customers,
          tenantId: 'tenant_1',
        });
        expect(metrics.successfulResolutions).toBeLessThanOrEqual(metrics.totalInterventions);
        expect(metrics.overBudgetResolutions).toBeLessThanOrEqual(metrics.successfulResolutions);
        expect(metrics.customerRetentionRate).toBeGreaterThanOrEqual(0);
        expect(metrics.customerRetentionRate).toBeLessThanOrEqual(100);
        expect(metrics.averageResolutionTime).toBeGreaterThanOrEqual(0);
        expect(metrics.averageResolutionTime).toBeLessThanOrEqual(180);
        expect(metrics.revenueRetained).toBeLessThanOrEqual(49 + 99.5 + 19.99 + 250);
        expect(ChurnPreventionMetricsSchema.safeParse(metrics).success).toBe(true);
      }),
    );
  });
});
