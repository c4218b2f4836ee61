import { randomBytes } from 'node:crypto';
import { createSeededRandom } from '@churn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPGliteStorage,
  createPostgresStorage,
  type PostgresStorage,
} from '../storage/postgres-storage.js';
import { aggregateMetricSeries, queryMetricSeries } from './metric-series.js';

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

// Real PostgreSQL (DATABASE_URL or the local server, a schema of its own, dropped at the end)
// and PGlite: the grouped query must give the in-memory series on both.
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const storages = [
  ['PGlite', () => createPGliteStorage()],
  [
    'PostgreSQL',
    () =>
      createPostgresStorage({
        databaseUrl,
        schema: `churn_series_${randomBytes(6).toString('hex')}`,
      }),
  ],
] as const;

describe.each(storages)('queryMetricSeries on %s', (_name, open) => {
  let storage: PostgresStorage;
  let tenantId: string;
  const recorded: Parameters<typeof aggregateMetricSeries>[0][number][] = [];

  beforeAll(async () => {
    storage = await open();
    tenantId = (await storage.tenants.create({ name: 'Acme' })).id;
    const other = (await storage.tenants.create({ name: 'Globex' })).id;
    const random = createSeededRandom(7);
    const start = Date.parse('2026-04-28T00:00:00Z');
    for (let index = 0; index < 400; index += 1) {
      const metricName = ['confidence', 'feedback', 'revenue_retained'][index % 3]!;
      const dimensions: Record<string, string | number | boolean> =
        index % 4 === 0
          ? { variant: 'B', verified: true }
          : index % 4 === 1
            ? { variant: 'A', retrieved: 3 }
            : {};
      const entry = await storage.analytics.record({
        tenantId,
        metricName,
        metricValue: Math.round(random() * 1000) / 100,
        dimensions,
        // 12 days around the period, edges included: midnights and the last millisecond.
        recordedAt: new Date(
          index % 10 === 0
            ? start + (index % 12) * 86_400_000
            : index % 10 === 1
              ? start + (index % 12) * 86_400_000 - 1
              : start + Math.floor(random() * 12 * 86_400_000),
        ),
      });
      recorded.push(entry);
      // Another tenant's rows, on the same metrics and days, never count.
      await storage.analytics.record({
        ...entry,
        id: undefined,
        tenantId: other,
        metricValue: 1000,
      });
    }
  });

  afterAll(async () => {
    if (storage && storage.schema !== 'public') {
      await storage.db.schema.dropSchema(storage.schema).ifExists().cascade().execute();
    }
    await storage?.close();
  });

  it.each([
    ['every row', undefined],
    ['one dimension', { variant: 'B' }],
    ['a boolean and a number compared as text', { variant: 'B', verified: 'true' }],
    ['a number', { retrieved: '3' }],
    ['nothing matches', { variant: 'C' }],
  ] satisfies [string, Record<string, string> | undefined][])(
    'sums in SQL what the rows sum to in memory: %s',
    async (_name, dimensions) => {
      const options = {
        metrics: ['confidence', 'feedback', 'revenue_retained', 'unknown'],
        from: new Date('2026-04-30T13:00:00Z'),
        to: new Date('2026-05-06T08:00:00Z'),
        ...(dimensions ? { dimensions } : {}),
      };
      const inSql = await queryMetricSeries(storage, { tenantId, ...options });
      const inMemory = aggregateMetricSeries(recorded, options);
      expect(inSql.from).toBe(inMemory.from);
      expect(inSql.to).toBe(inMemory.to);
      expect(inSql.series.map((series) => series.metric)).toEqual(options.metrics);
      for (const [index, series] of inSql.series.entries()) {
        const expected = inMemory.series[index]!;
        expect(series.points.map((point) => [point.date, point.count])).toEqual(
          expected.points.map((point) => [point.date, point.count]),
        );
        for (const [day, point] of series.points.entries()) {
          expect(point.sum).toBeCloseTo(expected.points[day]!.sum, 9);
        }
        expect(series.total.count).toBe(expected.total.count);
      }
      // The comparison is not vacuous: rows are counted, except where nothing matches.
      const counted = inSql.series.reduce((total, series) => total + series.total.count, 0);
      if (dimensions !== undefined && 'variant' in dimensions && dimensions.variant === 'C')
        expect(counted).toBe(0);
      else expect(counted).toBeGreaterThan(10);
    },
  );
});
