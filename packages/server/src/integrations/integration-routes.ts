import { z } from 'zod';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { HttpError } from '../http/http-error.js';
import { jsonResponse } from '../http/json-response.js';
import { limitParameter, offsetParameter } from '../http/page-query.js';
import { readJsonBody } from '../http/read-body.js';
import { readQuery } from '../http/read-query.js';
import type { Route, RouteContext } from '../http/router.js';
import { authenticateRoute } from '../identity/authenticate.js';
import { requirePermission, type TenantAdminPrincipal } from '../identity/permissions.js';
import { listDeliveries, requeueDelivery } from '../outbox/delivery-outbox.js';
import {
  CreateIntegrationSchema,
  integrationView,
  UpdateIntegrationSchema,
} from './integration-service.js';
import { operationsOf } from './support-operations.js';

const noStore = { 'cache-control': 'no-store' } as const;

const DeliveryQuerySchema = z.object({
  status: z
    .enum(['pending', 'processing', 'delivered', 'dead'], {
      error: 'must be one of: pending, processing, delivered, dead',
    })
    .optional(),
  limit: limitParameter(500, 50),
  offset: offsetParameter,
});

async function reader(context: RouteContext<ChurnHandlerState>): Promise<TenantAdminPrincipal> {
  const principal = await authenticateRoute(context);
  requirePermission(principal, 'integrations:read');
  return principal;
}

async function writer(context: RouteContext<ChurnHandlerState>): Promise<TenantAdminPrincipal> {
  const principal = await authenticateRoute(context);
  requirePermission(principal, 'integrations:write');
  return principal;
}

/**
 * The integrations admin API: `GET/POST /api/integrations`, `GET/PATCH/DELETE
 * /api/integrations/:id`, `POST /api/integrations/:id/test`, `GET
 * /api/integrations/:id/deliveries`, `POST /api/integrations/:id/deliveries/:deliveryId/retry`.
 * Reads need `integrations:read`; changes `integrations:write` (admin, developer, the secret key).
 */
export function integrationRoutes(): Route<ChurnHandlerState>[] {
  return [
    {
      method: 'GET',
      path: '/api/integrations',
      description:
        "The tenant's integrations (Slack, Discord, signed webhooks); no URL tokens, no secrets.",
      handler: async (context) => {
        const principal = await reader(context);
        const { integrations } = await operationsOf(context.state);
        const list = await integrations.service.list(principal.tenantId);
        return jsonResponse({ integrations: list.map(integrationView) }, { headers: noStore });
      },
    },
    {
      method: 'POST',
      path: '/api/integrations',
      description:
        'Create an integration { platform, webhookUrl, name?, enabled?, config? }; a webhook answers its signing secret once.',
      handler: async (context) => {
        const principal = await writer(context);
        const body = await readJsonBody(context.request, {
          schema: CreateIntegrationSchema,
          subject: 'integration',
        });
        const { integrations } = await operationsOf(context.state);
        const created = await integrations.service.create(principal.tenantId, body);
        return jsonResponse(created, { status: 201, headers: noStore });
      },
    },
    {
      method: 'GET',
      path: '/api/integrations/:id',
      description: 'One integration.',
      handler: async (context) => {
        const principal = await reader(context);
        const { integrations } = await operationsOf(context.state);
        const integration = await integrations.service.get(principal.tenantId, context.params.id!);
        return jsonResponse({ integration: integrationView(integration) }, { headers: noStore });
      },
    },
    {
      method: 'PATCH',
      path: '/api/integrations/:id',
      description:
        'Change name, webhookUrl, enabled or config; { rotateSigningSecret: true } answers a new secret once.',
      handler: async (context) => {
        const principal = await writer(context);
        const changes = await readJsonBody(context.request, {
          schema: UpdateIntegrationSchema,
          subject: 'integration changes',
        });
        const { integrations } = await operationsOf(context.state);
        const updated = await integrations.service.update(
          principal.tenantId,
          context.params.id!,
          changes,
        );
        return jsonResponse(updated, { headers: noStore });
      },
    },
    {
      method: 'DELETE',
      path: '/api/integrations/:id',
      description: 'Delete an integration and its delivery log.',
      handler: async (context) => {
        const principal = await writer(context);
        const { integrations } = await operationsOf(context.state);
        await integrations.service.delete(principal.tenantId, context.params.id!);
        return new Response(null, { status: 204 });
      },
    },
    {
      method: 'POST',
      path: '/api/integrations/:id/test',
      description:
        'Send a test message now; answers the delivery (delivered, or dead with its error).',
      handler: async (context) => {
        const principal = await writer(context);
        const { integrations } = await operationsOf(context.state);
        const delivery = await integrations.sendTest(principal.tenantId, context.params.id!);
        return jsonResponse({ delivery }, { headers: noStore });
      },
    },
    {
      method: 'GET',
      path: '/api/integrations/:id/deliveries',
      description: 'The delivery log: status, attempts, last error (?status=&limit=&offset=).',
      handler: async (context) => {
        const principal = await reader(context);
        const query = readQuery(context.url, DeliveryQuerySchema);
        const { integrations, db } = await operationsOf(context.state);
        await integrations.service.get(principal.tenantId, context.params.id!);
        const deliveries = await listDeliveries(db, {
          tenantId: principal.tenantId,
          integrationId: context.params.id!,
          limit: query.limit,
          offset: query.offset,
          ...(query.status ? { status: query.status } : {}),
        });
        return jsonResponse({ deliveries }, { headers: noStore });
      },
    },
    {
      method: 'POST',
      path: '/api/integrations/:id/deliveries/:deliveryId/retry',
      description: 'Send a dead delivery again, with a fresh set of attempts.',
      handler: async (context) => {
        const principal = await writer(context);
        const { integrations, db, now } = await operationsOf(context.state);
        const delivery = await requeueDelivery(db, {
          tenantId: principal.tenantId,
          integrationId: context.params.id!,
          id: context.params.deliveryId!,
          now: now(),
        });
        if (!delivery) {
          throw new HttpError(
            404,
            'not_found',
            `No dead delivery "${context.params.deliveryId}" for this integration: only dead deliveries can be retried (see GET /api/integrations/${context.params.id}/deliveries?status=dead).`,
          );
        }
        integrations.onQueued();
        return jsonResponse({ delivery }, { status: 202, headers: noStore });
      },
    },
  ];
}
