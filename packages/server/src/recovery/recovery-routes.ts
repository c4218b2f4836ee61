import {
  type ConversationRecord,
  computeChurnPreventionMetrics,
  isSuccessfulSession,
  type MetricsCustomer,
  type MetricsSession,
  sessionResolutionSeconds,
  summariseResolutionTimes,
} from '@churn/core';
import { z } from 'zod';
import { toConversationView } from '../chat/chat-conversations.js';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { HttpError } from '../http/http-error.js';
import { jsonResponse } from '../http/json-response.js';
import { readJsonBody } from '../http/read-body.js';
import { readQuery } from '../http/read-query.js';
import type { Route } from '../http/router.js';
import { authenticateRoute } from '../identity/authenticate.js';
import { requirePermission } from '../identity/permissions.js';
import type { Principal } from '../identity/principal.js';
import { findVerifiedCustomer } from '../identity/verified-customer.js';
import { type WidgetRouteContext, widgetRoutes } from '../identity/widget-cors.js';
import { interventionRoutes } from '../interventions/intervention-routes.js';
import { stripeWebhookRoutes } from '../webhooks/stripe-webhook-routes.js';
import { recoveryLinkRoutes } from './recovery-link.js';
import { confirmRecoveryPayment, type PaymentSubmission } from './recovery-payments.js';
import { recoveryStateOf, resolutionSecondsOf, sessionBeganAt } from './recovery-records.js';
import { recoveryServiceOf } from './recovery-service.js';
import { findOpenRecovery, startRecoverySweeper } from './recovery-sessions.js';

const idPattern = /^[A-Za-z0-9_-]{1,128}$/;

const ConfirmSchema = z.strictObject({
  setupIntentId: z
    .string({ error: 'must be a string: the SetupIntent id Stripe.js confirmed' })
    .regex(/^[A-Za-z0-9_]{3,255}$/, { error: 'must be a SetupIntent id (seti_...)' }),
});

const SandboxConfirmSchema = z.strictObject({
  card: z.strictObject({
    number: z
      .string({ error: 'must be a string of digits' })
      .max(32, { error: 'must be at most 32 characters' }),
    expMonth: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }),
    expYear: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }),
    cvc: z.string({ error: 'must be a string' }).max(8, { error: 'must be at most 8 characters' }),
  }),
});

const MetricsQuerySchema = z.object({
  from: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
  to: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
  variant: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1 to 64 letters, digits, "_" or "-"' })
    .optional(),
});

/** The conversation of a card-step request, if the caller may use it (404 otherwise). */
async function ownRecoveryConversation(context: WidgetRouteContext): Promise<ConversationRecord> {
  const principal = context.principal;
  const id = context.params.id ?? '';
  const notFound = new HttpError(
    404,
    'not_found',
    `No conversation "${id.slice(0, 128)}" for this caller: send the customer token that started it.`,
  );
  if (principal.kind === 'platform' || !idPattern.test(id)) throw notFound;
  if (principal.kind === 'publishable' && !principal.customer) {
    throw new HttpError(
      403,
      'forbidden',
      'Updating a card needs a verified customer: send the customer identity token your backend signed.',
    );
  }
  const { storage } = await context.state.services.load();
  const conversation = await storage.conversations.get({ tenantId: principal.tenantId, id });
  if (!conversation) throw notFound;
  if (principal.kind === 'publishable') {
    const customerId = principal.customer?.id;
    if (customerId === undefined) throw notFound;
    const owner = conversation.userId ?? conversation.customerId;
    if (owner === customerId) return conversation;
    // The verified id may be the tenant's own id or the Stripe id of the linked customer.
    if (conversation.customerId === null) throw notFound;
    const customer = await findVerifiedCustomer(storage, principal.tenantId, customerId);
    if (customer?.id !== conversation.customerId) throw notFound;
  }
  return conversation;
}

