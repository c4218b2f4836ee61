import { z } from 'zod';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { HttpError } from '../http/http-error.js';
import { jsonResponse } from '../http/json-response.js';
import { readQuery } from '../http/read-query.js';
import type { Route, RouteOpenApi } from '../http/router.js';
import { authenticateRoute } from '../identity/authenticate.js';
import { requirePermission } from '../identity/permissions.js';
import { recoveryServiceOf } from '../recovery/recovery-service.js';
import { consoleDbOf } from './console-db.js';
import { loadCustomerDetail } from './customer-detail.js';
import { customerInvoicesShown, providerInvoicesOf } from './customer-invoices.js';
import { CustomerListQuerySchema, listCustomers } from './customer-list.js';

const noStore = { 'cache-control': 'no-store' };
const idPattern = /^[A-Za-z0-9_-]{1,128}$/;
const object = z.looseObject({});
const admin: RouteOpenApi['security'] = ['secret', 'admin'];

/** One entry of `invoices` in `GET /api/customers/:id` (documentation only). Amounts in cents. */
const CustomerInvoiceSchema = z.looseObject({
  id: z.string(),
  number: z.string().optional(),
  status: z.enum(['open', 'paid', 'void', 'uncollectible']),
  totalCents: z.number().int(),
  amountDueCents: z.number().int(),
  currency: z.string(),
  at: z.string().nullable(),
  dueAt: z.string().optional(),
  paidAt: z.string().optional(),
  hostedInvoiceUrl: z.url({ protocol: /^https$/ }).optional(),
});

/**
 * The console's customer routes (`customers:read`: admin, supervisor, support-agent and
 * secret keys):
 *
 * | route | what |
 * | --- | --- |
 * | `GET /api/customers` | filtered, sorted, keyset-paged list with a total |
 * | `GET /api/customers/:id` | one customer with payment methods, invoices, conversations |
 *
 * The customer's invoices come from the tenant's payment provider when it can list them; else
 * the ones Churn knows of, with `invoicesSource: 'churn'` and an `invoicesNote` saying why.
 * The provider never turns the page into a 5xx.
 */
export function customerRoutes(): Route<ChurnHandlerState>[] {
  return [
    {
      method: 'GET',
      path: '/api/customers',
      description: "The tenant's customers: filters, sort, keyset paging (?cursor).",
      openapi: {
        summary: 'List customers: filter by risk, severity, status, value and text; keyset paging.',
        description:
          'Sorted by `sort` then `id` (ties keep a stable order); pass `nextCursor` as `cursor` for the next page with the same filters and sort. `total` is exact up to 10,000 matches, then the planner estimate with `totalIsEstimate: true`. Values are in cents.',
        tags: ['customers'],
        security: admin,
        query: CustomerListQuerySchema,
        responses: {
          '200': {
            description: 'A page of customers.',
            schema: z.looseObject({
              customers: z.array(object),
              nextCursor: z.string().nullable(),
              total: z.number(),
              totalIsEstimate: z.literal(true).optional(),
            }),
          },
        },
      },
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'customers:read');
        const query = readQuery(context.url, CustomerListQuerySchema);
        const db = await consoleDbOf(context.state);
        const page = await listCustomers(db, principal.tenantId, query);
        return jsonResponse(page, { headers: noStore });
      },
    },
    {
      method: 'GET',
      path: '/api/customers/:id',
      description: 'One customer with payment methods, invoices and conversations.',
      openapi: {
        summary: 'One customer: payment methods, invoices and conversation history.',
        description: `\`invoices\` are the ${customerInvoicesShown} newest at the payment provider (drafts left out) with \`invoicesSource: 'provider'\`. When the provider cannot answer (it cannot list invoices, the customer is not linked to it, the call fails or is slow), they are the ones Churn knows of (the failed open invoice, what recovery collected) with \`invoicesSource: 'churn'\` and \`invoicesNote\` saying why and what to do; never a 5xx. Amounts in cents.`,
        tags: ['customers'],
        security: admin,
        responses: {
          '200': {
            description: 'The customer.',
            schema: z.looseObject({
              customer: object,
              paymentMethods: z.array(object),
              invoices: z.array(CustomerInvoiceSchema),
              invoicesSource: z.enum(['provider', 'churn']),
              invoicesNote: z.string().optional(),
              conversations: z.array(object),
            }),
          },
        },
      },
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'customers:read');
        const id = context.params.id ?? '';
        const db = await consoleDbOf(context.state);
        const { storage } = await context.state.services.load();
        const services = {
          storage,
          recovery: recoveryServiceOf(context.state),
          logger: context.state.logger,
        };
        const detail = idPattern.test(id)
          ? await loadCustomerDetail(storage, db, principal.tenantId, id, (customer) =>
              providerInvoicesOf(services, customer),
            )
          : undefined;
        if (!detail) {
          throw new HttpError(
            404,
            'not_found',
            `No customer "${id.slice(0, 128)}" in this tenant: check the id.`,
          );
        }
        return jsonResponse(detail, { headers: noStore });
      },
    },
  ];
}
