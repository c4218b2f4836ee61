import type { AdminRole } from '@churn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChurnHandler } from '../handler/create-churn-handler.js';
import { testEncryptionKey } from '../integrations/integrations-test-helpers.js';
import { createPGliteStorage, type PostgresStorage } from '../storage/postgres-storage.js';
import type { CreatedTenant } from '../tenants/tenant-admin.js';
import {
  callApi,
  createTestTenant,
  memoryLogger,
  testPlatformKey,
  testServerSecret,
} from '../tenants/tenant-test-helpers.js';
import type { AdminSessionTokens } from './admin-session.js';
import { type Permission, permissionsByRole } from './permissions.js';

const roles = Object.keys(permissionsByRole) as AdminRole[];
const password = 'correct horse battery staple';

/**
 * What a route checks: one permission of the table. The roles it lets through come from
 * `permissionsByRole` alone, so the table (which docs/security.md shows) is the one source.
 */
interface Guard {
  permission: Permission;
}

/** The roles the permission table gives a guard's permission. */
function allowedRoles(guard: Guard): readonly AdminRole[] {
  return roles.filter((role) => permissionsByRole[role].includes(guard.permission));
}

/** What each role's tenant holds for the routes that act on one record. */
interface Fixture {
  tenant: CreatedTenant;
  token: string;
  escalationId: string;
  integrationId: string;
  doomedIntegrationId: string;
}

interface RouteCase {
  method: string;
  path: (fixture: Fixture) => string;
  body?: unknown;
  guard: Guard;
}

const routes: RouteCase[] = [
  { method: 'GET', path: () => '/api/feedback', guard: { permission: 'conversations:read' } },
  { method: 'GET', path: () => '/api/escalations', guard: { permission: 'conversations:read' } },
  {
    method: 'PATCH',
    path: (fixture) => `/api/escalations/${fixture.escalationId}`,
    body: { status: 'resolved' },
    guard: { permission: 'escalations:write' },
  },
  {
    method: 'GET',
    path: () => '/api/analytics/series?metrics=deflection&from=2026-01-01&to=2026-01-04',
    guard: { permission: 'analytics:read' },
  },
  {
    method: 'POST',
    path: () => '/api/ab-tests',
    body: { name: 'prompts', variants: [{ name: 'A' }, { name: 'B' }] },
    guard: { permission: 'tenant:write' },
  },
  { method: 'GET', path: () => '/api/ab-tests', guard: { permission: 'analytics:read' } },
  { method: 'GET', path: () => '/api/integrations', guard: { permission: 'integrations:read' } },
  {
    method: 'GET',
    path: (fixture) => `/api/integrations/${fixture.integrationId}`,
    guard: { permission: 'integrations:read' },
  },
  {
    method: 'POST',
    path: () => '/api/integrations',
    body: { platform: 'webhook', webhookUrl: 'http://127.0.0.1:9/role-matrix' },
    guard: { permission: 'integrations:write' },
  },
  {
    method: 'PATCH',
    path: (fixture) => `/api/integrations/${fixture.integrationId}`,
    body: { name: 'Renamed' },
    guard: { permission: 'integrations:write' },
  },
  {
    method: 'DELETE',
    path: (fixture) => `/api/integrations/${fixture.doomedIntegrationId}`,
    guard: { permission: 'integrations:write' },
  },
  { method: 'GET', path: () => '/api/retention', guard: { permission: 'retention:read' } },
  {
    method: 'PATCH',
    path: () => '/api/retention',
    body: { feedbackDays: 100 },
    guard: { permission: 'retention:write' },
  },
];

let storage: PostgresStorage;
let handler: ReturnType<typeof createChurnHandler>;
const fixtures = new Map<AdminRole, Fixture>();

async function fixtureFor(role: AdminRole): Promise<Fixture> {
  const email = `${role}@roles.test`;
  const tenant = await createTestTenant(handler, {
    name: `Roles ${role}`,
    admin: { name: `${role} user`, email, role, password },
  });
  const secret = tenant.secretKey.key;
  const signedIn = await callApi<AdminSessionTokens>(handler, 'POST', '/api/auth/sign-in', {
    body: { tenantId: tenant.tenant.id, email, password },
  });
  expect(signedIn.status, signedIn.text).toBe(200);
  const conversation = await storage.conversations.create({
    tenantId: tenant.tenant.id,
    purpose: 'support',
    sessionId: `session-${role}`,
  });
  const escalated = await callApi<{ escalation: { id: string } }>(
    handler,
    'POST',
    `/api/conversations/${conversation.id}/escalate`,
    { token: secret, body: { reason: 'operator' } },
  );
  expect(escalated.status, escalated.text).toBe(201);
  const integration = async () => {
    const created = await callApi<{ integration: { id: string } }>(
      handler,
      'POST',
      '/api/integrations',
      { token: secret, body: { platform: 'webhook', webhookUrl: 'http://127.0.0.1:9/fixture' } },
    );
    expect(created.status, created.text).toBe(201);
    return created.body.integration.id;
  };
  return {
    tenant,
    token: signedIn.body.accessToken,
    escalationId: escalated.body.escalation.id,
    integrationId: await integration(),
    doomedIntegrationId: await integration(),
  };
}

beforeAll(async () => {
  storage = await createPGliteStorage();
  handler = createChurnHandler({
    storage,
    platformKey: testPlatformKey,
    secret: testServerSecret,
    logger: memoryLogger(),
    operations: {
      workers: false,
      encryptionKey: testEncryptionKey,
      integrations: { allowPrivateNetwork: true },
    },
  });
  for (const role of roles) fixtures.set(role, await fixtureFor(role));
});

afterAll(async () => {
  await handler?.close();
  await storage?.close();
});

describe('support-operations admin routes × admin roles', () => {
  it('covers every role of the permission table', () => {
    expect(roles).toEqual(['admin', 'supervisor', 'support-agent', 'developer']);
  });

  for (const role of roles) {
    describe(role, () => {
      for (const route of routes) {
        const allowed = allowedRoles(route.guard).includes(role);
        const label = `${route.method} ${route.path({ escalationId: ':id', integrationId: ':id', doomedIntegrationId: ':id' } as Fixture)}`;
        it(`${label} → ${allowed ? '2xx' : '403'}`, async () => {
          const fixture = fixtures.get(role)!;
          const answer = await callApi(handler, route.method, route.path(fixture), {
            token: fixture.token,
            ...(route.body === undefined ? {} : { body: route.body }),
          });
          if (allowed) {
            expect(answer.status, answer.text).toBeGreaterThanOrEqual(200);
            expect(answer.status, answer.text).toBeLessThan(300);
          } else {
            expect(answer.status, answer.text).toBe(403);
            expect(answer.body.error?.code).toBe('forbidden');
          }
        });
      }
    });
  }
});
