import {
  type AtRiskCustomer,
  type CustomerRecord,
  canTransitionCustomerStatus,
  type PaymentProviderV1,
  riskDetectedEvent,
  type StorageV1,
  type StorageV1Repositories,
  transitionCustomerStatus,
} from '@churn/core';
import type { ChurnLogger } from '../http/error-to-response.js';
import { startRuleIntervention } from '../interventions/intervention-routes.js';
import { type StoredPaymentRisk, toJsonObject } from './recovery-records.js';
import { createRecoveryService } from './recovery-service.js';

/** What {@link syncAtRiskCustomers} did. */
export interface StripeSyncReport {
  tenantId: string;
  /** At-risk customers the provider listed. */
  scanned: number;
  created: number;
  updated: number;
  /** Customers skipped, with why (no e-mail, ...). */
  skipped: { providerCustomerId: string; reason: string }[];
  /** Customers that became at-risk by this sync. */
  newlyAtRisk: number;
  /** Recovery sessions the tenant's rules started. */
  interventionsStarted: number;
}

const emailPattern = /^[^@\s]+@[^@\s]+$/;

function riskOf(entry: AtRiskCustomer): StoredPaymentRisk {
  const invoice = entry.failedInvoices[0];
  const card = entry.paymentMethod;
  return {
    failureCount: card?.failureCount ?? (invoice ? invoice.attemptCount : 0),
    ...(invoice?.nextRetryAt ? { nextRetryAt: invoice.nextRetryAt } : {}),
    ...(invoice ? { lastFailureDate: invoice.createdAt } : {}),
    ...(card
      ? {
          card: {
            providerPaymentMethodId: card.providerPaymentMethodId,
            expiryMonth: card.expiryMonth,
            expiryYear: card.expiryYear,
          },
        }
      : {}),
    ...(invoice
      ? {
          openInvoice: {
            invoiceId: invoice.providerInvoiceId,
            amountDue: invoice.amountDue,
            currency: invoice.currency,
            failedAt: invoice.createdAt,
          },
        }
      : {}),
  };
}

async function upsertOne(
  repositories: StorageV1Repositories,
  tenantId: string,
  entry: AtRiskCustomer,
  now: Date,
): Promise<{ customer: CustomerRecord; created: boolean; newlyAtRisk: boolean }> {
  const known = await repositories.customers.findByStripeCustomerId({
    tenantId,
    stripeCustomerId: entry.customer.providerCustomerId,
    lock: true,
  });
  const category = entry.risk.category;
  const risk = toJsonObject({ ...riskOf(entry), statusChangedAt: now });
  let customer: CustomerRecord;
  let created = false;
  let newlyAtRisk = false;
  if (!known) {
    customer = await repositories.customers.create({
      tenantId,
      name: entry.customer.name || entry.customer.email || entry.customer.providerCustomerId,
      email: entry.customer.email as string,
      ...(entry.customer.phone ? { phone: entry.customer.phone } : {}),
      accountStatus: 'at-risk',
      riskCategory: category,
      riskSeverity: entry.risk.severity,
      accountValue: entry.customer.accountValue,
      currency: entry.customer.currency,
      customerSince: entry.customer.customerSince,
      ...(entry.customer.lastPaymentDate
        ? { lastPaymentDate: entry.customer.lastPaymentDate }
        : {}),
      stripeCustomerId: entry.customer.providerCustomerId,
      metadata: { paymentRisk: risk },
    });
    created = true;
    newlyAtRisk = true;
  } else {
    const event = riskDetectedEvent(category);
    const moved = canTransitionCustomerStatus(known.accountStatus, event)
      ? transitionCustomerStatus(known, event)
      : known;
    newlyAtRisk = known.accountStatus !== 'at-risk' && moved.accountStatus === 'at-risk';
    customer = await repositories.customers.update({
      tenantId,
      id: known.id,
      changes: {
        accountStatus: moved.accountStatus,
        ...(moved.accountStatus === 'at-risk'
          ? { riskCategory: moved.riskCategory ?? category, riskSeverity: entry.risk.severity }
          : {}),
        accountValue:
          entry.customer.accountValue > 0 ? entry.customer.accountValue : known.accountValue,
        ...(entry.customer.lastPaymentDate
          ? { lastPaymentDate: entry.customer.lastPaymentDate }
          : {}),
        metadata: { ...known.metadata, paymentRisk: risk },
      },
    });
  }
  const card = entry.paymentMethod;
  if (card?.cardType) {
    const existing = await repositories.paymentMethods.findByStripePaymentMethodId({
      tenantId,
      stripePaymentMethodId: card.providerPaymentMethodId,
    });
    const record = existing
      ? await repositories.paymentMethods.update({
          tenantId,
          id: existing.id,
          changes: {
            expiryMonth: card.expiryMonth,
            expiryYear: card.expiryYear,
            status: card.status,
            failureCount: card.failureCount,
          },
        })
      : await repositories.paymentMethods.create({
          tenantId,
          customerId: customer.id,
          cardType: card.cardType,
          lastFourDigits: card.lastFourDigits,
          expiryMonth: card.expiryMonth,
          expiryYear: card.expiryYear,
          status: card.status,
          failureCount: card.failureCount,
          stripePaymentMethodId: card.providerPaymentMethodId,
        });
    await repositories.paymentMethods.setDefault({ tenantId, id: record.id });
  }
  return { customer, created, newlyAtRisk };
}

