import { describe, expect, it } from 'vitest';
import { aggregateMetricSeries } from './metric-series.js';

const row = (metricName: string, metricValue: number, recordedAt: string, dimensions = {}) => ({
  id: crypto.randomUUID(),
  tenantId: 't',
  metricName,
  metricValue,
  dimensions,
  recordedAt: new Date(recordedAt),
});

describe('aggregateMetricSeries', () => {
  it('moves the period to whole UTC days and buckets rows by day, the last millisecond included', () => {
    const result = aggregateMetricSeries(
      [
        row('confidence', 0.5, '2026-05-01T00:00:00.000Z'),
        row('confidence', 0.7, '2026-05-02T23:59:59.999Z'),
      ],
      {
        metrics: ['confidence'],
        from: new Date('2026-05-01T13:00:00Z'),
        to: new Date('2026-05-02T08:00:00Z'),
      },
    );
    expect(result.from).toBe('2026-05-01T00:00:00.000Z');
    expect(result.to).toBe('2026-05-03T00:00:00.000Z');
    expect(result.series[0]!.points.map((point) => point.mean)).toEqual([0.5, 0.7]);
    expect(result.series[0]!.total.mean).toBeCloseTo(0.6, 12);
  });

  it('filters by dimensions compared as text', () => {
    const result = aggregateMetricSeries(
      [
        row('feedback', 1, '2026-05-01T10:00:00Z', { variant: 'B', verified: true }),
        row('feedback', 0, '2026-05-01T11:00:00Z', { variant: 'A' }),
      ],
      {
        metrics: ['feedback'],
        from: new Date('2026-05-01'),
        to: new Date('2026-05-02'),
        dimensions: { variant: 'B', verified: 'true' },
      },
    );
    expect(result.series[0]!.total).toEqual({ count: 1, sum: 1, mean: 1 });
  });
});
