import type { CustomerRecord, StorageV1 } from '@churn/core';
import type { Kysely } from 'kysely';
import { paymentRiskOf } from '../recovery/recovery-records.js';
import type { Database } from '../storage/database.js';
import type { CustomerInvoice, ProviderInvoices } from './customer-invoices.js';
import { type CustomerRow, toCustomerRows } from './customer-row.js';

/** What `GET /api/customers/:id` answers. */
export interface CustomerDetail {
  customer: CustomerRow & {
    phone: string | null;
    customerSince: string;
    lastPaymentDate: string | null;
  };
  paymentMethods: {
    id: string;
    brand: string;
    last4: string;
    expMonth: number;
    expYear: number;
    status: string;
    isDefault: boolean;
    failureCount: number;
    lastFailureAt: string | null;
    lastSuccessAt: string | null;
  }[];
  /**
   * The customer's invoices, newest first. From the payment provider when it can answer (its
   * 10 newest, drafts left out: `invoicesSource: 'provider'`); else the ones Churn knows of
   * (`invoicesSource: 'churn'`, with `invoicesNote` saying why): the open invoice whose payment
   * failed (from the provider's webhooks) and what recovery sessions collected, as Churn keeps
   * no invoice table.
   */
  invoices: CustomerInvoice[];
  /** Where `invoices` came from. */
  invoicesSource: 'provider' | 'churn';
  /** Why the provider's invoices are not shown and what to do, in an operator's words (`churn` only). */
  invoicesNote?: string;
  conversations: {
    id: string;
    status: string;
    kind: 'support' | 'recovery';
    startedAt: string;
    lastActivityAt: string;
    messageCount: number;
  }[];
}

/**
 * One customer of a tenant with what the console's customer page shows, or `undefined`.
 * `providerInvoices` asks the payment provider for the customer's invoices (see
 * `providerInvoicesOf`); without it, or when it cannot answer, the invoices are the ones Churn
 * knows of.
 */
export async function loadCustomerDetail(
  storage: StorageV1,
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  providerInvoices?: (customer: CustomerRecord) => Promise<ProviderInvoices>,
): Promise<CustomerDetail | undefined> {
  const row = await db
    .selectFrom('customers')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const [customerRow] = await toCustomerRows(db, tenantId, [row]);
  const record = await storage.customers.get({ tenantId, id });
  const methods = await storage.paymentMethods.listByCustomer({ tenantId, customerId: id });
  const conversations = await db
    .selectFrom('conversations')
    .leftJoin('messages', (join) =>
      join
        .onRef('messages.tenant_id', '=', 'conversations.tenant_id')
        .onRef('messages.conversation_id', '=', 'conversations.id'),
    )
    .select([
      'conversations.id',
      'conversations.status',
      'conversations.purpose',
      'conversations.started_at',
      'conversations.last_activity',
      'conversations.metadata',
    ])
    .select((eb) => eb.fn.count<string | number>('messages.id').as('message_count'))
    .where('conversations.tenant_id', '=', tenantId)
    .where((where) =>
      where.or([
        where('conversations.customer_id', '=', id),
        where('conversations.user_id', '=', id),
      ]),
    )
    .groupBy([
      'conversations.id',
      'conversations.status',
      'conversations.purpose',
      'conversations.started_at',
      'conversations.last_activity',
      'conversations.metadata',
    ])
    .orderBy('conversations.last_activity', 'desc')
    .orderBy('conversations.id', 'desc')
    .limit(200)
    .execute();

  const fromProvider: ProviderInvoices =
    record && providerInvoices
      ? await providerInvoices(record)
      : {
          source: 'churn',
          note: 'Churn could not ask the payment provider for this customer’s invoices: these are the invoices Churn knows of.',
        };
  const invoices: CustomerInvoice[] = [];
  if (fromProvider.source === 'provider') {
    invoices.push(...fromProvider.invoices);
  } else {
    const risk = record ? paymentRiskOf(record) : undefined;
    if (risk?.openInvoice) {
      const amountDueCents = Math.round(risk.openInvoice.amountDue * 100);
      invoices.push({
        id: risk.openInvoice.invoiceId,
        status: 'open',
        totalCents: amountDueCents,
        amountDueCents,
        currency: risk.openInvoice.currency,
        at: risk.openInvoice.failedAt.toISOString(),
      });
    }
    for (const conversation of conversations) {
      const recovery = (conversation.metadata as { recovery?: Record<string, unknown> }).recovery;
      const recovered = recovery?.amountRecovered;
      if (typeof recovered === 'number' && recovered > 0) {
        const at = conversation.last_activity.toISOString();
        invoices.push({
          id: `recovered:${conversation.id}`,
          status: 'paid',
          totalCents: Math.round(recovered * 100),
          amountDueCents: 0,
          currency: typeof recovery?.currency === 'string' ? recovery.currency : row.currency,
          at,
          paidAt: at,
        });
      }
    }
  }

  return {
    customer: {
      ...customerRow!,
      phone: row.phone,
      customerSince: row.customer_since.toISOString(),
      lastPaymentDate: row.last_payment_date ? row.last_payment_date.toISOString() : null,
    },
    paymentMethods: methods.map((method) => ({
      id: method.id,
      brand: method.cardType,
      last4: method.lastFourDigits,
      expMonth: method.expiryMonth,
      expYear: method.expiryYear,
      status: method.status,
      isDefault: method.isDefault,
      failureCount: method.failureCount,
      lastFailureAt: method.lastFailureDate ? method.lastFailureDate.toISOString() : null,
      lastSuccessAt: method.lastSuccessDate ? method.lastSuccessDate.toISOString() : null,
    })),
    invoices,
    invoicesSource: fromProvider.source,
    ...(fromProvider.source === 'churn' ? { invoicesNote: fromProvider.note } : {}),
    conversations: conversations.map((conversation) => ({
      id: conversation.id,
      status: conversation.status,
      kind: conversation.purpose as 'support' | 'recovery',
      startedAt: conversation.started_at.toISOString(),
      lastActivityAt: conversation.last_activity.toISOString(),
      messageCount: Number(conversation.message_count),
    })),
  };
}
