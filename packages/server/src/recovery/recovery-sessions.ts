import {
  ChurnError,
  type ConversationRecord,
  type CustomerRecord,
  composeRecoveryGreeting,
  enforceSessionBudget,
  isChatSessionOpen,
  openChatSessionStatuses,
  type StorageV1,
} from '@churn/core';
import { publishConsoleEvent } from '../admin-conversations/console-events.js';
import { recordMetric } from '../analytics/record-metric.js';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import {
  paymentRiskOf,
  recoveryFactsOf,
  type StoredRecoveryState,
  saveSession,
  sessionOf,
  toJsonObject,
} from './recovery-records.js';
import { type RecoveryService, recoveryServiceOf } from './recovery-service.js';

/** Who or what starts a recovery session. */
export interface RecoveryStart {
  tenantId: string;
  customer: CustomerRecord;
  /** The operator who started it (absent for a rule, a secret key or the customer). */
  adminUserId?: string;
  trigger: StoredRecoveryState['trigger'];
  variant?: string;
}

/** The open recovery session of a customer, if any (swept for the budget first). */
export async function findOpenRecovery(
  storage: StorageV1,
  service: RecoveryService,
  tenantId: string,
  customerId: string,
): Promise<ConversationRecord | undefined> {
  const conversations = await storage.conversations.list({
    tenantId,
    purpose: 'recovery',
    customerId,
    limit: 20,
  });
  for (const conversation of conversations) {
    const swept = await sweepRecoverySession(storage, service, conversation);
    if (swept.recovery && isChatSessionOpen(swept.recovery.status)) return swept;
  }
  return undefined;
}

/**
 * Starts a recovery session for an at-risk customer: a recovery conversation (`initiated`)
 * holding the greeting, which names the customer, the card and the amount. A customer with an
 * open session gets that one back (`created: false`), so a double click or a rule racing an
 * operator never opens two.
 */
export async function startRecoverySession(
  storage: StorageV1,
  service: RecoveryService,
  start: RecoveryStart,
): Promise<{ conversation: ConversationRecord; created: boolean }> {
  const { customer, tenantId } = start;
  if (customer.accountStatus !== 'at-risk') {
    throw new ChurnError(
      'conflict',
      `Customer ${customer.id} is ${customer.accountStatus}, not at-risk: there is nothing to recover.`,
    );
  }
  const open = await findOpenRecovery(storage, service, tenantId, customer.id);
  if (open) return { conversation: open, created: false };
  const risk = paymentRiskOf(customer);
  const category = customer.riskCategory ?? 'failed-payment';
  const state: StoredRecoveryState = {
    setupAttempts: 0,
    turns: 0,
    category,
    currency: risk.openInvoice?.currency ?? customer.currency,
    trigger: start.trigger,
    ...(category === 'failed-payment'
      ? {
          amountDue: risk.openInvoice?.amountDue ?? customer.accountValue,
          ...((risk.openInvoice?.failedAt ?? risk.lastFailureDate)
            ? { failedAt: risk.openInvoice?.failedAt ?? risk.lastFailureDate }
            : {}),
        }
      : {}),
    ...(start.variant ? { variant: start.variant } : {}),
  };
  const paymentMethods = await storage.paymentMethods.listByCustomer({
    tenantId,
    customerId: customer.id,
  });
  const greeting = composeRecoveryGreeting(
    recoveryFactsOf(customer, paymentMethods, state),
    service.memoryFor(tenantId),
  );
  const now = service.clock();
  const conversation = await storage.transaction(async (repositories) => {
    const created = await repositories.conversations.create({
      tenantId,
      purpose: 'recovery',
      sessionId: crypto.randomUUID(),
      userId: customer.externalId ?? customer.id,
      customerId: customer.id,
      startedAt: now,
      recovery: {
        status: 'initiated',
        ...(start.adminUserId ? { adminUserId: start.adminUserId } : {}),
        paymentAttempted: false,
      },
      metadata: { channel: 'recovery', recovery: toJsonObject(state) },
    });
    await repositories.messages.create({
      tenantId,
      conversationId: created.id,
      role: 'assistant',
      content: greeting,
      timestamp: now,
      queryType: 'billing',
      metadata: { recoveryStep: 'greeting' },
    });
    return created;
  });
  publishConsoleEvent(storage, {
    type: 'conversation.created',
    tenantId,
    data: { conversationId: conversation.id, kind: 'recovery', customerId: customer.id },
  });
  await recordMetric(storage, {
    tenantId,
    id: `intervention-${conversation.id}`,
    name: 'interventions',
    value: 1,
    recordedAt: now,
    dimensions: { purpose: 'recovery', category, trigger: start.trigger, variant: start.variant },
  }).catch(() => undefined);
  return { conversation, created: true };
}

/**
 * Applies the 180-second budget to one recovery conversation and saves the result when it
 * changed: an open session silent for more than 180 s since the customer's last activity,
 * unless its payment is processing, is abandoned (see `budgetStartOf`).
 */
export async function sweepRecoverySession(
  storage: StorageV1,
  service: RecoveryService,
  conversation: ConversationRecord,
): Promise<ConversationRecord> {
  if (conversation.purpose !== 'recovery' || !conversation.recovery) return conversation;
  const session = sessionOf(conversation, service.clock(), service.settings.linkTtlSeconds);
  const next = enforceSessionBudget(session, service.clock);
  if (next === session) return conversation;
  return saveSession(storage, conversation, next);
}

/** Sweeps every open recovery session of every tenant (the timer's job). */
export async function sweepAllRecoverySessions(
  storage: StorageV1,
  service: RecoveryService,
): Promise<number> {
  let abandoned = 0;
  const tenants = await storage.tenants.list({ limit: 1000 });
  for (const tenant of tenants) {
    for (const status of openChatSessionStatuses) {
      if (status === 'payment-processing') continue;
      const open = await storage.conversations.list({
        tenantId: tenant.id,
        purpose: 'recovery',
        recoveryStatus: status,
        limit: 1000,
      });
      for (const conversation of open) {
        const swept = await sweepRecoverySession(storage, service, conversation);
        if (swept !== conversation && swept.recovery?.status === 'abandoned') abandoned += 1;
      }
    }
  }
  return abandoned;
}

/** Starts the handler's budget sweeper (every `sweepIntervalMs`), once. */
export function startRecoverySweeper(state: ChurnHandlerState, storage: StorageV1): void {
  const service = recoveryServiceOf(state);
  service.startSweeper(async () => {
    await sweepAllRecoverySessions(storage, service);
  }, state.logger);
}