/**
 * The sync (`churn stripe sync`): asks the provider for at-risk customers
 * (`doListAtRiskCustomers`: failed payments, cards expiring within N days) and creates or
 * updates the tenant's Customer and PaymentMethod rows, with the risk category and severity
 * from `assessRisk` and the status moved through the customer state machine (a churned
 * customer stays churned). Each customer is written in its own transaction. Customers newly
 * at-risk are checked against the tenant's intervention rules.
 */
export async function syncAtRiskCustomers(
  storage: StorageV1,
  provider: PaymentProviderV1,
  options: {
    tenantId: string;
    expiringWithinDays?: number;
    now?: Date;
    logger?: ChurnLogger;
  },
): Promise<StripeSyncReport> {
  const now = options.now ?? new Date();
  const { customers } = await provider.doListAtRiskCustomers({
    expiringWithinDays: options.expiringWithinDays ?? 30,
    now,
  });
  const report: StripeSyncReport = {
    tenantId: options.tenantId,
    scanned: customers.length,
    created: 0,
    updated: 0,
    skipped: [],
    newlyAtRisk: 0,
    interventionsStarted: 0,
  };
  const service = createRecoveryService({ provider, clock: () => now, sweepIntervalMs: 0 });
  const logger: ChurnLogger = options.logger ?? { error: () => undefined, warn: () => undefined };
  for (const entry of customers) {
    const email = entry.customer.email;
    const known = await storage.customers.findByStripeCustomerId({
      tenantId: options.tenantId,
      stripeCustomerId: entry.customer.providerCustomerId,
    });
    if (!known && (!email || !emailPattern.test(email))) {
      report.skipped.push({
        providerCustomerId: entry.customer.providerCustomerId,
        reason:
          'No e-mail address in Stripe: add one there, or create the customer in Churn first.',
      });
      continue;
    }
    const result = await storage.transaction((repositories) =>
      upsertOne(repositories, options.tenantId, entry, now),
    );
    if (result.created) report.created += 1;
    else report.updated += 1;
    if (result.newlyAtRisk) {
      report.newlyAtRisk += 1;
      const started = await startRuleIntervention({
        storage,
        service,
        tenantId: options.tenantId,
        customerId: result.customer.id,
        logger,
      });
      if (started) report.interventionsStarted += 1;
    }
  }
  return report;
}
