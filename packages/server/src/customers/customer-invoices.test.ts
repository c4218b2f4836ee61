import {
  ChurnError,
  createSandboxPaymentProvider,
  type PaymentProviderV1,
  type StorageV1,
} from '@churn/core';
import { createStripePaymentProvider } from '@churn/core/stripe';
import { type StripeEmulator, startStripeEmulator } from '@churn/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminTokenFor,
  bearer,
  startConsoleServer,
} from '../admin-conversations/console-test-helpers.js';
import {
  createMemoryLogger,
  createTestTenant,
  type TestTenant,
} from '../chat/chat-test-helpers.js';
import { createRecoveryService } from '../recovery/recovery-service.js';
import { createAtRiskCustomer } from '../recovery/recovery-test-helpers.js';
import { createPGliteStorage } from '../storage/postgres-storage.js';
import type { CustomerDetail } from './customer-detail.js';
import { providerInvoicesOf } from './customer-invoices.js';

type Server = Awaited<ReturnType<typeof startConsoleServer>>;

/** The sandbox, except that listing invoices fails as an unreachable provider would. */
function failingProvider(): PaymentProviderV1 {
  const sandbox = createSandboxPaymentProvider();
  return Object.assign(sandbox, {
    doListInvoices: async () => {
      throw new ChurnError('provider_error', 'Could not reach the provider: check the network.');
    },
  });
}

