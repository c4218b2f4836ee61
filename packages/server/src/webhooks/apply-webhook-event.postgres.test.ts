import type { PaymentEvent } from '@churn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, type TestTenant } from '../chat/chat-test-helpers.js';
import { createAtRiskCustomer } from '../recovery/recovery-test-helpers.js';
import type { PostgresStorage } from '../storage/postgres-storage.js';
import { usePostgresTestStorage } from '../storage/postgres-test-storage.js';
import { applyWebhookEvent } from './apply-webhook-event.js';

// Real PostgreSQL (a pool, so transactions really run at the same time): DATABASE_URL, or the
// local server CI runs. Unreachable is a failure, never a skip. A schema of its own, dropped.
const openStorage = usePostgresTestStorage('churn_webhooks');

describe('applyWebhookEvent on PostgreSQL, two events of one customer at the same moment', () => {
  let storage: PostgresStorage;
  let tenant: TestTenant;
  const clock = () => new Date('2026-11-20T12:00:00Z');

  beforeAll(async () => {
    storage = await openStorage();
    tenant = await createTestTenant(storage, 'Acme');
  }, 60_000);

  it('ends every customer paid when the failure and the later payment race each other', async () => {
    // The failure (11:00) and the payment that followed it (11:30) arrive together for each
    // customer: whichever commits last, the newer event must decide the final state.
    const customers = Array.from({ length: 12 }, (_, index) => `race_${index}`);
    for (const id of customers) {
      await createAtRiskCustomer(storage, tenant, {
        id,
        name: `Customer ${id}`,
        accountStatus: 'active',
        stripeCustomerId: `cus_${id}`,
      });
    }
    const failed = (id: string): PaymentEvent => ({
      id: `evt_failed_${id}`,
      type: 'invoice-payment-failed',
      providerEventType: 'invoice.payment_failed',
      createdAt: new Date('2026-11-20T11:00:00Z'),
      customerId: `cus_${id}`,
      invoiceId: `in_${id}`,
      amountDue: 49,
      currency: 'usd',
      attemptCount: 1,
      failedAt: new Date('2026-11-20T11:00:00Z'),
    });
    const paid = (id: string): PaymentEvent => ({
      id: `evt_paid_${id}`,
      type: 'invoice-paid',
      providerEventType: 'invoice.paid',
      createdAt: new Date('2026-11-20T11:30:00Z'),
      customerId: `cus_${id}`,
      invoiceId: `in_${id}`,
      amountPaid: 49,
      currency: 'usd',
      paidAt: new Date('2026-11-20T11:30:00Z'),
    });
    const apply = (event: PaymentEvent) =>
      applyWebhookEvent({ storage, tenantId: tenant.tenant.id, provider: 'stripe', event, clock });
    await Promise.all(customers.flatMap((id) => [apply(paid(id)), apply(failed(id))]));

    for (const id of customers) {
      const customer = await storage.customers.get({ tenantId: tenant.tenant.id, id });
      expect(customer?.accountStatus, `customer ${id}`).not.toBe('at-risk');
      const risk = customer!.metadata.paymentRisk as { openInvoice?: unknown } | undefined;
      expect(risk?.openInvoice, `customer ${id}`).toBeUndefined();
    }
  }, 60_000);
});
