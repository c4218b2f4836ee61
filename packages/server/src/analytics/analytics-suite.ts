import type { StorageV1 } from '@churn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SupportServer, startSupportServer } from '../escalations/support-test-helpers.js';
import type { MetricSeriesResult } from './metric-series.js';
import { recordDeflections } from './record-deflections.js';
import { recordMetric } from './record-metric.js';

const day = (date: string, hour = 12) =>
  new Date(`${date}T${String(hour).padStart(2, '0')}:00:00.000Z`);

/** Analytics end to end over HTTP, against one storage implementation. */
export function describeAnalytics(name: string, openStorage: () => Promise<StorageV1>): void {
  describe(`analytics (${name})`, () => {
    let context: SupportServer;

    beforeAll(async () => {
      context = await startSupportServer(await openStorage());
    });
    afterAll(async () => {
      await context?.server.close();
    });

    it('records response time, confidence and retrieval count per answered turn', async () => {
      const { acme, createConversation, send, storage } = context;
      const before = await storage.analytics.list({ tenantId: acme.tenant.id });
      const id = await createConversation(acme, { visitor: 'visitor-metrics-1' });
      await send(acme, id, 'How long do refunds take?', { visitor: 'visitor-metrics-1' });
      const rows = (await storage.analytics.list({ tenantId: acme.tenant.id })).filter(
        (row) => !before.some((old) => old.id === row.id),
      );
      const byName = Object.fromEntries(rows.map((row) => [row.metricName, row]));
      expect(Object.keys(byName).sort()).toEqual([
        'confidence',
        'response_time',
        'retrieval_count',
      ]);
      expect(byName.response_time!.metricValue).toBeGreaterThanOrEqual(0);
      expect(byName.retrieval_count!.metricValue).toBeGreaterThan(0);
      expect(byName.confidence!.metricValue).toBeGreaterThan(0);
      expect(byName.confidence!.dimensions).toEqual({
        category: 'docs',
        purpose: 'support',
        user_type: 'visitor',
      });
    });

    it('puts revenue retained beside deflection in one series query, per UTC day', async () => {
      const { globex, acme, call } = context;
      const tenantId = globex.tenant.id;
      // Support: two deflected conversations and one escalated on the 1st, one deflected on the 3rd.
      for (const [date, value, variant] of [
        ['2026-01-01', 1, 'A'],
        ['2026-01-01', 1, 'B'],
        ['2026-01-01', 0, 'B'],
        ['2026-01-03', 1, 'A'],
      ] as const) {
        await recordMetric(context.storage, {
          tenantId,
          name: 'deflection',
          value,
          recordedAt: day(date),
          dimensions: { variant },
        });
      }
      // Recovery, recorded the way the payment-recovery flow does.
      await recordMetric(context.storage, {
        tenantId,
        name: 'revenue_retained',
        value: 49,
        recordedAt: day('2026-01-01', 0),
        dimensions: { purpose: 'recovery', variant: 'B' },
      });
      await recordMetric(context.storage, {
        tenantId,
        name: 'revenue_retained',
        value: 99.5,
        recordedAt: day('2026-01-02', 23),
        dimensions: { purpose: 'recovery', variant: 'A' },
      });
      // Outside the period, and another tenant's: never counted.
      await recordMetric(context.storage, {
        tenantId,
        name: 'revenue_retained',
        value: 1000,
        recordedAt: day('2026-01-04', 0),
      });
      await recordMetric(context.storage, {
        tenantId: acme.tenant.id,
        name: 'revenue_retained',
        value: 500,
        recordedAt: day('2026-01-01'),
      });

      const answer = await call<MetricSeriesResult>(
        globex,
        'GET',
        '/api/analytics/series?metrics=deflection,revenue_retained&from=2026-01-01&to=2026-01-04&interval=day',
        { secret: true },
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        interval: 'day',
        from: '2026-01-01T00:00:00.000Z',
        to: '2026-01-04T00:00:00.000Z',
        series: [
          {
            metric: 'deflection',
            points: [
              { date: '2026-01-01', count: 3, sum: 2, mean: 2 / 3 },
              { date: '2026-01-02', count: 0, sum: 0, mean: null },
              { date: '2026-01-03', count: 1, sum: 1, mean: 1 },
            ],
            total: { count: 4, sum: 3, mean: 0.75 },
          },
          {
            metric: 'revenue_retained',
            points: [
              { date: '2026-01-01', count: 1, sum: 49, mean: 49 },
              { date: '2026-01-02', count: 1, sum: 99.5, mean: 99.5 },
              { date: '2026-01-03', count: 0, sum: 0, mean: null },
            ],
            total: { count: 2, sum: 148.5, mean: 74.25 },
          },
        ],
      });

      const variantB = await call<MetricSeriesResult>(
        globex,
        'GET',
        '/api/analytics/series?metrics=deflection,revenue_retained&from=2026-01-01&to=2026-01-04&variant=B',
        { secret: true },
      );
      expect(variantB.body.series.map((series) => series.total)).toEqual([
        { count: 2, sum: 1, mean: 0.5 },
        { count: 1, sum: 49, mean: 49 },
      ]);
    });

    it('refuses widgets, bad metrics and periods; 401 without a key', async () => {
      const { acme, call, server } = context;
      expect(
        (
          await call(acme, 'GET', '/api/analytics/series?metrics=deflection', {
            visitor: 'visitor-x-0001',
          })
        ).status,
      ).toBe(403);
      expect((await fetch(`${server.url}/api/analytics/series?metrics=deflection`)).status).toBe(
        401,
      );
      const cases: [string, RegExp][] = [
        ['', /metrics: is required/],
        ['metrics=Not%20A%20Slug', /must be metric slugs/],
        ['metrics=deflection&from=2026-02-01&to=2026-01-01', /from: must be before to/],
        ['metrics=deflection&from=2024-01-01&to=2026-01-01', /at most 366 days/],
        ['metrics=deflection&from=yesterday', /from: must be a date/],
        ['metrics=deflection&interval=hour', /interval: must be day/],
      ];
      for (const [query, message] of cases) {
        const answer = await call(acme, 'GET', `/api/analytics/series?${query}`, { secret: true });
        expect(answer.status).toBe(400);
        expect(answer.body.error?.message).toMatch(message);
      }
    });

    it('deflection: a support conversation over (closed, or idle 24 h) without escalation; counted once', async () => {
      const { storage } = context;
      const tenant = await storage.tenants.create({ name: 'Initech' });
      const tenantId = tenant.id;
      const now = new Date('2026-03-10T12:00:00.000Z');
      const conversation = async (options: {
        lastActivity: Date;
        status?: 'closed';
        escalate?: boolean;
        silent?: boolean;
      }) => {
        const created = await storage.conversations.create({
          tenantId,
          purpose: 'support',
          sessionId: crypto.randomUUID(),
          startedAt: new Date(options.lastActivity.getTime() - 60_000),
          ...(options.status ? { status: options.status } : {}),
        });
        if (!options.silent) {
          await storage.messages.create({
            tenantId,
            conversationId: created.id,
            role: 'user',
            content: 'How do refunds work?',
            timestamp: options.lastActivity,
          });
        }
        if (options.escalate)
          await storage.escalations.create({
            tenantId,
            conversationId: created.id,
            reason: 'low_confidence',
          });
        return created.id;
      };
      const idle = await conversation({ lastActivity: new Date('2026-03-08T10:00:00.000Z') });
      const closed = await conversation({
        lastActivity: new Date('2026-03-10T11:00:00.000Z'),
        status: 'closed',
      });
      const escalated = await conversation({
        lastActivity: new Date('2026-03-08T09:00:00.000Z'),
        escalate: true,
      });
      await conversation({ lastActivity: new Date('2026-03-10T11:30:00.000Z') }); // still active: not over
      await conversation({ lastActivity: new Date('2026-03-07T11:30:00.000Z'), silent: true }); // nobody wrote

      expect(await recordDeflections(storage, { tenantId, now })).toEqual({ recorded: 3 });
      expect(await recordDeflections(storage, { tenantId, now })).toEqual({ recorded: 0 });
      const rows = await storage.analytics.list({ tenantId, metricName: 'deflection' });
      expect(Object.fromEntries(rows.map((row) => [row.id, row.metricValue]))).toEqual({
        [`deflection-${idle}`]: 1,
        [`deflection-${closed}`]: 1,
        [`deflection-${escalated}`]: 0,
      });
    });
  });
}
