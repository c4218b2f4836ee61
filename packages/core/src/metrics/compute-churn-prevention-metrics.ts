import { type Clock, systemClock } from '../clock.js';
import { ValidationError, type ValidationIssue } from '../errors/validation-error.js';
import { SESSION_BUDGET_SECONDS } from '../state-machines/chat-session.js';
import {
  isSuccessfulSession,
  type MetricsCustomer,
  type MetricsSession,
  sessionResolutionSeconds,
} from './metrics-session.js';
import { roundToDecimals } from './round-to-decimals.js';

/** What {@link computeChurnPreventionMetrics} needs. */
export interface ComputeChurnPreventionMetricsInput {
  /** First instant of the period, included. */
  periodStart: Date;
  /** First instant after the period, excluded; defaults to the clock's now. */
  periodEnd?: Date | undefined;
  /** Recovery sessions: any may fall outside the period; those are ignored. */
  sessions: readonly MetricsSession[];
  /** At least every customer with a successful session in the period. */
  customers: readonly MetricsCustomer[];
  /** Reads "now" when `periodEnd` is left out. */
  clock?: Clock | undefined;
  /** The metrics record's id; defaults to one derived from the tenant and the period. */
  id?: string | undefined;
  /** The tenant the figures belong to; copied to the result when given. */
  tenantId?: string | undefined;
}

/**
 * The seed's ChurnPreventionMetrics for one period, plus `overBudgetResolutions`. Every
 * rate and amount is rounded to 2 decimals.
 */