function paymentRoute(
  path: string,
  description: string,
  submission: (request: Request) => Promise<PaymentSubmission>,
) {
  return {
    method: 'POST' as const,
    path,
    description,
    handler: async (context: WidgetRouteContext) => {
      const conversation = await ownRecoveryConversation(context);
      const body = await submission(context.request);
      const { storage } = await context.state.services.load();
      const service = recoveryServiceOf(context.state);
      const result = await confirmRecoveryPayment(
        storage,
        service,
        conversation,
        body,
        context.state.logger,
      );
      return jsonResponse(result, { headers: { 'cache-control': 'no-store' } });
    },
  };
}

function tenantOf(principal: Principal): string {
  if (principal.kind === 'platform') {
    throw new HttpError(403, 'forbidden', 'Use a key or a sign-in of the tenant.');
  }
  return principal.tenantId;
}

/**
 * Every route of payment recovery (one line in `createChurnHandler`'s built-in routes):
 *
 * | route | who | what |
 * | --- | --- | --- |
 * | `GET /api/recovery/pending` | the widget, verified customer | the customer's open recovery conversation, or `{ conversation: null }` |
 * | `POST /api/conversations/:id/payment/confirm` `{ setupIntentId }` | verified customer | verify the card with Stripe, pay the open invoice |
 * | `POST /api/conversations/:id/payment/sandbox-confirm` `{ card }` | verified customer | the same with the sandbox's demo card form |
 * | `GET /api/recovery/metrics?from&to&variant` | `analytics:read` | metrics of the period |
 * | `POST /api/interventions`, `GET/PUT /api/intervention-rules` | operators | see `interventionRoutes` |
 * | `POST /api/webhooks/stripe/:tenantId` | Stripe | see `stripeWebhookRoutes` |
 * | `GET /r/:token`, `GET /r/assets/:file` | anyone with the signed link | the hosted recovery page |
 */
