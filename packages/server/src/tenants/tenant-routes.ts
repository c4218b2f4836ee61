import { z } from 'zod';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { HttpError } from '../http/http-error.js';
import { jsonResponse } from '../http/json-response.js';
import { readJsonBody } from '../http/read-body.js';
import { readQuery } from '../http/read-query.js';
import type { Route } from '../http/router.js';
import { authenticateRoute } from '../identity/authenticate.js';
import { requirePermission } from '../identity/permissions.js';
import { widgetRoutes } from '../identity/widget-cors.js';
import { readOptionalJsonBody, requirePlatform } from './route-helpers.js';
import {
  createApiKey,
  createTenant,
  deleteTenant,
  getTenant,
  listApiKeys,
  listTenants,
  revokeApiKey,
  rotateApiKey,
  rotateIdentitySecret,
  updateTenant,
} from './tenant-admin.js';
import {
  CreateApiKeySchema,
  CreateTenantSchema,
  PageQuerySchema,
  RotateApiKeySchema,
  UpdateOwnTenantSchema,
  UpdateTenantSchema,
} from './tenant-schemas.js';
import { getUsage } from './usage-quota.js';

const noStore = { 'cache-control': 'no-store' } as const;

const KeyListQuerySchema = PageQuerySchema.extend({
  includeRevoked: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true'),
});

/** What `GET /api/widget/config` answers: what the widget shows, nothing secret. */
export interface WidgetConfig {
  tenantId: string;
  /** The name in the chat header: the branding's name, else the tenant's. */
  name: string;
  /** The assistant's first line. */
  greeting: string;
  branding: {
    logoUrl?: string;
    primaryColor?: string;
    backgroundColor?: string;
    textColor?: string;
  };
  /** Whether this request carried a verified customer identity. */
  customerVerified: boolean;
}

/**
 * The tenant routes:
 *
 * - platform (platform key): `POST/GET /api/tenants`, `GET/PATCH/DELETE /api/tenants/:tenantId`;
 * - the caller's own tenant (admin token with the permission, or the secret key):
 *   `GET/PATCH /api/tenant`, `POST /api/tenant/identity-secret/rotate`, `GET/POST /api/keys`,
 *   `POST /api/keys/:id/revoke`, `POST /api/keys/:id/rotate`;
 * - the widget (publishable key, CORS for the tenant's allowed origins): `GET /api/widget/config`.
 */
