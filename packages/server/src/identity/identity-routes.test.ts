import type { AdminRole } from '@churn/core';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChurnFetchHandler } from '../handler/create-churn-handler.js';
import { createPGliteStorage, type PostgresStorage } from '../storage/postgres-storage.js';
import type { AdminUserView, CreatedTenant, RevealedApiKey } from '../tenants/tenant-admin.js';
import type { WidgetConfig } from '../tenants/tenant-routes.js';
import {
  callApi,
  createTestHandler,
  createTestTenant,
  testServerSecret,
} from '../tenants/tenant-test-helpers.js';
import type { AdminSessionTokens } from './admin-session.js';
import { signAdminAccessToken } from './admin-token.js';
import { authenticate } from './authenticate.js';
import { customerHash, signCustomerToken } from './customer-token.js';
import type { Principal } from './principal.js';

let storage: PostgresStorage;
let handler: ChurnFetchHandler;
let tenant: CreatedTenant;
const password = 'correct horse battery staple';

beforeAll(async () => {
  storage = await createPGliteStorage();
  handler = createTestHandler(storage);
  tenant = await createTestTenant(handler, {
    name: 'Identity Co',
    admin: { name: 'Ada Admin', email: 'ada@identity.test', password },
  });
});

afterAll(async () => {
  await storage?.close();
});

async function signIn(email: string, secret = password, tenantId = tenant.tenant.id) {
  return callApi<AdminSessionTokens>(handler, 'POST', '/api/auth/sign-in', {
    body: { tenantId, email, password: secret },
  });
}

