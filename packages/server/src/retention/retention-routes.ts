import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { jsonResponse } from '../http/json-response.js';
import { readJsonBody } from '../http/read-body.js';
import type { Route } from '../http/router.js';
import { authenticateRoute } from '../identity/authenticate.js';
import { requirePermission } from '../identity/permissions.js';
import { operationsOf } from '../integrations/support-operations.js';
import {
  defaultRetentionPolicy,
  getRetentionPolicy,
  UpdateRetentionPolicySchema,
  updateRetentionPolicy,
} from './retention-policy.js';

const noStore = { 'cache-control': 'no-store' } as const;

/**
 * `GET /api/retention` (`retention:read`: admin, supervisor, developer) and `PATCH
 * /api/retention` (`retention:write`: admin):
 * the tenant's retention periods in days, with the seed's defaults.
 */
export function retentionRoutes(): Route<ChurnHandlerState>[] {
  return [
    {
      method: 'GET',
      path: '/api/retention',
      description: "The tenant's retention periods (days) and the defaults.",
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'retention:read');
        const { db } = await operationsOf(context.state);
        const policy = await getRetentionPolicy(db, principal.tenantId);
        return jsonResponse({ policy, defaults: defaultRetentionPolicy }, { headers: noStore });
      },
    },
    {
      method: 'PATCH',
      path: '/api/retention',
      description:
        'Change retention periods in days (activeConversationDays, closedConversationDays, analyticsDays, feedbackDays, abTestDays, deliveryLogDays).',
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'retention:write');
        const changes = await readJsonBody(context.request, {
          schema: UpdateRetentionPolicySchema,
          subject: 'retention policy',
        });
        const { db } = await operationsOf(context.state);
        const policy = await updateRetentionPolicy(db, principal.tenantId, changes);
        return jsonResponse({ policy, defaults: defaultRetentionPolicy }, { headers: noStore });
      },
    },
  ];
}
