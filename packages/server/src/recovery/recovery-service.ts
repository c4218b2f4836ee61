import {
  ChurnError,
  type Clock,
  type CustomerRecord,
  createRecoveryPhraseMemory,
  createSandboxPaymentProvider,
  type LanguageModelV1,
  type PaymentProviderV1,
  type RecoveryPhraseMemory,
  type SandboxPaymentProvider,
  type StorageV1,
  systemClock,
} from '@churn/core';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import type { ChurnLogger } from '../http/error-to-response.js';
import { paymentRiskOf } from './recovery-records.js';

/**
 * Settings of payment recovery: `createChurnHandler({ payments })`. Every one is optional.
 *
 * Without a provider and without `STRIPE_SECRET_KEY`, each tenant gets an in-process sandbox
 * (`createSandboxPaymentProvider`) seeded from its stored customers: the demo card form works
 * with Stripe's test cards and no account.
 */
export interface RecoverySettings {
  /**
   * The payment provider: one for every tenant, or one per tenant. Default: Stripe from
   * `STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET` and `STRIPE_PUBLISHABLE_KEY` when the secret
   * key is set, else a sandbox per tenant.
   */
  provider?:
    | PaymentProviderV1
    | ((tenantId: string) => PaymentProviderV1 | Promise<PaymentProviderV1>);
  /** Where "now" comes from: the 180-second budget, webhook tolerance, links. Default the system clock. */
  clock?: Clock;
  /** When set, the conversation plans with tool calls; otherwise the offline engine speaks. */
  languageModel?: LanguageModelV1;
  /** How often open sessions are swept for the 180-second budget (ms). Default 5000; 0 turns the timer off. */
  sweepIntervalMs?: number;
  /** Attempts of a provider call that failed for a transient reason (same idempotency key). Default 3. */
  providerAttempts?: number;
  /** Lifetime of the signed recovery links, in seconds. Default 7 days. */
  linkTtlSeconds?: number;
  /** The widget's built script (`churn-chat.js`) the hosted recovery page serves. Default: `@churn/chat`'s `dist`, found from the workspace. */
  widgetScriptFile?: string;
}

/** The recovery flow's shared pieces, one per handler. */
export interface RecoveryService {
  readonly settings: RecoverySettings;
  readonly clock: Clock;
  /** The tenant's payment provider (a sandbox seeded from storage when none is configured). */
  providerFor(storage: StorageV1, tenantId: string): Promise<PaymentProviderV1>;
  /**
   * The provider's id of a stored customer. In the sandbox the customer is added on first use;
   * with Stripe it must be linked (`stripeCustomerId`, filled by `churn stripe sync`).
   */
  providerCustomerId(provider: PaymentProviderV1, customer: CustomerRecord): string;
  /** The phrasing memory of a tenant: no line twice in a row across its customers. */
  memoryFor(tenantId: string): RecoveryPhraseMemory;
  /** Starts the budget sweeper once (no-op when disabled or already running). */
  startSweeper(run: () => Promise<void>, logger: ChurnLogger): void;
}

/** Whether the provider is the in-process sandbox. */
export function isSandboxProvider(provider: PaymentProviderV1): provider is SandboxPaymentProvider {
  return provider.provider === 'sandbox' && 'confirmSetupIntent' in provider;
}

/** A test card number the sandbox accepts, by what the seeded customer needs. */
const sandboxCardFor = (failing: boolean) => (failing ? '4000000000000341' : '4242424242424242');

async function stripeFromEnvironment(): Promise<PaymentProviderV1 | undefined> {
  const secretKey = process.env.STRIPE_SECRET_KEY;
  if (!secretKey) return undefined;
  const webhookSecret = process.env.STRIPE_WEBHOOK_SECRET;
  if (!webhookSecret) {
    throw new ChurnError(
      'configuration',
      'STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: copy the endpoint secret (whsec_...) from the Stripe dashboard.',
    );
  }
  const { createStripePaymentProvider } = await import('@churn/core/stripe');
  return createStripePaymentProvider({
    secretKey,
    webhookSecret,
    ...(process.env.STRIPE_PUBLISHABLE_KEY
      ? { publishableKey: process.env.STRIPE_PUBLISHABLE_KEY }
      : {}),
  });
}

