import type { AnalyticsRecord, StorageV1 } from '@churn/core';
import { sql } from 'kysely';
import { kyselyOf } from './kysely-of.js';

/** One day of one metric. */
export interface MetricPoint {
  /** The UTC day, `YYYY-MM-DD`. */
  date: string;
  /** Rows recorded that day. */
  count: number;
  /** Sum of their values (a count metric's total, revenue retained). */
  sum: number;
  /** Mean of their values (a rate for 0/1 metrics, mean confidence); null without rows. */
  mean: number | null;
}

/** One metric over the period: a point per day (days without rows included) and totals. */
export interface MetricSeries {
  metric: string;
  points: MetricPoint[];
  total: Omit<MetricPoint, 'date'>;
}

/** What `GET /api/analytics/series` answers. */
export interface MetricSeriesResult {
  interval: 'day';
  /** Start of the first day, inclusive. */
  from: string;
  /** End of the last day, exclusive. */
  to: string;
  series: MetricSeries[];
}

const dayMs = 86_400_000;

/** Midnight UTC of `date`'s day. */
export function startOfUtcDay(date: Date): Date {
  return new Date(Math.floor(date.getTime() / dayMs) * dayMs);
}

function matches(
  row: AnalyticsRecord,
  dimensions: Readonly<Record<string, string>> | undefined,
): boolean {
  if (!dimensions) return true;
  return Object.entries(dimensions).every(([key, value]) => String(row.dimensions[key]) === value);
}

/** Rows of one metric on one day of the period (`day` 0 is the period's first day). */
export interface MetricBucket {
  metric: string;
  day: number;
  count: number;
  sum: number;
}

/** The period in whole UTC days: `from` down to its midnight, `to` up to the next one. */
export function metricPeriod(options: { from: Date; to: Date }): {
  from: Date;
  to: Date;
  days: number;
} {
  const from = startOfUtcDay(options.from);
  const lastDay = startOfUtcDay(new Date(options.to.getTime() - 1));
  const to = new Date(Math.max(from.getTime(), lastDay.getTime()) + dayMs);
  return { from, to, days: Math.round((to.getTime() - from.getTime()) / dayMs) };
}

/** The series of `metrics` over the period from its per-day buckets (days without rows included). */
export function seriesFromBuckets(
  buckets: readonly MetricBucket[],
  options: { metrics: readonly string[]; from: Date; to: Date },
): MetricSeriesResult {
  const { from, to, days } = metricPeriod(options);
  const series = options.metrics.map((metric): MetricSeries => {
    const counts = new Array<number>(days).fill(0);
    const sums = new Array<number>(days).fill(0);
    for (const bucket of buckets) {
      if (bucket.metric !== metric || bucket.day < 0 || bucket.day >= days) continue;
      counts[bucket.day] = (counts[bucket.day] ?? 0) + bucket.count;
      sums[bucket.day] = (sums[bucket.day] ?? 0) + bucket.sum;
    }
    const points = counts.map((count, index) => {
      const sum = sums[index] ?? 0;
      return {
        date: new Date(from.getTime() + index * dayMs).toISOString().slice(0, 10),
        count,
        sum,
        mean: count > 0 ? sum / count : null,
      };
    });
    const count = counts.reduce((total, value) => total + value, 0);
    const sum = sums.reduce((total, value) => total + value, 0);
    return { metric, points, total: { count, sum, mean: count > 0 ? sum / count : null } };
  });
  return { interval: 'day', from: from.toISOString(), to: to.toISOString(), series };
}

/**
 * Aggregates Analytics rows per metric and UTC day over `[from, to)` (both moved to
 * midnight: `from` down, `to` up), keeping only rows whose dimensions equal every given
 * `dimensions` filter (compared as text). Pure.
 */
export function aggregateMetricSeries(
  rows: readonly AnalyticsRecord[],
  options: {
    metrics: readonly string[];
    from: Date;
    to: Date;
    dimensions?: Readonly<Record<string, string>>;
  },
): MetricSeriesResult {
  const { from } = metricPeriod(options);
  const buckets: MetricBucket[] = [];
  for (const row of rows) {
    if (!matches(row, options.dimensions)) continue;
    const day = Math.floor((row.recordedAt.getTime() - from.getTime()) / dayMs);
    buckets.push({ metric: row.metricName, day, count: 1, sum: row.metricValue });
  }
  return seriesFromBuckets(buckets, options);
}

/**
 * The series of a tenant's `metrics` over `[from, to)` in whole UTC days. On the server's
 * own storage (PostgreSQL or PGlite) one `GROUP BY` statement sums each metric per day in the
 * database, over the `(tenant_id, metric_name, recorded_at)` index, with the dimension filters
 * as `dimensions ->> key = value`: no row leaves the database and no row count limits it. On
 * another `StorageV1` the rows are read through the contract (at most
 * {@link maxRowsPerMetric} per metric) and summed here.
 */
export async function queryMetricSeries(
  storage: StorageV1,
  options: {
    tenantId: string;
    metrics: readonly string[];
    from: Date;
    to: Date;
    dimensions?: Readonly<Record<string, string>>;
  },
): Promise<MetricSeriesResult> {
  const period = metricPeriod(options);
  const db = kyselyOf(storage);
  if (!db) {
    const rows = await loadMetricRows(storage, {
      tenantId: options.tenantId,
      metrics: options.metrics,
      from: period.from,
      to: period.to,
    });
    return aggregateMetricSeries(rows, options);
  }
  if (options.metrics.length === 0) return seriesFromBuckets([], options);
  let query = db
    .selectFrom('analytics')
    .select([
      'metric_name',
      sql<number>`floor(extract(epoch from (recorded_at - ${period.from}::timestamptz)) / 86400)::int`.as(
        'day',
      ),
      sql<number>`count(*)::int`.as('count'),
      sql<number>`sum(metric_value)::float8`.as('sum'),
    ])
    .where('tenant_id', '=', options.tenantId)
    .where('metric_name', 'in', [...new Set(options.metrics)])
    .where('recorded_at', '>=', period.from)
    .where('recorded_at', '<', period.to);
  for (const [key, value] of Object.entries(options.dimensions ?? {})) {
    query = query.where(sql<string>`dimensions ->> ${key}`, '=', value);
  }
  const rows = await query.groupBy([sql`1`, sql`2`]).execute();
  return seriesFromBuckets(
    rows.map((row) => ({
      metric: row.metric_name,
      day: Number(row.day),
      count: Number(row.count),
      sum: Number(row.sum),
    })),
    options,
  );
}

/** Rows read per metric at most (a guard on the query's memory); documented. */
export const maxRowsPerMetric = 200_000;

/**
 * Reads the tenant's rows of `metrics` within `[from, to)` through the storage contract,
 * a page of 1,000 at a time.
 */
export async function loadMetricRows(
  storage: StorageV1,
  options: { tenantId: string; metrics: readonly string[]; from: Date; to: Date },
): Promise<AnalyticsRecord[]> {
  const rows: AnalyticsRecord[] = [];
  for (const metricName of new Set(options.metrics)) {
    for (let offset = 0; offset < maxRowsPerMetric; offset += 1000) {
      const page = await storage.analytics.list({
        tenantId: options.tenantId,
        metricName,
        from: options.from,
        to: options.to,
        limit: 1000,
        offset,
      });
      rows.push(...page);
      if (page.length < 1000) break;
    }
  }
  return rows;
}
