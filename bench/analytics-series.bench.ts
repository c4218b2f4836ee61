/**
 * Analytics series benchmark: `GET /api/analytics/series` of the console's metrics page,
 * as `queryMetricSeries` computes it, over a tenant with many Analytics rows.
 *
 * Seeds `count` rows (default 300,000: three metrics over 365 days, a quarter tagged with an
 * A/B variant) for one tenant and a tenth as many for another, then times each query, p50
 * and p99 in milliseconds (10 runs after 2 warm-up ones for `SQL`, 3 after 1 for `rows`):
 *
 * - `SQL`: one `GROUP BY` per query in the database (the server's own storage);
 * - `rows`: the rows read through the storage contract a page at a time and summed in
 *   JavaScript (what any other `StorageV1` gets, and what every storage did before), at most
 *   200,000 per metric.
 *
 * Run: `pnpm bench bench/analytics-series.bench.ts [count]`. In-memory PGlite by default;
 * BENCH_DATABASE_URL runs it on PostgreSQL (a temporary schema, dropped at the end).
 */

import {
  aggregateMetricSeries,
  loadMetricRows,
  metricPeriod,
  queryMetricSeries,
} from '../packages/server/src/analytics/metric-series.js';
import { seedAnalytics } from '../packages/server/src/analytics/seed-analytics.js';
import { createTestTenant } from '../packages/server/src/chat/chat-test-helpers.js';
import {
  latencies,
  loadAverage,
  machineLine,
  openBenchStorage,
  runFromSources,
  storageName,
} from './bench-helpers.js';

const count = Number(process.argv[2] ?? 300_000);
const dayMs = 86_400_000;

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const { storage, close } = await openBenchStorage();
  try {
    const tenant = await createTestTenant(storage, 'Bench');
    const other = await createTestTenant(storage, 'Other');
    const now = Date.parse('2026-11-23T00:00:00Z');
    const seeding = performance.now();
    await seedAnalytics(storage.db, { tenantId: tenant.tenant.id, count, now: new Date(now) });
    await seedAnalytics(storage.db, {
      tenantId: other.tenant.id,
      count: Math.round(count / 10),
      now: new Date(now),
    });
    console.log(
      `storage: ${storageName()}; seeded ${count} analytics rows (+${Math.round(count / 10)} of another tenant) in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
    );

    const queries = [
      { name: '30 days, 1 metric', days: 30, metrics: ['confidence'] },
      {
        name: '30 days, 3 metrics',
        days: 30,
        metrics: ['confidence', 'response_time', 'revenue_retained'],
      },
      {
        name: '365 days, 3 metrics',
        days: 365,
        metrics: ['confidence', 'response_time', 'revenue_retained'],
      },
      {
        name: '365 days, 3 metrics, variant=B',
        days: 365,
        metrics: ['confidence', 'response_time', 'revenue_retained'],
        dimensions: { variant: 'B' },
      },
    ];
    for (const query of queries) {
      const options = {
        tenantId: tenant.tenant.id,
        metrics: query.metrics,
        from: new Date(now - query.days * dayMs),
        to: new Date(now),
        ...(query.dimensions ? { dimensions: query.dimensions } : {}),
      };
      const timings: Record<'SQL' | 'rows', number[]> = { SQL: [], rows: [] };
      let rowsRead = 0;
      let counted = 0;
      for (let run = 0; run < 12; run += 1) {
        const started = performance.now();
        const inSql = await queryMetricSeries(storage, options);
        if (run >= 2) timings.SQL.push(performance.now() - started);
        counted = inSql.series.reduce((total, series) => total + series.total.count, 0);
      }
      // The row path is slower by far: 1 warm-up and 3 timed runs.
      for (let run = 0; run < 4; run += 1) {
        const started = performance.now();
        const period = metricPeriod(options);
        const rows = await loadMetricRows(storage, {
          ...options,
          from: period.from,
          to: period.to,
        });
        aggregateMetricSeries(rows, options);
        if (run >= 1) timings.rows.push(performance.now() - started);
        rowsRead = rows.length;
      }
      console.log(
        `${query.name}: ${counted} rows counted; SQL ${latencies(timings.SQL)}; rows (${rowsRead} read) ${latencies(timings.rows)}`,
      );
    }
    console.log(machineLine(storageName(), loadBefore));
  } finally {
    await close();
  }
}

await runFromSources(main);
