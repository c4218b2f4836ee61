import type { StorageV1 } from '@churn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChurnHandler } from '../handler/create-churn-handler.js';
import { createPGliteStorage } from '../storage/postgres-storage.js';
import { tenantAccessStoreOf } from '../storage/tenant-access-repositories.js';
import {
  createMemoryLogger,
  createTestTenant,
  type TestTenant,
  widgetHeaders,
} from './chat-test-helpers.js';

// The widget runs on the tenant's own site, so the chat API answers cross-origin
// requests from the tenant's allowed origins, and only those.
describe('chat API from the widget on another origin (CORS)', () => {
  const shop = 'https://shop.acme.test';
  let storage: StorageV1;
  let tenant: TestTenant;
  let handler: ReturnType<typeof createChurnHandler>;

  beforeAll(async () => {
    storage = await createPGliteStorage();
    tenant = await createTestTenant(storage);
    await tenantAccessStoreOf(storage).updateSettings({
      tenantId: tenant.tenant.id,
      allowedOrigins: [shop],
    });
    handler = createChurnHandler({ storage, logger: createMemoryLogger() });
  }, 60_000);
  afterAll(() => storage.close());

  it('answers the preflight of the message route for an allowed origin', async () => {
    const response = await handler(
      new Request('http://api.churn.test/api/conversations/abc/messages', {
        method: 'OPTIONS',
        headers: {
          origin: shop,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      }),
    );
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(shop);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('lets the allowed origin start a conversation and read the answer', async () => {
    const response = await handler(
      new Request('http://api.churn.test/api/conversations', {
        method: 'POST',
        headers: { ...widgetHeaders(tenant, { visitor: 'visitor-cors-1' }), origin: shop },
        body: '{}',
      }),
    );
    expect(response.status).toBe(201);
    expect(response.headers.get('access-control-allow-origin')).toBe(shop);
  });

  it('refuses another origin, with no CORS headers and nothing stored', async () => {
    const before = await storage.conversations.list({ tenantId: tenant.tenant.id });
    const response = await handler(
      new Request('http://api.churn.test/api/conversations', {
        method: 'POST',
        headers: {
          ...widgetHeaders(tenant, { visitor: 'visitor-cors-2' }),
          origin: 'https://evil.example',
        },
        body: '{}',
      }),
    );
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const after = await storage.conversations.list({ tenantId: tenant.tenant.id });
    expect(after.length).toBe(before.length);

    const preflight = await handler(
      new Request('http://api.churn.test/api/conversations', {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      }),
    );
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});
