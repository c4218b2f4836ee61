/** A chart's data: labels on the x axis, one or more series. */
export interface ChartData {
  labels: string[];
  datasets: { label: string; data: (number | null)[]; kind?: 'bar' | 'line'; dashed?: boolean }[];
}

/** A period the picker offers. */
export interface Period {
  days: number;
  label: string;
}

export const periods: readonly Period[] = [
  { days: 7, label: 'Last 7 days' },
  { days: 30, label: 'Last 30 days' },
  { days: 90, label: 'Last 90 days' },
  { days: 365, label: 'Last 12 months' },
];

/** `{ from, to }` ISO strings of the last `days` days, to now. */
export function periodRange(days: number, now = new Date()): { from: string; to: string } {
  return { from: new Date(now.getTime() - days * 86_400_000).toISOString(), to: now.toISOString() };
}

/** A point of `GET /api/analytics/series`. */
export interface MetricPoint {
  date: string;
  count: number;
  sum: number;
  mean: number | null;
}

export interface MetricSeriesResult {
  series: { metric: string; points: MetricPoint[] }[];
}

/** `2026-11-03T00:00:00.000Z` → `Nov 3`. */
export function dayLabel(date: string): string {
  return new Date(date).toLocaleDateString('en', {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });
}

/** Palette with at least 3:1 contrast against white (WCAG 1.4.11 for graphics). */
export const chartColors = ['#4338ca', '#b45309', '#047857', '#be123c', '#6d28d9'] as const;