export function paymentRecoveryRoutes(): Route<ChurnHandlerState>[] {
  return [
    ...widgetRoutes(
      {
        method: 'GET',
        path: '/api/recovery/pending',
        description: "The verified customer's open recovery conversation, if any.",
        handler: async (context) => {
          const principal = context.principal;
          const tenantId = tenantOf(principal);
          let customerId: string | undefined;
          if (principal.kind === 'publishable') {
            if (!principal.customer) {
              throw new HttpError(
                403,
                'forbidden',
                'A pending recovery belongs to a verified customer: send the customer identity token.',
              );
            }
            customerId = principal.customer.id;
          } else {
            customerId = context.url.searchParams.get('customerId') ?? undefined;
            if (!customerId || !idPattern.test(customerId)) {
              throw new HttpError(400, 'validation_failed', 'Name the customer: ?customerId=...');
            }
          }
          const { storage } = await context.state.services.load();
          const service = recoveryServiceOf(context.state);
          startRecoverySweeper(context.state, storage);
          // The id may be Churn's customer id, the tenant's own id (externalId) or the Stripe
          // customer id: the Customer record of this tenant it names holds the session.
          const customer = await findVerifiedCustomer(storage, tenantId, customerId);
          const conversation = customer
            ? await findOpenRecovery(storage, service, tenantId, customer.id)
            : undefined;
          return jsonResponse(
            {
              conversation: conversation
                ? {
                    ...toConversationView(conversation),
                    recoveryStatus: conversation.recovery?.status,
                  }
                : null,
            },
            { headers: { 'cache-control': 'no-store' } },
          );
        },
      },
      paymentRoute(
        '/api/conversations/:id/payment/confirm',
        'Confirm the card step: the server verifies the SetupIntent with Stripe and pays the open invoice.',
        async (request) => {
          const body = await readJsonBody(request, {
            schema: ConfirmSchema,
            subject: 'payment confirmation',
          });
          return { kind: 'stripe', setupIntentId: body.setupIntentId };
        },
      ),
      paymentRoute(
        '/api/conversations/:id/payment/sandbox-confirm',
        'Confirm the card step with the sandbox demo card form (sandbox mode only).',
        async (request) => {
          const body = await readJsonBody(request, {
            schema: SandboxConfirmSchema,
            subject: 'demo card',
          });
          return { kind: 'sandbox', card: body.card };
        },
      ),
    ),
    {
      method: 'GET',
      path: '/api/recovery/metrics',
      description:
        'Recovery metrics of a period (?from&to&variant): interventions, resolutions, times, revenue.',
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'analytics:read');
        const query = readQuery(context.url, MetricsQuerySchema);
        const service = recoveryServiceOf(context.state);
        const now = service.clock();
        const periodEnd = query.to ? new Date(query.to) : now;
        const periodStart = query.from
          ? new Date(query.from)
          : new Date(Date.UTC(periodEnd.getUTCFullYear(), periodEnd.getUTCMonth(), 1));
        if (periodEnd.getTime() <= periodStart.getTime()) {
          throw new HttpError(
            400,
            'validation_failed',
            'Invalid query: "to" must be after "from".',
          );
        }
        const { storage } = await context.state.services.load();
        const tenantId = principal.tenantId;
        const conversations: ConversationRecord[] = [];
        for (let offset = 0; ; offset += 1000) {
          const page = await storage.conversations.list({
            tenantId,
            purpose: 'recovery',
            limit: 1000,
            offset,
          });
          conversations.push(...page);
          if (page.length < 1000) break;
        }
        const inPeriod = conversations.filter((conversation) => {
          const start = conversation.startedAt.getTime();
          if (start < periodStart.getTime() || start >= periodEnd.getTime()) return false;
          return query.variant === undefined
            ? true
            : recoveryStateOf(conversation).variant === query.variant;
        });
        const customers = new Map<string, MetricsCustomer>();
        for (const conversation of inPeriod) {
          const id = conversation.customerId;
          if (!id || customers.has(id)) continue;
          const customer = await storage.customers.get({ tenantId, id });
          if (customer) customers.set(id, { id, accountValue: customer.accountValue });
        }
        const sessions: MetricsSession[] = inPeriod
          .filter(
            (conversation) => conversation.customerId && customers.has(conversation.customerId),
          )
          .map((conversation) => ({
            id: conversation.id,
            customerId: conversation.customerId as string,
            status: conversation.recovery?.status ?? 'initiated',
            outcome: conversation.recovery?.outcome ?? null,
            // Resolution time runs from the customer's first message, not the operator's click.
            startTime: sessionBeganAt(conversation),
            endTime: conversation.endedAt ?? null,
            resolutionTime: resolutionSecondsOf(conversation) ?? null,
          }));
        const metrics = computeChurnPreventionMetrics({
          periodStart,
          periodEnd,
          sessions,
          customers: [...customers.values()],
          tenantId,
        });
        const seconds = sessions
          .filter(isSuccessfulSession)
          .map((session) => sessionResolutionSeconds(session))
          .filter((value): value is number => value !== undefined);
        let failedAmount = 0;
        let recoveredAmount = 0;
        for (const conversation of inPeriod) {
          const state = recoveryStateOf(conversation);
          if (state.category === 'failed-payment') failedAmount += state.amountDue ?? 0;
          recoveredAmount += state.amountRecovered ?? 0;
        }
        const round = (value: number) => Math.round(value * 100) / 100;
        return jsonResponse(
          {
            metrics: {
              ...metrics,
              periodStart: metrics.periodStart.toISOString(),
              periodEnd: metrics.periodEnd.toISOString(),
              ...(query.variant ? { variant: query.variant } : {}),
            },
            resolutionTimes: { ...summariseResolutionTimes(seconds), budgetSeconds: 180 },
            recovery: {
              failedAmount: round(failedAmount),
              recoveredAmount: round(recoveredAmount),
              recoveryRate: failedAmount > 0 ? round((recoveredAmount / failedAmount) * 100) : 0,
            },
          },
          { headers: { 'cache-control': 'no-store' } },
        );
      },
    },
    ...interventionRoutes(),
    ...stripeWebhookRoutes(),
    ...recoveryLinkRoutes(),
  ];
}
