import type { AnalyticsRecord, StorageV1 } from '@churn/core';

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
  const from = startOfUtcDay(options.from);
  const lastDay = startOfUtcDay(new Date(options.to.getTime() - 1));
  const to = new Date(Math.max(from.getTime(), lastDay.getTime()) + dayMs);
  const days = Math.round((to.getTime() - from.getTime()) / dayMs);
  const series = options.metrics.map((metric): MetricSeries => {
    const counts = new Array<number>(days).fill(0);
    const sums = new Array<number>(days).fill(0);
    for (const row of rows) {
      if (row.metricName !== metric || !matches(row, options.dimensions)) continue;
      const index = Math.floor((row.recordedAt.getTime() - from.getTime()) / dayMs);
      if (index < 0 || index >= days) continue;
      counts[index] = (counts[index] ?? 0) + 1;
      sums[index] = (sums[index] ?? 0) + row.metricValue;
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
