import type { PaymentEvent, StorageV1 } from '@churn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, type TestTenant } from '../chat/chat-test-helpers.js';
import { createAtRiskCustomer } from '../recovery/recovery-test-helpers.js';
import { createPGliteStorage } from '../storage/postgres-storage.js';
import { applyWebhookEvent } from './apply-webhook-event.js';

describe('applyWebhookEvent', () => {
  let storage: StorageV1;
  let tenant: TestTenant;
  const clock = () => new Date('2026-11-20T12:00:00Z');
  const failed = (id: string, createdAt: Date): PaymentEvent => ({
    id,
    type: 'invoice-payment-failed',
    providerEventType: 'invoice.payment_failed',
    createdAt,
    customerId: 'cus_webhook',
    invoiceId: 'in_1',
    amountDue: 49,
    currency: 'usd',
    attemptCount: 1,
    failedAt: createdAt,
  });

  beforeAll(async () => {
    storage = await createPGliteStorage();
    tenant = await createTestTenant(storage, 'Acme');
    await createAtRiskCustomer(storage, tenant, {
      id: 'cust_webhook',
      name: 'Wes Hook',
      accountStatus: 'active',
      stripeCustomerId: 'cus_webhook',
    });
  });

  const apply = (event: PaymentEvent) =>
    applyWebhookEvent({ storage, tenantId: tenant.tenant.id, provider: 'stripe', event, clock });

  it('applies an event exactly once, even when delivered concurrently', async () => {
    const event = failed('evt_once', new Date('2026-11-20T11:00:00Z'));
    const results = await Promise.all([apply(event), apply(event), apply(event)]);
    expect(results.filter((result) => result.firstTime)).toHaveLength(1);
    expect(results.find((result) => result.firstTime)).toMatchObject({
      outcome: 'applied',
      becameAtRisk: true,
    });
    const customer = await storage.customers.get({
      tenantId: tenant.tenant.id,
      id: 'cust_webhook',
    });
    expect(customer).toMatchObject({ accountStatus: 'at-risk', riskCategory: 'failed-payment' });
    expect((customer!.metadata.paymentRisk as { failureCount: number }).failureCount).toBe(1);
    const [card] = await storage.paymentMethods.listByCustomer({
      tenantId: tenant.tenant.id,
      customerId: 'cust_webhook',
    });
    expect(card).toMatchObject({ status: 'failed', failureCount: 1 });
    const stored = await storage.webhookEvents.get({
      tenantId: tenant.tenant.id,
      provider: 'stripe',
      eventId: 'evt_once',
    });
    expect(stored!.processedAt).toBeDefined();
  });

  it('records an event of an unknown customer without changing anything', async () => {
    const result = await apply({ ...failed('evt_unknown', clock()), customerId: 'cus_nobody' });
    expect(result).toMatchObject({ firstTime: true, outcome: 'unknown-customer' });
    expect(result.reason).toMatch(/churn stripe sync/);
  });

  it('resolves the customer on invoice.paid and clears the open invoice', async () => {
    const result = await apply({
      id: 'evt_paid',
      type: 'invoice-paid',
      providerEventType: 'invoice.paid',
      createdAt: new Date('2026-11-20T11:30:00Z'),
      customerId: 'cus_webhook',
      invoiceId: 'in_1',
      amountPaid: 49,
      currency: 'usd',
      paidAt: new Date('2026-11-20T11:30:00Z'),
    });
    expect(result.outcome).toBe('applied');
    const customer = await storage.customers.get({
      tenantId: tenant.tenant.id,
      id: 'cust_webhook',
    });
    expect(customer!.accountStatus).toBe('resolved');
    expect((customer!.metadata.paymentRisk as Record<string, unknown>).openInvoice).toBeUndefined();
  });
});