describe('GET /api/customers/:id invoices, from the payment provider', () => {
  let storage: StorageV1;
  let tenant: TestTenant;
  let other: TestTenant;
  let emulator: StripeEmulator;
  let sandboxServer: Server;
  let stripeServer: Server;
  let failingServer: Server;
  let token: string;
  let linkedStripeCustomer: { customerId: string; invoiceId: string };
  const stripeLogger = createMemoryLogger();

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    storage = await createPGliteStorage();
    tenant = await createTestTenant(storage, 'Acme');
    other = await createTestTenant(storage, 'Globex');
    token = await adminTokenFor(storage, tenant.tenant.id, 'support-agent');

    await storage.customers.create({
      id: 'cust_paid',
      tenantId: tenant.tenant.id,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      accountStatus: 'active',
      accountValue: 49,
      lastPaymentDate: new Date('2026-10-01T09:00:00Z'),
    });
    linkedStripeCustomer = emulator.seedFailedPayment({
      name: 'Grace Hopper',
      email: 'grace@example.com',
      unitAmount: 4900,
    });
    await createAtRiskCustomer(storage, tenant, {
      id: 'cust_linked',
      name: 'Grace Hopper',
      stripeCustomerId: linkedStripeCustomer.customerId,
    });
    await createAtRiskCustomer(storage, tenant, { id: 'cust_unlinked', name: 'Alan Turing' });
    await createAtRiskCustomer(storage, other, { id: 'cust_foreign', name: 'Globex customer' });

    sandboxServer = await startConsoleServer({ storage });
    stripeServer = await startConsoleServer({
      storage,
      logger: stripeLogger,
      payments: {
        provider: createStripePaymentProvider({
          secretKey: emulator.secretKey,
          publishableKey: emulator.publishableKey,
          webhookSecret: emulator.webhookSecret,
          apiBase: { host: emulator.host, port: emulator.port, protocol: 'http' },
          initialRetryDelayMs: 5,
          timeoutMs: 2_000,
        }),
      },
    });
    failingServer = await startConsoleServer({
      storage,
      payments: { provider: failingProvider() },
    });
  });

  afterAll(async () => {
    await sandboxServer?.close();
    await stripeServer?.close();
    await failingServer?.close();
    await emulator?.close();
    await storage?.close();
  });

  const detailOf = async (server: Server, id: string) => {
    const response = await fetch(`${server.url}/api/customers/${id}`, { headers: bearer(token) });
    return { status: response.status, body: (await response.json()) as CustomerDetail };
  };

  it('shows the sandbox’s paid invoice of a customer with a last payment', async () => {
    const { status, body } = await detailOf(sandboxServer, 'cust_paid');
    expect(status).toBe(200);
    expect(body.invoicesSource).toBe('provider');
    expect(body.invoicesNote).toBeUndefined();
    expect(body.invoices).toEqual([
      expect.objectContaining({
        number: expect.stringMatching(/^SBX-\d{4}$/),
        status: 'paid',
        totalCents: 4900,
        amountDueCents: 0,
        currency: 'usd',
        at: '2026-10-01T09:00:00.000Z',
        paidAt: '2026-10-01T09:00:00.000Z',
      }),
    ]);
    expect(body.invoices[0]!.hostedInvoiceUrl).toBeUndefined();
  });

  it('shows the Stripe invoice of a linked customer with its number and hosted page', async () => {
    const { status, body } = await detailOf(stripeServer, 'cust_linked');
    expect(status).toBe(200);
    expect(body.invoicesSource).toBe('provider');
    expect(body.invoices).toHaveLength(1);
    const [invoice] = body.invoices;
    const stripeInvoice = emulator.getObject<{ number: string; hosted_invoice_url: string }>(
      linkedStripeCustomer.invoiceId,
    );
    expect(invoice).toMatchObject({
      id: linkedStripeCustomer.invoiceId,
      number: stripeInvoice.number,
      status: 'open',
      totalCents: 4900,
      amountDueCents: 4900,
      currency: 'usd',
      hostedInvoiceUrl: stripeInvoice.hosted_invoice_url,
    });
    expect(invoice!.hostedInvoiceUrl).toMatch(/^https:\/\//);
    // Churn's own record of the failed invoice is not mixed in.
    expect(body.invoices.map((entry) => entry.id)).not.toContain('in_seed');
  });

  it('falls back to Churn’s invoices with the sync note for a customer not linked to Stripe', async () => {
    const { status, body } = await detailOf(stripeServer, 'cust_unlinked');
    expect(status).toBe(200);
    expect(body.invoicesSource).toBe('churn');
    expect(body.invoicesNote).toMatch(/not linked to Stripe: run `churn stripe sync`/);
    expect(body.invoices).toEqual([
      expect.objectContaining({ id: 'in_seed', status: 'open', amountDueCents: 4900 }),
    ]);
    expect(stripeLogger.lines.map((line) => line.message)).toContain(
      "Could not list a customer's invoices at the payment provider.",
    );
  });

  it('falls back with a note, status 200, when the provider fails', async () => {
    const { status, body } = await detailOf(failingServer, 'cust_unlinked');
    expect(status).toBe(200);
    expect(body.invoicesSource).toBe('churn');
    expect(body.invoicesNote).toBe(
      'The sandbox could not be reached just now: these are the invoices Churn knows of. Reload the page to try again.',
    );
    expect(body.invoices).toEqual([
      expect.objectContaining({ id: 'in_seed', status: 'open', totalCents: 4900 }),
    ]);
  });

  it('keeps another tenant’s customer a 404', async () => {
    for (const server of [sandboxServer, stripeServer, failingServer]) {
      const { status, body } = await detailOf(server, 'cust_foreign');
      expect(status).toBe(404);
      expect(body).toMatchObject({ error: { code: 'not_found' } });
    }
  });

  it('gives up on a provider slower than the wait, with a note', async () => {
    const sandbox = createSandboxPaymentProvider();
    const slow = Object.assign(sandbox, {
      doListInvoices: () => new Promise<never>(() => undefined),
    });
    const logger = createMemoryLogger();
    const customer = (await storage.customers.get({
      tenantId: tenant.tenant.id,
      id: 'cust_paid',
    }))!;
    const started = Date.now();
    const result = await providerInvoicesOf(
      { storage, recovery: createRecoveryService({ provider: slow }), logger },
      customer,
      { waitMs: 50 },
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result).toEqual({
      source: 'churn',
      note: expect.stringMatching(/could not be reached just now/),
    });
    expect(logger.lines).toHaveLength(1);
  });

  it('says so when the provider cannot list invoices at all', async () => {
    const { doListInvoices: _left, ...withoutList } = createSandboxPaymentProvider();
    const logger = createMemoryLogger();
    const customer = (await storage.customers.get({
      tenantId: tenant.tenant.id,
      id: 'cust_paid',
    }))!;
    const result = await providerInvoicesOf(
      { storage, recovery: createRecoveryService({ provider: withoutList }), logger },
      customer,
    );
    expect(result).toEqual({
      source: 'churn',
      note: expect.stringMatching(/^The sandbox cannot list invoices/),
    });
  });
});
