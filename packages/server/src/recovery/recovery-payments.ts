import {
  type ChatSessionState,
  ChurnError,
  type ConversationRecord,
  type CustomerRecord,
  canTransitionCustomerStatus,
  describePaymentFailure,
  enforceSessionBudget,
  type InvoicePaymentResult,
  type PaymentCard,
  type PaymentFailure,
  type PaymentProviderV1,
  type RecoveryFacts,
  type SetupIntentHandle,
  type StorageV1,
  type StorageV1Repositories,
  sayRecoveryStep,
  transitionChatSession,
  transitionCustomerStatus,
} from '@churn/core';
import { recordMetric } from '../analytics/record-metric.js';
import type { ChurnLogger } from '../http/error-to-response.js';
import { HttpError } from '../http/http-error.js';
import {
  customerChangesOf,
  recoveryFactsOf,
  recoveryStateOf,
  riskStateOf,
  type StoredRecoveryState,
  saveSession,
  sessionBeganAt,
  sessionOf,
  withRecoveryState,
} from './recovery-records.js';
import { isSandboxProvider, type RecoveryService } from './recovery-service.js';

/** The `data-payment` part the widget reads to show the card form. */
export interface PaymentRequestData {
  step: 'payment-requested';
  mode: 'stripe' | 'sandbox';
  clientSecret: string;
  publishableKey?: string;
  [key: string]: unknown;
}

/**
 * How long a `payment-processing` claim protects a card update in progress: longer than the
 * provider calls of one confirmation can take with their retries and timeouts. An older claim
 * belongs to a process that died, and a new confirmation takes it over.
 */
export const staleProcessingClaimMs = 10 * 60_000;

/** What the confirm routes answer (the widget's `PaymentConfirmation`). */
export interface PaymentConfirmationBody {
  status: 'succeeded' | 'processing' | 'failed';
  message?: string;
  /** After a decline in Stripe mode: the next SetupIntent's client secret for another card. */
  payment?: PaymentRequestData;
}

const transientCodes = new Set(['rate_limited', 'timeout', 'provider_error', 'internal']);

function isTransient(error: unknown): boolean {
  return !ChurnError.isInstance(error) || transientCodes.has(error.code);
}

/**
 * Runs a provider call up to `attempts` times while it fails for a transient reason (timeouts,
 * rate limits, the provider's 5xx). The call itself carries the idempotency key, unchanged on
 * every attempt, so a charge that went through before the answer was lost is not repeated.
 */
