import {
  applyPaymentEvent,
  type Clock,
  type CustomerRecord,
  type PaymentEvent,
  type PaymentEventApplication,
  type StorageV1,
  type StorageV1Repositories,
} from '@churn/core';
import {
  type CustomerRiskState,
  customerChangesOf,
  riskStateOf,
  type StoredPaymentRisk,
  toJsonObject,
} from '../recovery/recovery-records.js';

/** What happened to one webhook delivery. */
export interface WebhookEventResult {
  /** False when this event was already recorded: nothing was applied again. */
  firstTime: boolean;
  outcome: PaymentEventApplication<CustomerRiskState>['outcome'] | 'duplicate' | 'unknown-customer';
  reason: string;
  /** The stored customer the event is about, when it names a known one. */
  customerId?: string;
  /** True when the customer became (or stayed newly detected as) at-risk by this event. */
  becameAtRisk: boolean;
}

async function updatePaymentMethods(
  repositories: StorageV1Repositories,
  customer: CustomerRecord,
  event: PaymentEvent,
): Promise<void> {
  const tenantId = customer.tenantId;
  const methods = await repositories.paymentMethods.listByCustomer({
    tenantId,
    customerId: customer.id,
  });
  const target = methods.find((method) => method.isDefault) ?? methods[0];
  if (event.type === 'invoice-payment-failed' && target) {
    await repositories.paymentMethods.update({
      tenantId,
      id: target.id,
      changes: {
        status: target.status === 'expired' ? 'expired' : 'failed',
        failureCount: Math.max(target.failureCount + 1, event.attemptCount),
        lastFailureDate: event.failedAt,
      },
    });
  } else if (event.type === 'invoice-paid' && target) {
    await repositories.paymentMethods.update({
      tenantId,
      id: target.id,
      changes: {
        status: target.status === 'failed' ? 'active' : target.status,
        failureCount: 0,
        lastSuccessDate: event.paidAt,
      },
    });
  } else if (event.type === 'card-updated-automatically' || event.type === 'card-expiring') {
    const known = methods.find(
      (method) => method.stripePaymentMethodId === event.card.providerPaymentMethodId,
    );
    if (known && event.type === 'card-updated-automatically') {
      await repositories.paymentMethods.update({
        tenantId,
        id: known.id,
        changes: {
          expiryMonth: event.card.expiryMonth,
          expiryYear: event.card.expiryYear,
          status: 'active',
        },
      });
    } else if (!known) {
      await repositories.paymentMethods.create({
        tenantId,
        customerId: customer.id,
        cardType: event.card.cardType ?? 'visa',
        lastFourDigits: event.card.lastFourDigits,
        expiryMonth: event.card.expiryMonth,
        expiryYear: event.card.expiryYear,
        status: 'active',
        stripePaymentMethodId: event.card.providerPaymentMethodId,
        isDefault: methods.length === 0,
      });
    }
  }
}

/**
 * Applies one verified provider event exactly once: the event is recorded in
 * `webhook_events` and its effect on the Customer and PaymentMethod rows is written in the same
 * transaction, so a second delivery (or two concurrent ones) finds the record and changes
 * nothing, and a failure rolls both back so the provider's retry applies it. Ordering is
 * `applyPaymentEvent`'s job: an older event never overrides newer state.
 */
export async function applyWebhookEvent(options: {
  storage: StorageV1;
  tenantId: string;
  provider: string;
  event: PaymentEvent;
  clock: Clock;
}): Promise<WebhookEventResult> {
  const { storage, tenantId, event } = options;
  return storage.transaction(async (repositories) => {
    const recorded = await repositories.webhookEvents.recordOnce({
      tenantId,
      provider: options.provider,
      eventId: event.id,
      type: event.providerEventType,
      occurredAt: event.createdAt,
      payload: toJsonObject(event),
    });
    if (!recorded.firstTime) {
      return {
        firstTime: false,
        outcome: 'duplicate',
        reason: `Event ${event.id} was already received: nothing applied again.`,
        becameAtRisk: false,
      };
    }
    const customer =
      event.customerId === undefined
        ? undefined
        : // Locked until commit: two events of one customer applied at the same moment
          // (a failure and a payment) run one after the other, each on the other's result.
          await repositories.customers.findByStripeCustomerId({
            tenantId,
            stripeCustomerId: event.customerId,
            lock: true,
          });
    let result: WebhookEventResult;
    if (!customer) {
      result = {
        firstTime: true,
        outcome: 'unknown-customer',
        reason: `No customer is linked to ${event.customerId ?? 'this event'}: run "churn stripe sync" to import it.`,
        becameAtRisk: false,
      };
    } else {
      const before = riskStateOf(customer);
      const application = applyPaymentEvent(before, event, options.clock);
      if (application.outcome === 'applied') {
        const openInvoice: StoredPaymentRisk['openInvoice'] | null | undefined =
          event.type === 'invoice-payment-failed'
            ? {
                invoiceId: event.invoiceId,
                amountDue: event.amountDue,
                currency: event.currency,
                failedAt: event.failedAt,
              }
            : event.type === 'invoice-paid' && application.state.failureCount === 0
              ? null
              : undefined;
        await repositories.customers.update({
          tenantId,
          id: customer.id,
          changes: customerChangesOf(customer, application.state, openInvoice),
        });
        await updatePaymentMethods(repositories, customer, event);
      }
      result = {
        firstTime: true,
        outcome: application.outcome,
        reason: application.reason,
        customerId: customer.id,
        becameAtRisk:
          application.outcome === 'applied' &&
          application.state.accountStatus === 'at-risk' &&
          (application.statusEvent === 'failed-payment-detected' ||
            application.statusEvent === 'expiring-card-detected'),
      };
    }
    await repositories.webhookEvents.markProcessed({
      tenantId,
      provider: options.provider,
      eventId: event.id,
      at: options.clock(),
    });
    return result;
  });
}
