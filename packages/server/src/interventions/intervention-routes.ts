import type { StorageV1 } from '@churn/core';
import { ChurnError } from '@churn/core';
import { z } from 'zod';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import type { ChurnLogger } from '../http/error-to-response.js';
import { jsonResponse } from '../http/json-response.js';
import { readJsonBody } from '../http/read-body.js';
import type { Route } from '../http/router.js';
import { authenticateRoute } from '../identity/authenticate.js';
import { requirePermission } from '../identity/permissions.js';
import { recoveryLinkFor } from '../recovery/recovery-link.js';
import type { RecoveryService } from '../recovery/recovery-service.js';
import { recoveryServiceOf } from '../recovery/recovery-service.js';
import { startRecoverySession, startRecoverySweeper } from '../recovery/recovery-sessions.js';
import {
  InterventionRulesSchema,
  loadInterventionRules,
  matchInterventionRule,
  saveInterventionRules,
} from './intervention-rules.js';

const idPattern = /^[A-Za-z0-9_-]{1,128}$/;

const StartInterventionsSchema = z.strictObject({
  customerIds: z
    .array(z.string().regex(idPattern, { error: 'must be a customer id' }), {
      error: 'must be an array of customer ids',
    })
    .min(1, { error: 'must name at least one customer' })
    .max(100, { error: 'must name at most 100 customers per request' }),
  /** An A/B variant to file the sessions under (metrics by variant). */
  variant: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1 to 64 letters, digits, "_" or "-"' })
    .optional(),
});

/**
 * Starts a recovery session when the tenant's rules say so, after a webhook or the sync marked
 * the customer at-risk. Never throws: a failure is logged, the event stays applied.
 */
export async function startRuleIntervention(options: {
  storage: StorageV1;
  service: RecoveryService;
  tenantId: string;
  customerId: string;
  logger: ChurnLogger;
}): Promise<string | undefined> {
  const { storage, tenantId } = options;
  try {
    const rules = await loadInterventionRules(storage, tenantId);
    const customer = await storage.customers.get({ tenantId, id: options.customerId });
    if (!customer) return undefined;
    const methods = await storage.paymentMethods.listByCustomer({
      tenantId,
      customerId: customer.id,
    });
    const rule = matchInterventionRule(rules, customer, methods, options.service.clock());
    if (!rule) return undefined;
    const { conversation } = await startRecoverySession(storage, options.service, {
      tenantId,
      customer,
      trigger: 'rule',
    });
    return conversation.id;
  } catch (error) {
    options.logger.error('An intervention rule could not start a recovery session.', {
      error,
      tenantId,
      customerId: options.customerId,
    });
    return undefined;
  }
}

/**
 * The operator's side of recovery:
 *
 * | route | who | what |
 * | --- | --- | --- |
 * | `POST /api/interventions` `{ customerIds, variant? }` | `interventions:start` (admin, supervisor, support-agent; secret keys) | a recovery session per at-risk customer, with its signed link |
 * | `GET /api/intervention-rules` | `interventions:start` | the tenant's rules |
 * | `PUT /api/intervention-rules` | `customers:write` (admin, supervisor) | replaces them |
 */
export function interventionRoutes(): Route<ChurnHandlerState>[] {
  return [
    {
      method: 'POST',
      path: '/api/interventions',
      description: 'Start a recovery conversation for each at-risk customer ({ customerIds }).',
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'interventions:start');
        const { storage } = await context.state.services.load();
        const service = recoveryServiceOf(context.state);
        startRecoverySweeper(context.state, storage);
        const body = await readJsonBody(context.request, {
          schema: StartInterventionsSchema,
          subject: 'intervention request',
        });
        const started: {
          customerId: string;
          conversationId: string;
          status: string;
          created: boolean;
          link: string;
        }[] = [];
        const skipped: { customerId: string; reason: string }[] = [];
        for (const customerId of [...new Set(body.customerIds)]) {
          const customer = await storage.customers.get({
            tenantId: principal.tenantId,
            id: customerId,
          });
          if (!customer) {
            skipped.push({ customerId, reason: 'No such customer in this tenant.' });
            continue;
          }
          try {
            const { conversation, created } = await startRecoverySession(storage, service, {
              tenantId: principal.tenantId,
              customer,
              trigger: 'operator',
              ...(principal.kind === 'admin' ? { adminUserId: principal.adminUserId } : {}),
              ...(body.variant ? { variant: body.variant } : {}),
            });
            started.push({
              customerId,
              conversationId: conversation.id,
              status: conversation.recovery?.status ?? 'initiated',
              created,
              link: await recoveryLinkFor(context, conversation),
            });
          } catch (error) {
            if (ChurnError.isInstance(error) && error.code === 'conflict') {
              skipped.push({ customerId, reason: error.message });
              continue;
            }
            throw error;
          }
        }
        return jsonResponse(
          { interventions: started, skipped },
          {
            status: started.some((item) => item.created) ? 201 : 200,
            headers: { 'cache-control': 'no-store' },
          },
        );
      },
    },
    {
      method: 'GET',
      path: '/api/intervention-rules',
      description: "The tenant's rules that start recovery conversations on their own.",
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'interventions:start');
        const { storage } = await context.state.services.load();
        const rules = await loadInterventionRules(storage, principal.tenantId);
        return jsonResponse({ rules }, { headers: { 'cache-control': 'no-store' } });
      },
    },
    {
      method: 'PUT',
      path: '/api/intervention-rules',
      description: "Replace the tenant's intervention rules.",
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'customers:write');
        const { storage } = await context.state.services.load();
        const rules = await readJsonBody(context.request, {
          schema: InterventionRulesSchema,
          subject: 'intervention rules',
        });
        const saved = await saveInterventionRules(storage, principal.tenantId, rules);
        return jsonResponse({ rules: saved }, { headers: { 'cache-control': 'no-store' } });
      },
    },
  ];
}
