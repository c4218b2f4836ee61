import { assignVariant, type StorageV1 } from '@churn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordMetric } from '../analytics/record-metric.js';
import { type SupportServer, startSupportServer } from '../escalations/support-test-helpers.js';
import type { AbTestView } from './ab-test-definition.js';
import type { AbTestResults } from './ab-test-results.js';

/** A/B tests end to end over HTTP, against one storage implementation. */
export function describeAbTests(name: string, openStorage: () => Promise<StorageV1>): void {
  describe(`A/B tests (${name})`, () => {
    let context: SupportServer;

    beforeAll(async () => {
      context = await startSupportServer(await openStorage());
    });
    afterAll(async () => {
      await context?.server.close();
    });

    const definition = {
      name: 'prompts',
      description: 'Does a shorter retrieval with French instructions deflect more?',
      variants: [
        { name: 'A', weight: 1 },
        {
          name: 'B',
          weight: 1,
          settings: { instructions: 'Always answer in French.', topK: 2, threshold: 0.2 },
        },
      ],
    };

    it('defines, lists, applies (sticky, tagged), reports and ends a test', async () => {
      const { acme, globex, call, createConversation, send, storage, model } = context;
      const created = await call<{ test: AbTestView }>(acme, 'POST', '/api/ab-tests', {
        secret: true,
        body: definition,
      });
      expect(created.status).toBe(201);
      const test = created.body.test;
      expect(test).toMatchObject({ testName: 'prompts', status: 'running', control: 'A' });
      expect(test.variants).toEqual([
        { name: 'A', weight: 1, settings: {} },
        {
          name: 'B',
          weight: 1,
          settings: { instructions: 'Always answer in French.', topK: 2, threshold: 0.2 },
        },
      ]);
      const second = await call(acme, 'POST', '/api/ab-tests', {
        secret: true,
        body: { ...definition, name: 'other' },
      });
      expect(second.status).toBe(409);
      expect(second.body.error?.message).toMatch(/still running: end it first/);
      const listed = await call<{ tests: AbTestView[] }>(acme, 'GET', '/api/ab-tests', {
        secret: true,
      });
      expect(listed.body.tests.map((item) => item.id)).toEqual([test.id]);
      expect((await call(globex, 'GET', `/api/ab-tests/${test.id}`, { secret: true })).status).toBe(
        404,
      );
      expect(
        (await call(acme, 'GET', '/api/ab-tests', { visitor: 'visitor-ab-0000' })).status,
      ).toBe(403);

      // A visitor the hash puts in B gets B's settings, every time, assigned once.
      let visitor = '';
      for (let index = 0; ; index += 1) {
        visitor = `visitor-ab-${index}`;
        if (assignVariant({ testId: test.id, userId: visitor, variants: test.variants }) === 'B')
          break;
      }
      const id = await createConversation(acme, { visitor });
      const calls = model.prompts.length;
      await send(acme, id, 'How long do refunds take?', { visitor });
      await send(acme, id, 'How do I verify webhooks?', { visitor });
      const prompts = model.prompts.slice(calls);
      expect(prompts).toHaveLength(2);
      for (const prompt of prompts) {
        expect(
          prompt.some(
            (message) =>
              message.role === 'system' && message.content === 'Always answer in French.',
          ),
        ).toBe(true);
      }
      const assignments = await storage.abTests.listAssignments({
        tenantId: acme.tenant.id,
        testId: test.id,
      });
      expect(assignments.filter((assignment) => assignment.userId === visitor)).toMatchObject([
        { variant: 'B', testName: 'prompts' },
      ]);
      const confidence = (
        await storage.analytics.list({ tenantId: acme.tenant.id, metricName: 'confidence' })
      ).filter((row) => row.dimensions.ab_test === test.id);
      expect(confidence).toHaveLength(2);
      expect(confidence.every((row) => row.dimensions.variant === 'B')).toBe(true);
      const retrievals = (
        await storage.analytics.list({ tenantId: acme.tenant.id, metricName: 'retrieval_count' })
      ).filter((row) => row.dimensions.ab_test === test.id);
      expect(retrievals.every((row) => row.metricValue <= 2)).toBe(true);

      // Results: 45/100 deflected in A, 55/100 in B; hand-computed z = √2, p = 0.1573.
      const tenantId = acme.tenant.id;
      for (const [variant, deflected] of [
        ['A', 45],
        ['B', 55],
      ] as const) {
        for (let index = 0; index < 100; index += 1) {
          await recordMetric(storage, {
            tenantId,
            name: 'deflection',
            value: index < deflected ? 1 : 0,
            dimensions: { ab_test: test.id, variant },
          });
        }
      }
      await recordMetric(storage, {
        tenantId,
        name: 'interventions',
        value: 10,
        dimensions: { ab_test: test.id, variant: 'A', purpose: 'recovery' },
      });
      await recordMetric(storage, {
        tenantId,
        name: 'resolutions',
        value: 4,
        dimensions: { ab_test: test.id, variant: 'A', purpose: 'recovery' },
      });
      await recordMetric(storage, {
        tenantId,
        name: 'revenue_retained',
        value: 196,
        dimensions: { ab_test: test.id, variant: 'A', purpose: 'recovery' },
      });
      await recordMetric(storage, {
        tenantId,
        name: 'revenue_retained',
        value: 49.99,
        dimensions: { ab_test: test.id, variant: 'B', purpose: 'recovery' },
      });

      const results = await call<{ results: AbTestResults }>(
        acme,
        'GET',
        `/api/ab-tests/${test.id}/results`,
        { secret: true },
      );
      expect(results.status).toBe(200);
      const [a, b] = results.body.results.variants;
      expect(a).toMatchObject({
        variant: 'A',
        control: true,
        deflection: { successes: 45, trials: 100, rate: 0.45 },
        resolution: { successes: 4, trials: 10, rate: 0.4 },
        revenueRetained: 196,
      });
      expect(a!.deflection.pValue).toBeUndefined();
      expect(b).toMatchObject({
        variant: 'B',
        control: false,
        users: 1,
        answers: 2,
        revenueRetained: 49.99,
        deflection: { successes: 55, trials: 100, rate: 0.55 },
      });
      expect(b!.deflection.z).toBeCloseTo(Math.SQRT2, 6);
      expect(b!.deflection.pValue).toBeCloseTo(0.157299, 4);
      expect(b!.meanConfidence).toBeGreaterThan(0);

      // Ending: no new assignments; results stay.
      const ended = await call<{ test: AbTestView }>(acme, 'POST', `/api/ab-tests/${test.id}/end`, {
        secret: true,
      });
      expect(ended.body.test.status).toBe('completed');
      const afterEnd = await createConversation(acme, { visitor: 'visitor-after-end' });
      await send(acme, afterEnd, 'How long do refunds take?', { visitor: 'visitor-after-end' });
      const users = (await storage.abTests.listAssignments({ tenantId, testId: test.id })).map(
        (assignment) => assignment.userId,
      );
      expect(users).not.toContain('visitor-after-end');
      expect(
        (await call(acme, 'GET', `/api/ab-tests/${test.id}/results`, { secret: true })).status,
      ).toBe(200);
      expect(
        (
          await call(acme, 'POST', '/api/ab-tests', {
            secret: true,
            body: { ...definition, name: 'next' },
          })
        ).status,
      ).toBe(201);
    });

    it('validates definitions', async () => {
      const { globex, call } = context;
      const cases: [unknown, RegExp][] = [
        [{ name: 'x', variants: [{ name: 'A' }] }, /variants: must have at least 2 variants/],
        [
          { name: 'x', variants: [{ name: 'A' }, { name: 'A' }] },
          /variants: must have distinct names/,
        ],
        [
          { name: 'x', variants: [{ name: 'A' }, { name: 'B', weight: 0 }] },
          /weight: must be above 0/,
        ],
        [{ name: 'x', variants: [{ name: 'A' }, { name: 'B', settings: { topK: 0 } }] }, /topK/],
        [
          { name: 'x', variants: [{ name: 'A' }, { name: 'B', settings: { threshold: 2 } }] },
          /threshold: must be from 0 to 1/,
        ],
        [
          { name: 'x', variants: [{ name: 'A' }, { name: 'B' }], control: 'C' },
          /control: must be one of the variant names/,
        ],
        [
          { name: 'x', variants: [{ name: 'too long a name' }, { name: 'B' }] },
          /name: must be 1 to 10 characters/,
        ],
      ];
      for (const [body, message] of cases) {
        const answer = await call(globex, 'POST', '/api/ab-tests', { secret: true, body });
        expect(answer.status).toBe(400);
        expect(answer.body.error?.message).toMatch(message);
      }
    });
  });
}
