import { type AbTestRecord, ChurnError, type StorageV1 } from '@churn/core';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { HttpError } from '../http/http-error.js';
import { jsonResponse } from '../http/json-response.js';
import { readJsonBody } from '../http/read-body.js';
import type { Route, RouteContext } from '../http/router.js';
import { authenticateRoute } from '../identity/authenticate.js';
import { type Permission, requirePermission } from '../identity/permissions.js';
import {
  type AbTestDefinition,
  type AbTestView,
  loadAbTestDefinition,
  NewAbTestSchema,
  saveAbTestDefinition,
} from './ab-test-definition.js';
import { computeAbTestResults } from './ab-test-results.js';

type Context = RouteContext<ChurnHandlerState>;

const idPattern = /^[A-Za-z0-9_-]{1,128}$/;

async function view(storage: StorageV1, test: AbTestRecord): Promise<AbTestView> {
  return { ...test, ...(await loadAbTestDefinition(storage, test)) };
}

/**
 * The A/B test API:
 *
 * | route | permission | what |
 * | --- | --- | --- |
 * | `POST /api/ab-tests` `{ name, description?, variants: [{ name, weight?, settings? }], control? }` | `tenant:write` | define and start a test (one running test per tenant: 409 otherwise) |
 * | `GET /api/ab-tests` | `analytics:read` | the tenant's tests |
 * | `GET /api/ab-tests/:id` | `analytics:read` | one test |
 * | `POST /api/ab-tests/:id/end` | `tenant:write` | end it (`completed`); assignments and results stay |
 * | `GET /api/ab-tests/:id/results` | `analytics:read` | per variant rates, mean confidence, revenue retained, p-values |
 */
export function abTestRoutes(): Route<ChurnHandlerState>[] {
  const open = async (context: Context, permission: Permission) => {
    const principal = await authenticateRoute(context);
    requirePermission(principal, permission);
    const { storage } = await context.state.services.load();
    return { storage, tenantId: principal.tenantId };
  };
  const load = async (storage: StorageV1, tenantId: string, id: string | undefined) => {
    const test =
      id !== undefined && idPattern.test(id)
        ? await storage.abTests.get({ tenantId, id })
        : undefined;
    if (!test) {
      throw new HttpError(
        404,
        'not_found',
        `No A/B test "${(id ?? '').slice(0, 128)}" in this tenant: check the id.`,
      );
    }
    return test;
  };
  return [
    {
      method: 'POST',
      path: '/api/ab-tests',
      description:
        'Define and start an A/B test ({ name, variants: [{ name, weight, settings }] }).',
      handler: async (context) => {
        const { storage, tenantId } = await open(context, 'tenant:write');
        const body = await readJsonBody(context.request, {
          schema: NewAbTestSchema,
          limit: 64 * 1024,
          subject: 'A/B test',
        });
        const tests = await storage.abTests.list({ tenantId, limit: 1000 });
        const running = tests.find((test) => test.status === 'running');
        if (running) {
          throw new HttpError(
            409,
            'conflict',
            `The A/B test "${running.testName}" is still running: end it first (POST /api/ab-tests/${running.id}/end), so one user is never in two tests at once.`,
          );
        }
        let test: AbTestRecord;
        try {
          test = await storage.abTests.create({
            tenantId,
            testName: body.name,
            variants: body.variants.map((variant) => variant.name),
            status: 'running',
            startedAt: new Date(),
          });
        } catch (error) {
          if (ChurnError.isInstance(error) && error.code === 'conflict') {
            throw new HttpError(
              409,
              'conflict',
              `An A/B test named "${body.name}" exists already: choose another name.`,
            );
          }
          throw error;
        }
        const definition: AbTestDefinition = {
          control: body.control ?? body.variants[0]!.name,
          ...(body.description ? { description: body.description } : {}),
          variants: body.variants,
        };
        await saveAbTestDefinition(storage, test, definition);
        return jsonResponse(
          { test: { ...test, ...definition } },
          { status: 201, headers: { 'cache-control': 'no-store' } },
        );
      },
    },
    {
      method: 'GET',
      path: '/api/ab-tests',
      description: "The tenant's A/B tests.",
      handler: async (context) => {
        const { storage, tenantId } = await open(context, 'analytics:read');
        const tests = await storage.abTests.list({ tenantId, limit: 1000 });
        const views = await Promise.all(tests.map((test) => view(storage, test)));
        return jsonResponse({ tests: views }, { headers: { 'cache-control': 'no-store' } });
      },
    },
    {
      method: 'GET',
      path: '/api/ab-tests/:id',
      description: 'One A/B test with its variants.',
      handler: async (context) => {
        const { storage, tenantId } = await open(context, 'analytics:read');
        const test = await load(storage, tenantId, context.params.id);
        return jsonResponse(
          { test: await view(storage, test) },
          { headers: { 'cache-control': 'no-store' } },
        );
      },
    },
    {
      method: 'POST',
      path: '/api/ab-tests/:id/end',
      description: 'End an A/B test: no new assignments, variants stop applying; results stay.',
      handler: async (context) => {
        const { storage, tenantId } = await open(context, 'tenant:write');
        let test = await load(storage, tenantId, context.params.id);
        if (test.status !== 'completed') {
          const now = new Date();
          const startedAt = test.startedAt ?? test.createdAt;
          test = await storage.abTests.update({
            tenantId,
            id: test.id,
            changes: {
              status: 'completed',
              endedAt: now > startedAt ? now : new Date(startedAt.getTime() + 1),
              ...(test.startedAt ? {} : { startedAt }),
            },
          });
        }
        return jsonResponse(
          { test: await view(storage, test) },
          { headers: { 'cache-control': 'no-store' } },
        );
      },
    },
    {
      method: 'GET',
      path: '/api/ab-tests/:id/results',
      description: 'Results per variant, with two-proportion z-test p-values against the control.',
      handler: async (context) => {
        const { storage, tenantId } = await open(context, 'analytics:read');
        const test = await load(storage, tenantId, context.params.id);
        const results = await computeAbTestResults(storage, test);
        return jsonResponse({ results }, { headers: { 'cache-control': 'no-store' } });
      },
    },
  ];
}
