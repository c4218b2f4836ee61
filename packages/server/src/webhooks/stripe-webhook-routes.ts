import { ChurnError, type PaymentEvent } from '@churn/core';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { HttpError } from '../http/http-error.js';
import { jsonResponse } from '../http/json-response.js';
import { readBody } from '../http/read-body.js';
import type { Route } from '../http/router.js';
import { startRuleIntervention } from '../interventions/intervention-routes.js';
import { recoveryServiceOf } from '../recovery/recovery-service.js';
import { startRecoverySweeper } from '../recovery/recovery-sessions.js';
import { applyWebhookEvent } from './apply-webhook-event.js';

const tenantIdPattern = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * `POST /api/webhooks/stripe/:tenantId`: the endpoint to give Stripe, one per tenant (the path
 * names the tenant, the tenant's provider holds the endpoint secret).
 *
 * The raw body is verified by the provider's `doParseWebhook` before anything is parsed
 * (signature, 300 s tolerance against the handler's clock); a forged, stale or unsigned
 * delivery answers 400 and changes nothing. A verified event is applied exactly once
 * (`webhook_events`, in the same transaction as its effect) and answered 200, duplicates too,
 * so Stripe stops retrying. A customer newly at-risk is checked against the tenant's
 * intervention rules.
 */
export function stripeWebhookRoutes(): Route<ChurnHandlerState>[] {
  return [
    {
      method: 'POST',
      path: '/api/webhooks/stripe/:tenantId',
      description: "Stripe's webhook endpoint of a tenant (raw body, Stripe-Signature verified).",
      handler: async (context) => {
        const tenantId = context.params.tenantId ?? '';
        if (!tenantIdPattern.test(tenantId)) {
          throw new HttpError(404, 'not_found', 'No such tenant: check the webhook URL.');
        }
        const { storage } = await context.state.services.load();
        const tenant = await storage.tenants.get({ tenantId });
        if (!tenant)
          throw new HttpError(404, 'not_found', 'No such tenant: check the webhook URL.');
        const signature = context.request.headers.get('stripe-signature');
        if (!signature) {
          throw new HttpError(
            400,
            'validation_failed',
            'The Stripe-Signature header is missing: only Stripe (or the Stripe CLI) may call this endpoint.',
          );
        }
        const payload = await readBody(context.request, { limit: 512 * 1024 });
        const service = recoveryServiceOf(context.state);
        const provider = await service.providerFor(storage, tenantId);
        let event: PaymentEvent;
        try {
          event = await provider.doParseWebhook({ payload, signature, now: service.clock() });
        } catch (error) {
          if (ChurnError.isInstance(error) && error.code === 'unauthorized') {
            throw new HttpError(
              400,
              'unauthorized',
              'The webhook signature does not verify (forged, stale, or signed with another endpoint secret): check STRIPE_WEBHOOK_SECRET and pass the raw body.',
              { cause: error },
            );
          }
          if (ChurnError.isInstance(error) && error.code === 'validation_failed') {
            throw new HttpError(
              400,
              'validation_failed',
              'The webhook body is not a Stripe event.',
              {
                cause: error,
              },
            );
          }
          throw error;
        }
        const result = await applyWebhookEvent({
          storage,
          tenantId,
          provider: provider.provider,
          event,
          clock: service.clock,
        });
        let interventionConversationId: string | undefined;
        if (result.becameAtRisk && result.customerId) {
          startRecoverySweeper(context.state, storage);
          interventionConversationId = await startRuleIntervention({
            storage,
            service,
            tenantId,
            customerId: result.customerId,
            logger: context.state.logger,
          });
        }
        return jsonResponse({
          received: true,
          eventId: event.id,
          duplicate: !result.firstTime,
          outcome: result.outcome,
          reason: result.reason,
          ...(interventionConversationId ? { interventionConversationId } : {}),
        });
      },
    },
  ];
}