export interface ChurnPreventionMetricsReport {
  id: string;
  /** Present when the input named a tenant. */
  tenantId?: string;
  periodStart: Date;
  periodEnd: Date;
  /** Recovery sessions started in the period. */
  totalInterventions: number;
  /** Of those, the sessions `completed` with outcome `payment-updated`. */
  successfulResolutions: number;
  /**
   * Mean seconds from start to end of the successful sessions that finished within the
   * 180-second budget (so never above 180); 0 when there are none.
   */
  averageResolutionTime: number;
  /** `successfulResolutions / totalInterventions` as a percentage, 0 to 100; 0 when there were no interventions. */
  customerRetentionRate: number;
  /** Sum of the monthly `accountValue` of each distinct customer with a successful session. */
  revenueRetained: number;
  /**
   * Successful sessions that took longer than 180 s (a payment still processing when the
   * budget ran out). Counted in `successfulResolutions` and `revenueRetained`, left out of
   * `averageResolutionTime`.
   */
  overBudgetResolutions: number;
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

/**
 * Computes the recovery results of one period from its sessions and customers. Pure apart
 * from reading the clock when `periodEnd` is left out; the inputs are not changed.
 *
 * Definitions (see docs/state-machines.md):
 * - a session belongs to the period when `periodStart <= startTime < periodEnd` (half
 *   open, so consecutive periods never count a session twice); it is judged by its latest
 *   state, even if it ended after the period;
 * - success is status `completed` with outcome `payment-updated`;
 * - `averageResolutionTime` is the mean over successful sessions within 180 s; slower ones
 *   are counted in `overBudgetResolutions` instead (the seed caps the average at 180 s and
 *   only a payment still processing can run past the budget: capping their times would
 *   report seconds that never happened);
 * - `customerRetentionRate` is per intervention: successful / total x 100;
 * - `revenueRetained` counts each customer once, however many of their sessions succeeded.
 *
 * @throws {ValidationError} listing every problem: `periodEnd` not after `periodStart`, an
 * invalid date, a session id listed twice, a successful session with no end time or
 * resolution time, a customer missing or listed twice, or an account value that is not
 * a positive number.
 */
export function computeChurnPreventionMetrics(
  input: ComputeChurnPreventionMetricsInput,
): ChurnPreventionMetricsReport {
  const { periodStart, sessions, customers, tenantId } = input;
  const periodEnd = input.periodEnd ?? (input.clock ?? systemClock)();
  const issues: ValidationIssue[] = [];

  if (!isValidDate(periodStart)) {
    issues.push({ path: ['periodStart'], message: 'must be a valid Date' });
  }
  if (!isValidDate(periodEnd)) {
    issues.push({ path: ['periodEnd'], message: 'must be a valid Date' });
  }
  if (isValidDate(periodStart) && isValidDate(periodEnd) && periodEnd <= periodStart) {
    issues.push({
      path: ['periodEnd'],
      message: `must be after periodStart (${periodStart.toISOString()}), got ${periodEnd.toISOString()}`,
    });
  }
  if (issues.length > 0) throw new ValidationError('ChurnPreventionMetrics', issues);

  const seenSessions = new Set<string>();
  const inPeriod: { session: MetricsSession; index: number }[] = [];
  sessions.forEach((session, index) => {
    if (seenSessions.has(session.id)) {
      issues.push({
        path: ['sessions', index, 'id'],
        message: `is listed twice (${session.id}): pass each session once`,
      });
    }
    seenSessions.add(session.id);
    if (!isValidDate(session.startTime)) {
      issues.push({ path: ['sessions', index, 'startTime'], message: 'must be a valid Date' });
      return;
    }
    if (session.startTime >= periodStart && session.startTime < periodEnd) {
      inPeriod.push({ session, index });
    }
  });

  const customerIndex = new Map<string, number>();
  customers.forEach((customer, index) => {
    if (customerIndex.has(customer.id)) {
      issues.push({
        path: ['customers', index, 'id'],
        message: `is listed twice (${customer.id}): pass each customer once`,
      });
      return;
    }
    customerIndex.set(customer.id, index);
  });

  const withinBudget: number[] = [];
  let overBudgetResolutions = 0;
  const retainedCustomers = new Map<string, number>();
  let successfulResolutions = 0;
  for (const { session, index } of inPeriod) {
    if (!isSuccessfulSession(session)) continue;
    successfulResolutions += 1;
    const seconds = sessionResolutionSeconds(session);
    if (seconds === undefined || seconds < 0) {
      issues.push({
        path: ['sessions', index, 'endTime'],
        message:
          seconds === undefined
            ? 'is required for a completed session (or give resolutionTime)'
            : 'must be after startTime',
      });
    } else if (seconds > SESSION_BUDGET_SECONDS) {
      overBudgetResolutions += 1;
    } else {
      withinBudget.push(seconds);
    }
    const customerAt = customerIndex.get(session.customerId);
    const customer = customerAt === undefined ? undefined : customers[customerAt];
    if (customer === undefined) {
      issues.push({
        path: ['sessions', index, 'customerId'],
        message: `names a customer missing from customers (${session.customerId}): pass every customer with a successful session`,
      });
    } else if (!Number.isFinite(customer.accountValue) || customer.accountValue <= 0) {
      issues.push({
        path: ['customers', customerAt ?? 0, 'accountValue'],
        message: `must be a positive number (the monthly value), got ${customer.accountValue}`,
      });
    } else {
      retainedCustomers.set(customer.id, customer.accountValue);
    }
  }
  if (issues.length > 0) throw new ValidationError('ChurnPreventionMetrics', issues);

  const totalInterventions = inPeriod.length;
  const resolvedSeconds = withinBudget.reduce((sum, seconds) => sum + seconds, 0);
  const revenue = [...retainedCustomers.values()].reduce((sum, value) => sum + value, 0);
  const id =
    input.id ??
    `churn-prevention-metrics:${tenantId === undefined ? '' : `${tenantId}:`}${periodStart.toISOString()}/${periodEnd.toISOString()}`;

  return {
    id,
    ...(tenantId === undefined ? {} : { tenantId }),
    periodStart: new Date(periodStart.getTime()),
    periodEnd: new Date(periodEnd.getTime()),
    totalInterventions,
    successfulResolutions,
    averageResolutionTime:
      withinBudget.length === 0 ? 0 : roundToDecimals(resolvedSeconds / withinBudget.length, 2),
    customerRetentionRate:
      totalInterventions === 0
        ? 0
        : roundToDecimals((successfulResolutions / totalInterventions) * 100, 2),
    revenueRetained: roundToDecimals(revenue, 2),
    overBudgetResolutions,
  };
}