/** Creates the recovery service of one handler. */
export function createRecoveryService(settings: RecoverySettings = {}): RecoveryService {
  const clock = settings.clock ?? systemClock;
  const sandboxes = new Map<string, Promise<SandboxPaymentProvider>>();
  const seeded = new WeakMap<SandboxPaymentProvider, Set<string>>();
  const memories = new Map<string, RecoveryPhraseMemory>();
  let environment: Promise<PaymentProviderV1 | undefined> | undefined;
  let sweeping = false;

  const seedSandbox = (sandbox: SandboxPaymentProvider, customer: CustomerRecord): string => {
    const id = customer.stripeCustomerId ?? customer.id;
    const known = seeded.get(sandbox) ?? new Set<string>();
    seeded.set(sandbox, known);
    if (known.has(id)) return id;
    const risk = paymentRiskOf(customer);
    const failing =
      customer.accountStatus === 'at-risk' && customer.riskCategory === 'failed-payment';
    const now = clock();
    const card = risk.card ?? { expiryMonth: 12, expiryYear: now.getUTCFullYear() + 2 };
    sandbox.addCustomer({
      id,
      name: customer.name,
      email: customer.email,
      customerSince: customer.customerSince,
      card: {
        number: sandboxCardFor(failing),
        expMonth: card.expiryMonth,
        expYear: card.expiryYear,
      },
      subscription: { amount: customer.accountValue, currency: customer.currency },
      // The last payment the records know is a paid invoice there too (account answers list it).
      ...(customer.lastPaymentDate ? { lastPaidAt: customer.lastPaymentDate } : {}),
      ...(failing
        ? {
            failedInvoice: {
              amountDue: risk.openInvoice?.amountDue ?? customer.accountValue,
              attemptCount: Math.max(1, risk.failureCount),
            },
          }
        : {}),
    });
    known.add(id);
    return id;
  };

  return {
    settings,
    clock,
    async providerFor(_storage, tenantId) {
      const configured = settings.provider;
      if (typeof configured === 'function') return configured(tenantId);
      if (configured) return configured;
      environment ??= stripeFromEnvironment();
      const fromEnvironment = await environment;
      if (fromEnvironment) return fromEnvironment;
      let sandbox = sandboxes.get(tenantId);
      if (!sandbox) {
        sandbox = Promise.resolve(createSandboxPaymentProvider({ clock }));
        sandboxes.set(tenantId, sandbox);
      }
      return sandbox;
    },
    providerCustomerId(provider, customer) {
      if (isSandboxProvider(provider)) return seedSandbox(provider, customer);
      if (!customer.stripeCustomerId) {
        throw new ChurnError(
          'conflict',
          `Customer ${customer.id} is not linked to a ${provider.provider} customer: run "churn stripe sync" or set stripeCustomerId.`,
        );
      }
      return customer.stripeCustomerId;
    },
    memoryFor(tenantId) {
      let memory = memories.get(tenantId);
      if (!memory) {
        memory = createRecoveryPhraseMemory();
        memories.set(tenantId, memory);
      }
      return memory;
    },
    startSweeper(run, logger) {
      const interval = settings.sweepIntervalMs ?? 5000;
      if (sweeping || interval <= 0) return;
      sweeping = true;
      const timer = setInterval(() => {
        run().catch((error: unknown) => logger.error('The recovery sweep failed.', { error }));
      }, interval);
      timer.unref?.();
    },
  };
}

const services = new WeakMap<ChurnHandlerState, RecoveryService>();

/** The recovery service of a handler, created from `state.payments` on first use. */
export function recoveryServiceOf(state: ChurnHandlerState): RecoveryService {
  let service = services.get(state);
  if (!service) {
    service = createRecoveryService(state.payments);
    services.set(state, service);
  }
  return service;
}