async function addUser(role: AdminRole, email: string): Promise<AdminUserView> {
  const answer = await callApi<{ adminUser: AdminUserView }>(handler, 'POST', '/api/admin-users', {
    token: tenant.secretKey.key,
    body: { name: `${role} user`, email, role, password },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.adminUser;
}

describe('admin sign-in', () => {
  it('issues a 15-minute access token that reaches the admin routes', async () => {
    const answer = await signIn('ADA@identity.test');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      adminUser: { email: 'ada@identity.test', role: 'admin', hasPassword: true },
    });
    expect(answer.body.refreshToken).toMatch(/^crt_/);
    expect(answer.text).not.toMatch(/passwordHash|scrypt/);
    const expiresIn = (Date.parse(answer.body.expiresAt) - Date.now()) / 1000;
    expect(expiresIn).toBeGreaterThan(890);
    expect(expiresIn).toBeLessThanOrEqual(900);

    const me = await callApi<{ principal: Principal; permissions: string[] }>(
      handler,
      'GET',
      '/api/auth/me',
      { token: answer.body.accessToken },
    );
    expect(me.status).toBe(200);
    expect(me.body.principal).toMatchObject({
      kind: 'admin',
      tenantId: tenant.tenant.id,
      role: 'admin',
    });
    expect(me.body.permissions).toContain('admin-users:write');
  });

  it('answers the same 401 for a wrong password, email or tenant', async () => {
    const other = await createTestTenant(handler, { name: 'Elsewhere' });
    const answers = await Promise.all([
      signIn('ada@identity.test', 'wrong password, long enough'),
      signIn('nobody@identity.test'),
      signIn('ada@identity.test', password, other.tenant.id),
      signIn('ada@identity.test', password, 'no-such-tenant'),
    ]);
    const messages = new Set<string>();
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.body.error?.code).toBe('unauthorized');
      messages.add(answer.body.error?.message ?? '');
    }
    expect(messages.size).toBe(1);
    expect([...messages][0]).toMatch(/tenant, email or password is wrong/);
  });

  it('validates the sign-in body', async () => {
    const answer = await callApi(handler, 'POST', '/api/auth/sign-in', {
      body: { email: 'not-an-email', password: '' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toMatch(/tenantId/);
  });

  it('refreshes once per refresh token, and treats reuse as theft', async () => {
    const first = (await signIn('ada@identity.test')).body;
    const refreshed = await callApi<AdminSessionTokens>(handler, 'POST', '/api/auth/refresh', {
      body: { refreshToken: first.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshToken).not.toBe(first.refreshToken);
    expect(
      (await callApi(handler, 'GET', '/api/auth/me', { token: refreshed.body.accessToken })).status,
    ).toBe(200);
    // The old session ended with the refresh.
    expect(
      (await callApi(handler, 'GET', '/api/auth/me', { token: first.accessToken })).status,
    ).toBe(401);

    const reused = await callApi(handler, 'POST', '/api/auth/refresh', {
      body: { refreshToken: first.refreshToken },
    });
    expect(reused.status).toBe(401);
    expect(reused.body.error?.message).toMatch(/already used/);
    // ...which signs the user out everywhere.
    expect(
      (await callApi(handler, 'GET', '/api/auth/me', { token: refreshed.body.accessToken })).status,
    ).toBe(401);
  });

  it('signs out: the session and its access tokens stop working', async () => {
    const session = (await signIn('ada@identity.test')).body;
    const out = await callApi(handler, 'POST', '/api/auth/sign-out', {
      body: { refreshToken: session.refreshToken },
    });
    expect(out.status).toBe(200);
    expect(
      (await callApi(handler, 'GET', '/api/keys', { token: session.accessToken })).status,
    ).toBe(401);
    expect(
      (
        await callApi(handler, 'POST', '/api/auth/refresh', {
          body: { refreshToken: session.refreshToken },
        })
      ).status,
    ).toBe(401);
  });

  it('refuses expired and forged access tokens', async () => {
    const session = (await signIn('ada@identity.test')).body;
    const me = (
      await callApi<{ principal: { adminUserId: string } }>(handler, 'GET', '/api/auth/me', {
        token: session.accessToken,
      })
    ).body.principal;
    const claims = JSON.parse(
      Buffer.from(session.accessToken.split('.')[1]!, 'base64url').toString(),
    ) as { sid: string };
    const expired = await signAdminAccessToken({
      secret: testServerSecret,
      tenantId: tenant.tenant.id,
      adminUserId: me.adminUserId,
      role: 'admin',
      sessionId: claims.sid,
      now: new Date(Date.now() - 3600_000),
    });
    const answer = await callApi(handler, 'GET', '/api/auth/me', { token: expired.token });
    expect(answer.status).toBe(401);
    expect(answer.body.error?.message).toMatch(/expired.*refresh/);

    const forged = await signAdminAccessToken({
      secret: 'another_secret_of_sufficient_length_0123456789',
      tenantId: tenant.tenant.id,
      adminUserId: me.adminUserId,
      role: 'admin',
      sessionId: claims.sid,
    });
    expect((await callApi(handler, 'GET', '/api/auth/me', { token: forged.token })).status).toBe(
      401,
    );
    // A token claiming a higher role gets the user's stored role, not the claimed one.
    const support = await addUser('support-agent', 'claims@identity.test');
    const supportSession = (await signIn('claims@identity.test')).body;
    const supportClaims = JSON.parse(
      Buffer.from(supportSession.accessToken.split('.')[1]!, 'base64url').toString(),
    ) as { sid: string };
    const elevated = await signAdminAccessToken({
      secret: testServerSecret,
      tenantId: tenant.tenant.id,
      adminUserId: support.id,
      role: 'admin',
      sessionId: supportClaims.sid,
    });
    const elevatedAnswer = await callApi(handler, 'GET', '/api/admin-users', {
      token: elevated.token,
    });
    expect(elevatedAnswer.status).toBe(403);
  });
});

describe('admin users', () => {
  it('creates, reads, updates and deletes admin users; a new password signs the user out', async () => {
    const user = await addUser('developer', 'dev@identity.test');
    expect(user).toMatchObject({ role: 'developer', hasPassword: true });
    const session = (await signIn('dev@identity.test')).body;

    const read = await callApi<{ adminUser: AdminUserView }>(
      handler,
      'GET',
      `/api/admin-users/${user.id}`,
      { token: tenant.secretKey.key },
    );
    expect(read.body.adminUser.email).toBe('dev@identity.test');

    const changed = await callApi<{ adminUser: AdminUserView }>(
      handler,
      'PATCH',
      `/api/admin-users/${user.id}`,
      {
        token: tenant.secretKey.key,
        body: { role: 'supervisor', password: 'a brand new passphrase' },
      },
    );
    expect(changed.status).toBe(200);
    expect(changed.body.adminUser.role).toBe('supervisor');
    expect(
      (await callApi(handler, 'GET', '/api/auth/me', { token: session.accessToken })).status,
    ).toBe(401);
    expect((await signIn('dev@identity.test', 'a brand new passphrase')).status).toBe(200);

    const duplicate = await callApi(handler, 'POST', '/api/admin-users', {
      token: tenant.secretKey.key,
      body: { name: 'Copy', email: 'DEV@identity.test', role: 'developer' },
    });
    expect(duplicate.status).toBe(409);
    const weak = await callApi(handler, 'POST', '/api/admin-users', {
      token: tenant.secretKey.key,
      body: { name: 'Weak', email: 'weak@identity.test', role: 'developer', password: 'short' },
    });
    expect(weak.status).toBe(400);
    expect(weak.body.error?.message).toMatch(/at least 12 characters/);

    const deleted = await callApi(handler, 'DELETE', `/api/admin-users/${user.id}`, {
      token: tenant.secretKey.key,
    });
    expect(deleted.status).toBe(200);
    expect((await signIn('dev@identity.test', 'a brand new passphrase')).status).toBe(401);
    const gone = await callApi(handler, 'GET', `/api/admin-users/${user.id}`, {
      token: tenant.secretKey.key,
    });
    expect(gone.status).toBe(404);
  });

  it('keeps the last admin', async () => {
    const lonely = await createTestTenant(handler, {
      name: 'Lonely Co',
      admin: { name: 'Only Admin', email: 'only@lonely.test', password },
    });
    const id = lonely.adminUser!.id;
    for (const [method, body] of [
      ['DELETE', undefined],
      ['PATCH', { role: 'developer' }],
    ] as const) {
      const answer = await callApi(handler, method, `/api/admin-users/${id}`, {
        token: lonely.secretKey.key,
        ...(body ? { body } : {}),
      });
      expect(answer.status).toBe(409);
      expect(answer.body.error?.message).toMatch(/last admin/);
    }
  });
});

describe('role matrix: every admin route for every role', () => {
  const roles: AdminRole[] = ['admin', 'supervisor', 'support-agent', 'developer'];
  const tokens = new Map<AdminRole, string>();

  beforeAll(async () => {
    for (const role of roles) {
      const email = `matrix-${role}@identity.test`;
      if (role !== 'admin') await addUser(role, email);
      else await addUser('admin', email);
      const session = await signIn(email);
      expect(session.status).toBe(200);
      tokens.set(role, session.body.accessToken);
    }
  });

  async function freshKeyId(): Promise<string> {
    const answer = await callApi<RevealedApiKey>(handler, 'POST', '/api/keys', {
      token: tenant.secretKey.key,
      body: { scope: 'publishable' },
    });
    return answer.body.apiKey.id;
  }

  let counter = 0;
  async function freshUserId(): Promise<string> {
    counter += 1;
    return (await addUser('support-agent', `target-${counter}@identity.test`)).id;
  }

  const all = roles;
  const cases: {
    method: string;
    path: () => Promise<string>;
    body?: () => unknown;
    allowed: AdminRole[];
  }[] = [
    { method: 'GET', path: async () => '/api/auth/me', allowed: all },
    { method: 'GET', path: async () => '/api/tenant', allowed: all },
    {
      method: 'PATCH',
      path: async () => '/api/tenant',
      body: () => ({ name: 'Identity Co' }),
      allowed: ['admin', 'developer'],
    },
    {
      method: 'POST',
      path: async () => '/api/tenant/identity-secret/rotate',
      allowed: ['admin', 'developer'],
    },
    { method: 'GET', path: async () => '/api/keys', allowed: ['admin', 'developer'] },
    {
      method: 'POST',
      path: async () => '/api/keys',
      body: () => ({ scope: 'publishable' }),
      allowed: ['admin', 'developer'],
    },
    {
      method: 'POST',
      path: async () => `/api/keys/${await freshKeyId()}/revoke`,
      allowed: ['admin', 'developer'],
    },
    {
      method: 'POST',
      path: async () => `/api/keys/${await freshKeyId()}/rotate`,
      allowed: ['admin', 'developer'],
    },
    { method: 'GET', path: async () => '/api/admin-users', allowed: ['admin'] },
    {
      method: 'POST',
      path: async () => '/api/admin-users',
      body: () => {
        counter += 1;
        return { name: 'New', email: `new-${counter}@identity.test`, role: 'support-agent' };
      },
      allowed: ['admin'],
    },
    {
      method: 'GET',
      path: async () => `/api/admin-users/${await freshUserId()}`,
      allowed: ['admin'],
    },
    {
      method: 'PATCH',
      path: async () => `/api/admin-users/${await freshUserId()}`,
      body: () => ({ name: 'Renamed' }),
      allowed: ['admin'],
    },
    {
      method: 'DELETE',
      path: async () => `/api/admin-users/${await freshUserId()}`,
      allowed: ['admin'],
    },
  ];

  for (const role of roles) {
    it(`${role}: allowed routes answer 2xx, the others 403`, async () => {
      for (const testCase of cases) {
        const path = await testCase.path();
        const body = testCase.body?.();
        const answer = await callApi(handler, testCase.method, path, {
          token: tokens.get(role)!,
          ...(body === undefined ? {} : { body }),
        });
        const label = `${role} ${testCase.method} ${path}: ${JSON.stringify(answer.body)}`;
        if (testCase.allowed.includes(role)) {
          expect(answer.status, label).toBeGreaterThanOrEqual(200);
          expect(answer.status, label).toBeLessThan(300);
        } else {
          expect(answer.status, label).toBe(403);
          expect(answer.body.error?.message, label).toMatch(/permission/);
        }
      }
    });
  }
});

describe('customer identity', () => {
  let widgetTenant: CreatedTenant;
  beforeAll(async () => {
    widgetTenant = await createTestTenant(handler, { name: 'Customers Co' });
  });

  async function config(headers: Record<string, string>) {
    return callApi<WidgetConfig>(handler, 'GET', '/api/widget/config', {
      token: widgetTenant.publishableKey.key,
      headers,
    });
  }

  async function principalOf(headers: Record<string, string>): Promise<Principal> {
    return authenticate(
      new Request('http://churn.test/api/anything', {
        headers: { authorization: `Bearer ${widgetTenant.publishableKey.key}`, ...headers },
      }),
      { storage },
    );
  }

  it('turns a valid JWT into a verified customer', async () => {
    const token = await signCustomerToken({
      tenantId: widgetTenant.tenant.id,
      customerId: 'cus_42',
      secret: widgetTenant.identitySecret,
    });
    expect(await principalOf({ 'x-churn-customer-token': token })).toEqual({
      kind: 'publishable',
      tenantId: widgetTenant.tenant.id,
      apiKeyId: widgetTenant.publishableKey.apiKey.id,
      customer: { id: 'cus_42' },
    });
    expect((await config({ 'x-churn-customer-token': token })).body.customerVerified).toBe(true);
  });

  it('turns a valid HMAC into a verified customer', async () => {
    const hash = customerHash('cus_43', widgetTenant.identitySecret);
    const principal = await principalOf({
      'x-churn-customer-id': 'cus_43',
      'x-churn-customer-hash': hash,
      'x-churn-visitor-id': 'visitor_12345678',
    });
    expect(principal).toMatchObject({ customer: { id: 'cus_43' }, visitorId: 'visitor_12345678' });
  });

  it('leaves a visitor without a token anonymous', async () => {
    const principal = await principalOf({});
    expect(principal.kind).toBe('publishable');
    expect(principal).not.toHaveProperty('customer');
    expect((await config({})).body.customerVerified).toBe(false);
  });

  it('answers 401 for expired, tampered, foreign and wrongly hashed identities', async () => {
    const expired = await signCustomerToken({
      tenantId: widgetTenant.tenant.id,
      customerId: 'cus_42',
      secret: widgetTenant.identitySecret,
      expiresInSeconds: 60,
      now: new Date(Date.now() - 3600_000),
    });
    const valid = await signCustomerToken({
      tenantId: widgetTenant.tenant.id,
      customerId: 'cus_42',
      secret: widgetTenant.identitySecret,
    });
    const [header, payload, signature] = valid.split('.') as [string, string, string];
    const tamperedPayload = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
        sub: 'cus_admin',
      }),
    ).toString('base64url');
    const tampered = `${header}.${tamperedPayload}.${signature}`;
    const otherTenant = await createTestTenant(handler, { name: 'Foreign Co' });
    const foreignSecret = await signCustomerToken({
      tenantId: widgetTenant.tenant.id,
      customerId: 'cus_42',
      secret: otherTenant.identitySecret,
    });
    const foreignTenant = await signCustomerToken({
      tenantId: otherTenant.tenant.id,
      customerId: 'cus_42',
      secret: widgetTenant.identitySecret,
    });
    const noExpiry = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('cus_42')
      .sign(new TextEncoder().encode(widgetTenant.identitySecret));

    for (const [label, headers, message] of [
      ['expired', { 'x-churn-customer-token': expired }, /expired/],
      ['tampered', { 'x-churn-customer-token': tampered }, /not valid/],
      ["another tenant's secret", { 'x-churn-customer-token': foreignSecret }, /not valid/],
      ['another tenant id', { 'x-churn-customer-token': foreignTenant }, /another tenant/],
      ['no exp', { 'x-churn-customer-token': noExpiry }, /exp/],
      ['garbage', { 'x-churn-customer-token': 'not-a-jwt' }, /not valid/],
      [
        'wrong hash',
        {
          'x-churn-customer-id': 'cus_43',
          'x-churn-customer-hash': customerHash('cus_44', widgetTenant.identitySecret),
        },
        /does not match/,
      ],
      ['hash without id', { 'x-churn-customer-hash': 'ab'.repeat(32) }, /both headers/],
    ] as const) {
      const answer = await config(headers);
      expect(answer.status, label).toBe(401);
      expect(answer.body.error?.code, label).toBe('unauthorized');
      expect(answer.body.error?.message, label).toMatch(message);
      expect(answer.text, label).not.toContain(widgetTenant.identitySecret);
    }
  });

  it('stops accepting old tokens once the identity secret is rotated', async () => {
    const token = await signCustomerToken({
      tenantId: widgetTenant.tenant.id,
      customerId: 'cus_42',
      secret: widgetTenant.identitySecret,
    });
    const rotated = await callApi<{ identitySecret: string }>(
      handler,
      'POST',
      '/api/tenant/identity-secret/rotate',
      { token: widgetTenant.secretKey.key },
    );
    expect((await config({ 'x-churn-customer-token': token })).status).toBe(401);
    const fresh = await signCustomerToken({
      tenantId: widgetTenant.tenant.id,
      customerId: 'cus_42',
      secret: rotated.body.identitySecret,
    });
    expect((await config({ 'x-churn-customer-token': fresh })).body.customerVerified).toBe(true);
  });
});