export async function withProviderRetries<T>(attempts: number, call: () => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= Math.max(1, attempts); attempt += 1) {
    try {
      return await call();
    } catch (error) {
      lastError = error;
      if (!isTransient(error)) throw error;
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
  throw lastError;
}

function toRequestData(handle: SetupIntentHandle): PaymentRequestData {
  return {
    step: 'payment-requested',
    mode: handle.mode === 'sandbox' ? 'sandbox' : 'stripe',
    clientSecret: handle.clientSecret,
    ...(handle.publishableKey ? { publishableKey: handle.publishableKey } : {}),
  };
}

interface Loaded {
  conversation: ConversationRecord;
  customer: CustomerRecord;
  provider: PaymentProviderV1;
  providerCustomerId: string;
  state: StoredRecoveryState;
}

async function load(
  storage: StorageV1,
  service: RecoveryService,
  conversation: ConversationRecord,
): Promise<Loaded> {
  if (conversation.purpose !== 'recovery' || !conversation.customerId) {
    throw new HttpError(
      409,
      'conflict',
      'This is not a payment-recovery conversation: the card step belongs to a recovery session.',
    );
  }
  const customer = await storage.customers.get({
    tenantId: conversation.tenantId,
    id: conversation.customerId,
  });
  if (!customer)
    throw new HttpError(404, 'not_found', 'The customer of this conversation is gone.');
  const provider = await service.providerFor(storage, conversation.tenantId);
  return {
    conversation,
    customer,
    provider,
    providerCustomerId: service.providerCustomerId(provider, customer),
    state: recoveryStateOf(conversation),
  };
}

/**
 * Creates the SetupIntent of the card step and records its id on the conversation (never the
 * client secret). The key `recovery:<conversation>:setup:<n>` makes a retried request return
 * the same SetupIntent.
 */
export async function createPaymentRequest(
  storage: StorageV1,
  service: RecoveryService,
  conversation: ConversationRecord,
): Promise<{ conversation: ConversationRecord; data: PaymentRequestData }> {
  const loaded = await load(storage, service, conversation);
  const attempt = loaded.state.setupAttempts + 1;
  const handle = await withProviderRetries(service.settings.providerAttempts ?? 3, () =>
    loaded.provider.doCreateSetupIntent({
      customerId: loaded.providerCustomerId,
      idempotencyKey: `recovery:${conversation.id}:setup:${attempt}`,
    }),
  );
  const state: StoredRecoveryState = {
    ...loaded.state,
    setupIntentId: handle.id,
    setupAttempts: attempt,
  };
  const updated = await storage.conversations.update({
    tenantId: conversation.tenantId,
    id: conversation.id,
    changes: { metadata: withRecoveryState(conversation, state) },
  });
  return { conversation: updated, data: toRequestData(handle) };
}

/** What the customer sent from the card form. */
export type PaymentSubmission =
  | { kind: 'stripe'; setupIntentId: string }
  | {
      kind: 'sandbox';
      card: { number: string; expMonth: number; expYear: number; cvc: string };
    };

async function storeAssistantLine(
  repositories: Pick<StorageV1Repositories, 'messages'>,
  conversation: ConversationRecord,
  text: string,
  step: string,
  at: Date,
): Promise<void> {
  await repositories.messages.create({
    tenantId: conversation.tenantId,
    conversationId: conversation.id,
    role: 'assistant',
    content: text,
    timestamp: at,
    queryType: 'billing',
    metadata: { recoveryStep: step },
  });
}

function sumPaid(results: readonly InvoicePaymentResult[]): number {
  let total = 0;
  for (const result of results) if (result.status === 'paid') total += result.amountPaid;
  return Math.round(total * 100) / 100;
}

/**
 * The card step on the server, never trusting the browser: moves the session to
 * `payment-processing`, verifies the SetupIntent with the provider, makes the card the default
 * where the failing charge looks for it, pays the open invoices under an idempotency key derived
 * from the conversation and the SetupIntent (retries reuse it), then completes the session
 * (`payment-updated`) and resolves the customer. A decline (at saving or at charging) goes back
 * to `payment-requested` with plain words; a provider failure that outlasts the retries ends the
 * session as `technical-failure` with the reason stored, and answers 502.
 */
export async function confirmRecoveryPayment(
  storage: StorageV1,
  service: RecoveryService,
  conversation: ConversationRecord,
  submission: PaymentSubmission,
  logger: ChurnLogger,
): Promise<PaymentConfirmationBody> {
  const loaded = await load(storage, service, conversation);
  const { provider, providerCustomerId, customer } = loaded;
  const clock = service.clock;
  const attempts = service.settings.providerAttempts ?? 3;
  const memory = service.memoryFor(conversation.tenantId);
  let session: ChatSessionState = sessionOf(conversation, clock(), service.settings.linkTtlSeconds);
  const swept = enforceSessionBudget(session, clock);
  if (swept !== session) {
    await saveSession(storage, conversation, swept);
    throw new HttpError(
      409,
      'conflict',
      'This recovery session ran past its 3 minutes and was closed: ask for a new link, or update the card from your account page.',
    );
  }
  if (session.status === 'completed' && session.outcome === 'payment-updated') {
    return { status: 'succeeded' };
  }
  // A claim older than any live attempt can last was left by a process that died mid-payment
  // (killed after the provider charged, before the answer was stored): the customer's retry
  // takes it over. Paying again reuses the idempotency key, so nothing is charged twice.
  const abandonedClaim =
    session.status === 'payment-processing' &&
    clock().getTime() - session.startTime.getTime() > staleProcessingClaimMs;
  if (session.status !== 'payment-requested' && !abandonedClaim) {
    throw new HttpError(
      409,
      'conflict',
      session.status === 'payment-processing'
        ? 'A card is already being processed for this conversation: wait for its answer.'
        : `The card form is not open in this conversation (it is ${session.status}): ask the assistant to update the card first.`,
    );
  }
  const setupIntentId = loaded.state.setupIntentId;
  if (!setupIntentId) {
    throw new HttpError(
      409,
      'conflict',
      'No card form was opened: ask the assistant to update the card first.',
    );
  }
  if (submission.kind === 'stripe' && submission.setupIntentId !== setupIntentId) {
    throw new HttpError(
      403,
      'forbidden',
      'This SetupIntent was not created for this conversation: confirm the card form the assistant opened.',
    );
  }
  if (submission.kind === 'sandbox' && !isSandboxProvider(provider)) {
    throw new HttpError(
      409,
      'conflict',
      'The demo card form works only in sandbox mode; this server uses Stripe: confirm the Payment Element instead.',
    );
  }
  const facts: RecoveryFacts = recoveryFactsOf(
    customer,
    await storage.paymentMethods.listByCustomer({
      tenantId: conversation.tenantId,
      customerId: customer.id,
    }),
    loaded.state,
  );

  // The demo form stands in for Stripe.js: the card is checked by the sandbox, never stored.
  if (submission.kind === 'sandbox' && isSandboxProvider(provider)) {
    await provider.confirmSetupIntent({ setupIntentId, card: submission.card });
  }

  // A card submitted is the customer's activity: the budget of silence starts again.
  const submittedAt = clock();
  session = transitionChatSession(
    { ...session, startTime: submittedAt },
    'payment-submitted',
    clock,
  );
  let current = await saveSession(
    storage,
    conversation,
    session,
    withRecoveryState(conversation, { ...loaded.state, lastActivityAt: submittedAt }),
  );

  const declined = async (failure: PaymentFailure, rotate: boolean) => {
    session = transitionChatSession(session, 'payment-failed', clock);
    let state: StoredRecoveryState = { ...recoveryStateOf(current), lastDecline: failure.message };
    let payment: PaymentRequestData | undefined;
    if (rotate && session.status === 'payment-requested') {
      const attempt = state.setupAttempts + 1;
      const handle = await withProviderRetries(attempts, () =>
        provider.doCreateSetupIntent({
          customerId: providerCustomerId,
          idempotencyKey: `recovery:${conversation.id}:setup:${attempt}`,
        }),
      );
      state = { ...state, setupIntentId: handle.id, setupAttempts: attempt };
      payment = toRequestData(handle);
    }
    const text = sayRecoveryStep(
      failure.reason === 'authentication_required' ? 'payment-requires-action' : 'payment-declined',
      facts,
      memory,
      { salt: String(state.setupAttempts), values: { reason: failure.message } },
    );
    await storage.transaction(async (repositories) => {
      current = await saveSession(
        repositories,
        current,
        session,
        withRecoveryState(current, state),
      );
      await storeAssistantLine(repositories, current, text, 'payment-declined', clock());
    });
    return {
      status: 'failed' as const,
      message: failure.message,
      ...(payment && payment.mode === 'stripe' ? { payment } : {}),
    };
  };

  try {
    const verification = await withProviderRetries(attempts, () =>
      provider.doVerifySetupIntent({ setupIntentId, customerId: providerCustomerId }),
    );
    if (verification.status !== 'succeeded') {
      const failure =
        verification.failure ??
        (verification.status === 'requires_action'
          ? describePaymentFailure({ code: 'authentication_required' })
          : describePaymentFailure({ code: 'card_declined' }));
      // A refused card leaves the SetupIntent ready for another; any other state needs a new one.
      return await declined(failure, verification.status !== 'requires_payment_method');
    }
    const card: PaymentCard = verification.paymentMethod;
    await withProviderRetries(attempts, () =>
      provider.doSetDefaultPaymentMethod({
        customerId: providerCustomerId,
        paymentMethodId: card.providerPaymentMethodId,
      }),
    );
    const { results } = await withProviderRetries(attempts, () =>
      provider.doPayOpenInvoices({
        customerId: providerCustomerId,
        idempotencyKey: `recovery:${conversation.id}:${setupIntentId}`,
      }),
    );
    const refused = results.find((result) => result.status !== 'paid');
    if (refused) {
      return await declined(refused.failure, true);
    }
    const amountRecovered = sumPaid(results);
    session = transitionChatSession(session, 'payment-succeeded', clock);
    const text = sayRecoveryStep('payment-succeeded', facts, memory, {
      values: amountRecovered > 0 ? {} : { amount: 'nothing more' },
    });
    await storage.transaction(async (repositories) => {
      const state: StoredRecoveryState = { ...recoveryStateOf(current), amountRecovered };
      current = await saveSession(
        repositories,
        current,
        session,
        withRecoveryState(current, state),
      );
      await storeAssistantLine(repositories, current, text, 'payment-succeeded', clock());
      await recordCard(repositories, conversation.tenantId, customer.id, card, clock());
      const fresh = await repositories.customers.get({
        tenantId: conversation.tenantId,
        id: customer.id,
      });
      if (fresh && canTransitionCustomerStatus(fresh.accountStatus, 'payment-updated')) {
        const risk = riskStateOf(fresh);
        const resolved = {
          ...transitionCustomerStatus(risk, 'payment-updated'),
          failureCount: 0,
          nextRetryAt: undefined,
          lastPaymentDate: clock(),
          statusChangedAt: clock(),
          card: {
            providerPaymentMethodId: card.providerPaymentMethodId,
            expiryMonth: card.expiryMonth,
            expiryYear: card.expiryYear,
          },
        };
        await repositories.customers.update({
          tenantId: conversation.tenantId,
          id: customer.id,
          changes: customerChangesOf(fresh, resolved, null),
        });
      }
    });
    await recordResolution(storage, current, customer, amountRecovered, logger);
    return { status: 'succeeded' };
  } catch (error) {
    if (ChurnError.isInstance(error) && !isTransient(error) && error.code !== 'configuration') {
      // forbidden / not_found / validation: the request was wrong, not the provider.
      session = transitionChatSession(session, 'payment-failed', clock);
      await saveSession(storage, current, session);
      throw error;
    }
    const reason =
      ChurnError.isInstance(error) && error.code === 'timeout'
        ? 'The payment provider did not answer in time.'
        : ChurnError.isInstance(error) && error.code === 'rate_limited'
          ? 'The payment provider kept refusing requests (rate limited).'
          : ChurnError.isInstance(error) && error.code === 'configuration'
            ? 'The payment provider rejected the server configuration (check the API key).'
            : 'The payment provider failed while processing the card.';
    logger.error('A recovery payment failed on the provider side.', {
      error,
      tenantId: conversation.tenantId,
      conversationId: conversation.id,
    });
    session = transitionChatSession(session, 'technical-failure', clock);
    const text = sayRecoveryStep('technical-failure', facts, memory);
    await storage.transaction(async (repositories) => {
      const state: StoredRecoveryState = { ...recoveryStateOf(current), failureReason: reason };
      current = await saveSession(
        repositories,
        current,
        session,
        withRecoveryState(current, state),
      );
      await storeAssistantLine(repositories, current, text, 'technical-failure', clock());
    });
    throw new HttpError(
      502,
      'provider_error',
      `${reason} Nothing was charged twice; try again later.`,
    );
  }
}

/** Stores the new card (brand, last four, expiry) as the customer's default. */
async function recordCard(
  repositories: Pick<StorageV1Repositories, 'paymentMethods'>,
  tenantId: string,
  customerId: string,
  card: PaymentCard,
  at: Date,
): Promise<void> {
  const known = await repositories.paymentMethods.findByStripePaymentMethodId({
    tenantId,
    stripePaymentMethodId: card.providerPaymentMethodId,
  });
  const record =
    known ??
    (await repositories.paymentMethods.create({
      tenantId,
      customerId,
      cardType: card.cardType ?? 'visa',
      lastFourDigits: card.lastFourDigits,
      expiryMonth: card.expiryMonth,
      expiryYear: card.expiryYear,
      status: 'active',
      lastSuccessDate: at,
      stripePaymentMethodId: card.providerPaymentMethodId,
    }));
  await repositories.paymentMethods.setDefault({ tenantId, id: record.id });
}

/** Records the resolution in the tenant's analytics (best effort: a failure is only logged). */
async function recordResolution(
  storage: StorageV1,
  conversation: ConversationRecord,
  customer: CustomerRecord,
  amountRecovered: number,
  logger: ChurnLogger,
): Promise<void> {
  const state = recoveryStateOf(conversation);
  const dimensions = { purpose: 'recovery', category: state.category, variant: state.variant };
  const at = conversation.endedAt ?? new Date();
  const seconds = Math.max(0, (at.getTime() - sessionBeganAt(conversation).getTime()) / 1000);
  try {
    for (const [name, value] of [
      ['resolutions', 1],
      ['revenue_retained', customer.accountValue],
      ['amount_recovered', amountRecovered],
      ['resolution_time', seconds],
    ] as const) {
      await recordMetric(storage, {
        tenantId: conversation.tenantId,
        id: `${name}-${conversation.id}`,
        name,
        value,
        recordedAt: at,
        dimensions,
      });
    }
  } catch (error) {
    logger.warn('Could not record the recovery analytics.', {
      error,
      conversationId: conversation.id,
    });
  }
}