export function tenantRoutes(): Route<ChurnHandlerState>[] {
  return [
    {
      method: 'POST',
      path: '/api/tenants',
      description:
        'Platform: create a tenant with its keys and identity secret (shown once), and optionally its first admin user.',
      handler: async (context) => {
        await requirePlatform(context);
        const body = await readJsonBody(context.request, {
          schema: CreateTenantSchema,
          subject: 'tenant',
        });
        const { storage } = await context.state.services.load();
        const created = await createTenant(storage, body);
        return jsonResponse(created, { status: 201, headers: noStore });
      },
    },
    {
      method: 'GET',
      path: '/api/tenants',
      description: 'Platform: list tenants (?limit=&offset=).',
      handler: async (context) => {
        await requirePlatform(context);
        const page = readQuery(context.url, PageQuerySchema);
        const { storage } = await context.state.services.load();
        return jsonResponse({ tenants: await listTenants(storage, page) }, { headers: noStore });
      },
    },
    {
      method: 'GET',
      path: '/api/tenants/:tenantId',
      description: "Platform: one tenant and this month's usage.",
      handler: async (context) => {
        await requirePlatform(context);
        const { storage } = await context.state.services.load();
        const tenant = await getTenant(storage, context.params.tenantId!);
        const usage = await getUsage({ storage, tenantId: tenant.id, quota: tenant.usageQuota });
        return jsonResponse({ tenant, usage }, { headers: noStore });
      },
    },
    {
      method: 'PATCH',
      path: '/api/tenants/:tenantId',
      description: 'Platform: change name, usage quota, branding or allowed origins.',
      handler: async (context) => {
        await requirePlatform(context);
        const changes = await readJsonBody(context.request, {
          schema: UpdateTenantSchema,
          subject: 'tenant changes',
        });
        const { storage } = await context.state.services.load();
        const tenant = await updateTenant(storage, context.params.tenantId!, changes);
        return jsonResponse({ tenant }, { headers: noStore });
      },
    },
    {
      method: 'DELETE',
      path: '/api/tenants/:tenantId',
      description: 'Platform: delete a tenant and everything it owns.',
      handler: async (context) => {
        await requirePlatform(context);
        const { storage } = await context.state.services.load();
        const tenantId = context.params.tenantId!;
        if (!(await deleteTenant(storage, tenantId))) {
          throw new HttpError(404, 'not_found', `No tenant "${tenantId}": check the id.`);
        }
        return jsonResponse({ deleted: true, tenantId }, { headers: noStore });
      },
    },
    {
      method: 'GET',
      path: '/api/tenant',
      description: "The caller's tenant: settings and this month's usage.",
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'tenant:read');
        const { storage } = await context.state.services.load();
        const tenant = await getTenant(storage, principal.tenantId);
        const usage = await getUsage({ storage, tenantId: tenant.id, quota: tenant.usageQuota });
        return jsonResponse({ tenant, usage }, { headers: noStore });
      },
    },
    {
      method: 'PATCH',
      path: '/api/tenant',
      description: "Change the caller's tenant: name, branding, allowed origins.",
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'tenant:write');
        const changes = await readJsonBody(context.request, {
          schema: UpdateOwnTenantSchema,
          subject: 'tenant changes',
        });
        const { storage } = await context.state.services.load();
        const { usageQuota: _refused, ...allowed } = changes;
        const tenant = await updateTenant(storage, principal.tenantId, allowed);
        return jsonResponse({ tenant }, { headers: noStore });
      },
    },
    {
      method: 'POST',
      path: '/api/tenant/identity-secret/rotate',
      description:
        'Replace the identity secret customer tokens are signed with (shown once; the old one stops working).',
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'identity-secret:rotate');
        const { storage } = await context.state.services.load();
        const rotated = await rotateIdentitySecret(storage, { tenantId: principal.tenantId });
        return jsonResponse(rotated, { headers: noStore });
      },
    },
    {
      method: 'GET',
      path: '/api/keys',
      description:
        'API keys of the tenant: prefixes and status, never the keys (?includeRevoked=true).',
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'keys:read');
        const query = readQuery(context.url, KeyListQuerySchema);
        const { storage } = await context.state.services.load();
        const apiKeys = await listApiKeys(storage, { tenantId: principal.tenantId, ...query });
        return jsonResponse({ apiKeys }, { headers: noStore });
      },
    },
    {
      method: 'POST',
      path: '/api/keys',
      description: 'Create an API key (secret or publishable); the key is in this answer only.',
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'keys:write');
        const body = await readJsonBody(context.request, {
          schema: CreateApiKeySchema,
          subject: 'API key',
        });
        const { storage } = await context.state.services.load();
        const created = await createApiKey(storage, { tenantId: principal.tenantId, ...body });
        return jsonResponse(created, { status: 201, headers: noStore });
      },
    },
    {
      method: 'POST',
      path: '/api/keys/:id/revoke',
      description: 'Revoke an API key now.',
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'keys:write');
        const { storage } = await context.state.services.load();
        const apiKey = await revokeApiKey(storage, {
          tenantId: principal.tenantId,
          id: context.params.id!,
        });
        return jsonResponse({ apiKey }, { headers: noStore });
      },
    },
    {
      method: 'POST',
      path: '/api/keys/:id/rotate',
      description:
        'Replace an API key: a new key (shown once) and the old one revoked, now or after {"gracePeriodSeconds"}.',
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'keys:write');
        const body = await readOptionalJsonBody(context.request, RotateApiKeySchema, 'rotation');
        const { storage } = await context.state.services.load();
        const rotated = await rotateApiKey(storage, {
          tenantId: principal.tenantId,
          id: context.params.id!,
          gracePeriodSeconds: body.gracePeriodSeconds,
        });
        return jsonResponse(rotated, { status: 201, headers: noStore });
      },
    },
    ...widgetRoutes({
      method: 'GET',
      path: '/api/widget/config',
      description: "The widget's settings (name, greeting, branding) for a publishable key.",
      handler: async ({ principal, state }) => {
        if (principal.kind === 'platform') {
          throw new HttpError(
            403,
            'forbidden',
            'The widget configuration belongs to a tenant: call it with the tenant publishable key.',
          );
        }
        const { storage } = await state.services.load();
        const tenant = await getTenant(storage, principal.tenantId);
        const branding = (tenant.customBranding ?? {}) as Record<string, unknown>;
        const text = (key: string) =>
          typeof branding[key] === 'string' ? (branding[key] as string) : undefined;
        const config: WidgetConfig = {
          tenantId: tenant.id,
          name: text('name') ?? tenant.name,
          greeting: text('greeting') ?? `Hi! Ask ${text('name') ?? tenant.name} anything.`,
          branding: Object.fromEntries(
            ['logoUrl', 'primaryColor', 'backgroundColor', 'textColor']
              .map((key) => [key, text(key)] as const)
              .filter((entry): entry is readonly [string, string] => entry[1] !== undefined),
          ),
          customerVerified: principal.kind === 'publishable' && principal.customer !== undefined,
        };
        return jsonResponse(config, { headers: noStore });
      },
    }),
  ];
}
