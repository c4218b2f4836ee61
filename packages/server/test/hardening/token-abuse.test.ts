/**
 * Expired, tampered, foreign and replayed credentials against the real handler: customer
 * identity tokens, admin access tokens, single-use refresh tokens and signed recovery links.
 * Each is refused (401, or 410 for a link page) and a refusal never turns into a weaker
 * principal (anonymous) or reveals which part was wrong beyond what docs/security.md says.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChurnHandler } from '../../src/handler/create-churn-handler.js';
import { signAdminAccessToken } from '../../src/identity/admin-token.js';
import { signCustomerToken } from '../../src/identity/customer-token.js';
import { signRecoveryLinkToken } from '../../src/recovery/recovery-link.js';
import { createPGliteStorage, type PostgresStorage } from '../../src/storage/postgres-storage.js';
import type { CreatedTenant } from '../../src/tenants/tenant-admin.js';
import {
  callApi,
  memoryLogger,
  testPlatformKey,
  testServerSecret,
} from '../../src/tenants/tenant-test-helpers.js';

const password = 'correct horse battery staple';
let storage: PostgresStorage;
let handler: ReturnType<typeof createChurnHandler>;
let acme: CreatedTenant;
let globex: CreatedTenant;

async function createTenant(name: string, email: string): Promise<CreatedTenant> {
  const answer = await callApi<CreatedTenant>(handler, 'POST', '/api/tenants', {
    token: testPlatformKey,
    body: { name, admin: { name: `${name} admin`, email, password } },
  });
  expect(answer.status, answer.text).toBe(201);
  return answer.body;
}

function signIn(tenant: CreatedTenant, email: string) {
  return callApi<{ accessToken: string; refreshToken: string }>(
    handler,
    'POST',
    '/api/auth/sign-in',
    { body: { tenantId: tenant.tenant.id, email, password } },
  );
}

/** A JWT with one claim changed and the original signature kept. */
function tamper(token: string, change: (claims: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
  change(claims);
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

/** The same claims, `alg: none` and no signature. */
function unsigned(token: string): string {
  const payload = token.split('.')[1];
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  return `${header}.${payload}.`;
}

/** The same claims signed with another key. */
function resigned(token: string, key: string): string {
  const [header, payload] = token.split('.');
  const signature = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

beforeAll(async () => {
  storage = await createPGliteStorage();
  handler = createChurnHandler({
    storage,
    platformKey: testPlatformKey,
    secret: testServerSecret,
    logger: memoryLogger(),
    rateLimits: { enabled: false },
  });
  acme = await createTenant('Acme Tokens', 'ada@acme.test');
  globex = await createTenant('Globex Tokens', 'bert@globex.test');
}, 60_000);

afterAll(async () => {
  await handler?.close?.();
  await storage?.close();
});

describe('customer identity tokens', () => {
  const widgetConfig = (token: string) =>
    callApi(handler, 'GET', '/api/widget/config', {
      token: acme.publishableKey.key,
      headers: { 'x-churn-customer-token': token },
    });

  it('a valid token verifies; expired, tampered, foreign, unsigned and exp-less ones answer 401', async () => {
    const valid = await signCustomerToken({
      tenantId: acme.tenant.id,
      customerId: 'cus_ann',
      secret: acme.identitySecret,
    });
    const ok = await widgetConfig(valid);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.text).toMatch(/"verified":true|"customerVerified":true|"customer":\{/);

    const expired = await signCustomerToken({
      tenantId: acme.tenant.id,
      customerId: 'cus_ann',
      secret: acme.identitySecret,
      now: new Date(Date.now() - 2 * 3600_000),
      expiresInSeconds: 60,
    });
    const foreign = await signCustomerToken({
      tenantId: globex.tenant.id,
      customerId: 'cus_ann',
      secret: globex.identitySecret,
    });
    const cases: Record<string, string> = {
      expired,
      'another customer, same signature': tamper(valid, (claims) => {
        claims.sub = 'cus_bob';
      }),
      'expiry pushed out, same signature': tamper(valid, (claims) => {
        claims.exp = Number(claims.exp) + 86_400 * 365;
      }),
      "another tenant's token": foreign,
      "another tenant's token with this tenant's tid": tamper(foreign, (claims) => {
        claims.tid = acme.tenant.id;
      }),
      'alg none': unsigned(valid),
      'signed with the server secret': resigned(valid, testServerSecret),
      'without exp': resigned(
        tamper(valid, (claims) => {
          delete claims.exp;
        }),
        acme.identitySecret,
      ),
      garbage: 'not.a.jwt',
    };
    for (const [name, token] of Object.entries(cases)) {
      const answer = await widgetConfig(token);
      expect(answer.status, `${name}: ${answer.text}`).toBe(401);
      expect(answer.body.error?.code, name).toBe('unauthorized');
      expect(answer.text, name).not.toContain(acme.identitySecret);
    }
  });

  it('a token stops working the moment the identity secret is rotated', async () => {
    const token = await signCustomerToken({
      tenantId: acme.tenant.id,
      customerId: 'cus_rot',
      secret: acme.identitySecret,
    });
    expect((await widgetConfig(token)).status).toBe(200);
    const rotated = await callApi<{ identitySecret: string }>(
      handler,
      'POST',
      '/api/tenant/identity-secret/rotate',
      { token: acme.secretKey.key, body: {} },
    );
    expect(rotated.status, rotated.text).toBeLessThan(300);
    expect((await widgetConfig(token)).status).toBe(401);
    acme.identitySecret = rotated.body.identitySecret;
  });
});

describe('admin access tokens', () => {
  const me = (token: string) => callApi(handler, 'GET', '/api/auth/me', { token });

  it('refuses expired, tampered, re-signed and unsigned tokens', async () => {
    const signedIn = await signIn(acme, 'ada@acme.test');
    expect(signedIn.status).toBe(200);
    const { accessToken } = signedIn.body;
    expect((await me(accessToken)).status).toBe(200);
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString());
    const expired = await signAdminAccessToken({
      secret: testServerSecret,
      tenantId: acme.tenant.id,
      adminUserId: claims.sub,
      role: 'admin',
      sessionId: claims.sid,
      now: new Date(Date.now() - 3600_000),
    });
    const cases: Record<string, string> = {
      expired: expired.token,
      'tenant swapped, same signature': tamper(accessToken, (value) => {
        value.tid = globex.tenant.id;
      }),
      'role raised, same signature': tamper(accessToken, (value) => {
        value.role = 'admin';
        value.sub = 'adm_someone_else';
      }),
      'signed with the identity secret': resigned(accessToken, acme.identitySecret),
      'alg none': unsigned(accessToken),
      'a customer token as an admin token': await signCustomerToken({
        tenantId: acme.tenant.id,
        customerId: claims.sub,
        secret: acme.identitySecret,
      }),
    };
    for (const [name, token] of Object.entries(cases)) {
      const answer = await me(token);
      expect(answer.status, `${name}: ${answer.text}`).toBe(401);
    }
    // A token of tenant A never reads tenant B, whatever it claims.
    const forged = tamper(accessToken, (value) => {
      value.tid = globex.tenant.id;
    });
    const tenant = await callApi(handler, 'GET', '/api/tenant', { token: forged });
    expect(tenant.status).toBe(401);
    expect(tenant.text).not.toContain('Globex');
  });

  it('a signed-out session ends its access token at once, not after 15 minutes', async () => {
    const signedIn = await signIn(acme, 'ada@acme.test');
    const { accessToken, refreshToken } = signedIn.body;
    expect((await me(accessToken)).status).toBe(200);
    const out = await callApi(handler, 'POST', '/api/auth/sign-out', { body: { refreshToken } });
    expect(out.status).toBeLessThan(300);
    expect((await me(accessToken)).status).toBe(401);
  });
});

describe('refresh tokens', () => {
  it('are single use: a replay is refused and signs the user out everywhere', async () => {
    const signedIn = await signIn(globex, 'bert@globex.test');
    const other = await signIn(globex, 'bert@globex.test');
    const first = signedIn.body.refreshToken;
    const refreshed = await callApi<{ accessToken: string; refreshToken: string }>(
      handler,
      'POST',
      '/api/auth/refresh',
      { body: { refreshToken: first } },
    );
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(refreshed.body.refreshToken).not.toBe(first);

    const replay = await callApi(handler, 'POST', '/api/auth/refresh', {
      body: { refreshToken: first },
    });
    expect(replay.status).toBe(401);
    // The leak is treated as such: every session of that user is over.
    const next = await callApi(handler, 'POST', '/api/auth/refresh', {
      body: { refreshToken: refreshed.body.refreshToken },
    });
    expect(next.status).toBe(401);
    expect(
      (await callApi(handler, 'GET', '/api/auth/me', { token: refreshed.body.accessToken })).status,
    ).toBe(401);
    expect(
      (await callApi(handler, 'GET', '/api/auth/me', { token: other.body.accessToken })).status,
    ).toBe(401);
  });

  it('refuses made-up and tampered refresh tokens', async () => {
    const signedIn = await signIn(acme, 'ada@acme.test');
    const token = signedIn.body.refreshToken;
    for (const candidate of [`${token}x`, `crt_${'A'.repeat(43)}`, token.slice(0, -2), '']) {
      const answer = await callApi(handler, 'POST', '/api/auth/refresh', {
        body: { refreshToken: candidate },
      });
      expect([400, 401], candidate).toContain(answer.status);
    }
    // The real one still works: failed guesses do not burn it.
    const answer = await callApi(handler, 'POST', '/api/auth/refresh', {
      body: { refreshToken: token },
    });
    expect(answer.status).toBe(200);
  });
});

describe('recovery links', () => {
  it('forged, expired and re-signed links answer 410 and mint no customer token', async () => {
    const claims = {
      tenantId: acme.tenant.id,
      conversationId: 'conv_whatever',
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    };
    const valid = signRecoveryLinkToken(claims, testServerSecret);
    const [payload, signature] = valid.split('.');
    const otherPayload = Buffer.from(
      JSON.stringify({ t: globex.tenant.id, c: 'conv_whatever', e: claims.expiresAt }),
    ).toString('base64url');
    const cases: Record<string, string> = {
      expired: signRecoveryLinkToken(
        { ...claims, expiresAt: Math.floor(Date.now() / 1000) - 60 },
        testServerSecret,
      ),
      'tenant swapped, same signature': `${otherPayload}.${signature}`,
      'signed with another secret': signRecoveryLinkToken(claims, 'x'.repeat(48)),
      'signature cut': `${payload}.${signature!.slice(0, 10)}`,
      'no signature': `${payload}`,
    };
    for (const [name, token] of Object.entries(cases)) {
      const response = await handler(new Request(`http://churn.test/r/${token}`));
      const html = await response.text();
      expect(response.status, name).toBe(410);
      expect(html, name).not.toContain('data-customer-token');
      expect(html, name).not.toContain('Globex');
    }
  });
});
