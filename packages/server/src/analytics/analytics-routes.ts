import { z } from 'zod';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { jsonResponse } from '../http/json-response.js';
import { readQuery } from '../http/read-query.js';
import type { Route } from '../http/router.js';
import { authenticateRoute } from '../identity/authenticate.js';
import { requirePermission } from '../identity/permissions.js';
import { queryMetricSeries } from './metric-series.js';
import { recordDeflections } from './record-deflections.js';

const dayMs = 86_400_000;
/** Longest period one series request may span. */
export const maxSeriesDays = 366;
const metricName = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
/** Dimensions a series may be filtered by (`?variant=B`). */
export const seriesDimensionFilters = [
  'category',
  'user_type',
  'purpose',
  'variant',
  'ab_test',
  'reason',
] as const;

const SeriesQuerySchema = z
  .object({
    metrics: z
      .string({
        error: 'is required: metric names separated by commas, like deflection,revenue_retained',
      })
      .transform((value) =>
        value
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean),
      )
      .pipe(
        z
          .array(z.string().regex(metricName, { error: 'must be metric slugs like response_time' }))
          .min(1, { error: 'must name at least one metric' })
          .max(20, { error: 'must name at most 20 metrics' }),
      ),
    from: z.coerce.date({ error: 'must be a date like 2026-01-01' }).optional(),
    to: z.coerce.date({ error: 'must be a date like 2026-01-31' }).optional(),
    interval: z.literal('day', { error: 'must be day (the only interval so far)' }).default('day'),
    ...Object.fromEntries(
      seriesDimensionFilters.map((name) => [name, z.string().max(200).optional()]),
    ),
  })
  .superRefine((query, context) => {
    const to = query.to ?? new Date();
    const from = query.from ?? new Date(to.getTime() - 30 * dayMs);
    if (from.getTime() >= to.getTime()) {
      context.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
    } else if (to.getTime() - from.getTime() > maxSeriesDays * dayMs) {
      context.addIssue({
        code: 'custom',
        path: ['from'],
        message: `must be at most ${maxSeriesDays} days before to: ask for a shorter period`,
      });
    }
  });

/**
 * The analytics API (permission `analytics:read`):
 *
 * | route | what |
 * | --- | --- |
 * | `GET /api/analytics/series?metrics=a,b&from&to&interval=day` | a point per metric and UTC day: `count`, `sum`, `mean`; optional dimension filters (`&variant=B`) |
 *
 * Asking for `deflection` first records the outcome of support conversations that are
 * over (see `recordDeflections`).
 */
export function analyticsRoutes(): Route<ChurnHandlerState>[] {
  return [
    {
      method: 'GET',
      path: '/api/analytics/series',
      description:
        'Metrics per UTC day (?metrics=deflection,revenue_retained&from&to&interval=day, dimension filters like &variant=B).',
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'analytics:read');
        const { storage } = await context.state.services.load();
        const query = readQuery(context.url, SeriesQuerySchema);
        const to = query.to ?? new Date();
        const from = query.from ?? new Date(to.getTime() - 30 * dayMs);
        const metrics = query.metrics as string[];
        if (metrics.includes('deflection')) {
          await recordDeflections(storage, { tenantId: principal.tenantId });
        }
        const dimensions: Record<string, string> = {};
        for (const name of seriesDimensionFilters) {
          const value = (query as Record<string, unknown>)[name];
          if (typeof value === 'string') dimensions[name] = value;
        }
        // Whole UTC days: the first day from its midnight, the last one to its end.
        const result = await queryMetricSeries(storage, {
          tenantId: principal.tenantId,
          metrics,
          from,
          to,
          ...(Object.keys(dimensions).length > 0 ? { dimensions } : {}),
        });
        return jsonResponse(result, { headers: { 'cache-control': 'no-store' } });
      },
    },
  ];
}
