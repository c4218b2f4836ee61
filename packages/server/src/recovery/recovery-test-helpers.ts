import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock, CustomerRecord, StorageV1 } from '@churn/core';
import { toNodeHandler } from '../adapters/node/index.js';
import type { ChatSettings } from '../chat/chat-routes.js';
import {
  createMemoryLogger,
  type ReceivedChunk,
  readChunks,
  type TestTenant,
  textOf,
  widgetHeaders,
} from '../chat/chat-test-helpers.js';
import { createChurnHandler } from '../handler/create-churn-handler.js';
import { toJsonObject } from './recovery-records.js';
import type { RecoverySettings } from './recovery-service.js';

/** A clock a test moves by hand. */
export function createManualClock(start: Date) {
  let now = start.getTime();
  const clock: Clock = () => new Date(now);
  return {
    clock,
    advance: (milliseconds: number) => {
      now += milliseconds;
    },
  };
}

/** The handler with payment recovery over a real socket (and chat settings, when given). */
export async function startRecoveryServer(options: {
  storage: StorageV1;
  payments: RecoverySettings;
  chat?: ChatSettings;
}) {
  const logger = createMemoryLogger();
  const handler = createChurnHandler({
    storage: options.storage,
    logger,
    payments: { sweepIntervalMs: 0, ...options.payments },
    secret: 'recovery-test-secret-recovery-test-secret-0123456789',
    rateLimits: { enabled: false },
    ...(options.chat ? { chat: options.chat } : {}),
  });
  const server: Server = createServer(toNodeHandler(handler, { logger }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    logger,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Adds a stored customer at risk for a failed payment (a Visa ending 4242 on file). */
export async function createAtRiskCustomer(
  storage: StorageV1,
  tenant: TestTenant,
  options: {
    id: string;
    name: string;
    email?: string;
    amount?: number;
    failedAt?: Date;
    stripeCustomerId?: string;
    stripePaymentMethodId?: string;
    accountStatus?: CustomerRecord['accountStatus'];
  },
): Promise<CustomerRecord> {
  const amount = options.amount ?? 49;
  const atRisk = (options.accountStatus ?? 'at-risk') === 'at-risk';
  const failedAt = options.failedAt ?? new Date('2026-11-03T10:00:00Z');
  const customer = await storage.customers.create({
    id: options.id,
    tenantId: tenant.tenant.id,
    name: options.name,
    email: options.email ?? `${options.id}@example.com`,
    accountStatus: options.accountStatus ?? 'at-risk',
    ...(atRisk ? { riskCategory: 'failed-payment' as const, riskSeverity: 'medium' as const } : {}),
    accountValue: amount,
    ...(options.stripeCustomerId ? { stripeCustomerId: options.stripeCustomerId } : {}),
    metadata: atRisk
      ? {
          paymentRisk: toJsonObject({
            failureCount: 1,
            lastFailureDate: failedAt,
            openInvoice: { invoiceId: 'in_seed', amountDue: amount, currency: 'usd', failedAt },
          }),
        }
      : {},
  });
  await storage.paymentMethods.create({
    tenantId: tenant.tenant.id,
    customerId: customer.id,
    cardType: 'visa',
    lastFourDigits: '4242',
    expiryMonth: 12,
    expiryYear: 2030,
    status: atRisk ? 'failed' : 'active',
    isDefault: true,
    ...(options.stripePaymentMethodId
      ? { stripePaymentMethodId: options.stripePaymentMethodId }
      : {}),
  });
  return customer;
}

/** Small HTTP helpers bound to a server and a tenant. */
export function recoveryClient(url: string, tenant: TestTenant) {
  const json = async (response: Response) => ({
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
  });
  return {
    startInterventions: async (customerIds: string[], extra: Record<string, unknown> = {}) =>
      json(
        await fetch(`${url}/api/interventions`, {
          method: 'POST',
          headers: widgetHeaders(tenant, { secret: true }),
          body: JSON.stringify({ customerIds, ...extra }),
        }),
      ),
    pending: async (customer: string) =>
      json(
        await fetch(`${url}/api/recovery/pending`, {
          headers: widgetHeaders(tenant, { customer }),
        }),
      ),
    conversation: async (id: string, customer: string) =>
      json(
        await fetch(`${url}/api/conversations/${id}`, {
          headers: widgetHeaders(tenant, { customer }),
        }),
      ),
    send: async (
      id: string,
      customer: string,
      text: string,
    ): Promise<{ status: number; chunks: ReceivedChunk[]; text: string }> => {
      const response = await fetch(`${url}/api/conversations/${id}/messages`, {
        method: 'POST',
        headers: widgetHeaders(tenant, { customer }),
        body: JSON.stringify({ text }),
      });
      if (response.status !== 200) {
        return { status: response.status, chunks: [], text: await response.text() };
      }
      const chunks = await readChunks(response);
      return { status: 200, chunks, text: textOf(chunks) };
    },
    sandboxConfirm: async (id: string, customer: string, number: string) =>
      json(
        await fetch(`${url}/api/conversations/${id}/payment/sandbox-confirm`, {
          method: 'POST',
          headers: widgetHeaders(tenant, { customer }),
          body: JSON.stringify({ card: { number, expMonth: 12, expYear: 2034, cvc: '123' } }),
        }),
      ),
    confirm: async (id: string, customer: string, setupIntentId: string) =>
      json(
        await fetch(`${url}/api/conversations/${id}/payment/confirm`, {
          method: 'POST',
          headers: widgetHeaders(tenant, { customer }),
          body: JSON.stringify({ setupIntentId }),
        }),
      ),
    metrics: async (query = '') =>
      json(
        await fetch(`${url}/api/recovery/metrics${query}`, {
          headers: widgetHeaders(tenant, { secret: true }),
        }),
      ),
  };
}

/** The `data-payment` parts of a reply. */
export function paymentParts(chunks: readonly ReceivedChunk[]): Record<string, unknown>[] {
  return chunks.flatMap(({ chunk }) =>
    typeof chunk !== 'string' && chunk.type === 'data-payment' ? [chunk.data] : [],
  );
}
