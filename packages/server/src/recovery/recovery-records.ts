import type {
  ChatSessionState,
  ConversationRecord,
  CustomerChanges,
  CustomerRecord,
  StorageJsonObject as JsonObject,
  StorageJsonValue as JsonValue,
  PaymentMethodRecord,
  PaymentRiskState,
  RecoveryFacts,
  StorageV1Repositories,
} from '@churn/core';
import { SESSION_BUDGET_SECONDS } from '@churn/core';

/**
 * What the recovery flow keeps in a customer's `metadata.paymentRisk`: the facts
 * `applyPaymentEvent` reads that the Customer row has no column for.
 */
export interface StoredPaymentRisk {
  failureCount: number;
  lastFailureDate?: Date;
  nextRetryAt?: Date;
  statusChangedAt?: Date;
  card?: { providerPaymentMethodId?: string; expiryMonth: number; expiryYear: number };
  /** The open invoice whose payment failed, as the last failure event told it. */
  openInvoice?: { invoiceId: string; amountDue: number; currency: string; failedAt: Date };
}

/** What the recovery flow keeps in a recovery conversation's `metadata.recovery`. */
export interface StoredRecoveryState {
  /** The SetupIntent the card form confirms (never its client secret). */
  setupIntentId?: string;
  /** How many SetupIntents this session created (keys the next one). */
  setupAttempts: number;
  /** Messages the customer sent in this session. */
  turns: number;
  /** When the customer first wrote. */
  engagedAt?: Date;
  /**
   * The customer's last activity in this session (a message, a card submitted): the
   * 180-second budget counts silence from here.
   */
  lastActivityAt?: Date;
  /** The facts snapshot at the start: what the greeting said. */
  category: 'failed-payment' | 'expiring-card';
  amountDue?: number;
  currency: string;
  failedAt?: Date;
  /**
   * `operator` (POST /api/interventions), `rule`, or `customer` (a verified customer asked
   * about their billing in a support conversation).
   */
  trigger: 'operator' | 'rule' | 'customer';
  /** A/B variant of the session, when one was given. */
  variant?: string;
  /** What was paid when it succeeded (major units). */
  amountRecovered?: number;
  /** Why it ended in technical-failure (plain words, no vendor text). */
  failureReason?: string;
  /** The last decline in plain words. */
  lastDecline?: string;
}

const dateKeys = new Set([
  'lastFailureDate',
  'nextRetryAt',
  'statusChangedAt',
  'failedAt',
  'engagedAt',
  'lastActivityAt',
]);

function toJsonValue(value: unknown): JsonValue | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => toJsonValue(item) ?? null);
  if (typeof value === 'object' && value !== null) {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      const converted = toJsonValue(item);
      if (converted !== undefined) out[key] = converted;
    }
    return out;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  return null;
}

/** A plain object with dates as ISO strings, for a JSONB column. */
export function toJsonObject(value: object): JsonObject {
  return (toJsonValue(value) ?? {}) as JsonObject;
}

function revive(value: JsonValue | undefined): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = dateKeys.has(key) && typeof item === 'string' ? new Date(item) : revive(item);
    }
    return out;
  }
  return value;
}

function objectAt(metadata: JsonObject, key: string): JsonObject | undefined {
  const value = metadata[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

/** The customer's stored payment risk (zeros when none was recorded). */
export function paymentRiskOf(customer: CustomerRecord): StoredPaymentRisk {
  const stored = objectAt(customer.metadata, 'paymentRisk');
  const risk = (stored ? revive(stored) : {}) as Partial<StoredPaymentRisk>;
  return { ...risk, failureCount: typeof risk.failureCount === 'number' ? risk.failureCount : 0 };
}

/** The recovery state of a recovery conversation. */
export function recoveryStateOf(conversation: ConversationRecord): StoredRecoveryState {
  const stored = objectAt(conversation.metadata, 'recovery');
  const state = (stored ? revive(stored) : {}) as Partial<StoredRecoveryState>;
  return {
    setupAttempts: 0,
    turns: 0,
    category: 'failed-payment',
    currency: 'usd',
    trigger: 'operator',
    ...state,
  };
}

/** The conversation's metadata with `recovery` replaced. */
export function withRecoveryState(
  conversation: ConversationRecord,
  state: StoredRecoveryState,
): JsonObject {
  return { ...conversation.metadata, recovery: toJsonObject(state) };
}

/** What `applyPaymentEvent` works on, built from a stored customer. */
export type CustomerRiskState = PaymentRiskState & { id: string };

/** A stored customer as the state `applyPaymentEvent` reads. */
export function riskStateOf(customer: CustomerRecord): CustomerRiskState {
  const risk = paymentRiskOf(customer);
  return {
    id: customer.id,
    accountStatus: customer.accountStatus,
    riskCategory: customer.riskCategory,
    riskSeverity: customer.riskSeverity,
    accountValue: customer.accountValue,
    failureCount: risk.failureCount,
    lastFailureDate: risk.lastFailureDate,
    lastPaymentDate: customer.lastPaymentDate,
    nextRetryAt: risk.nextRetryAt,
    card: risk.card,
    statusChangedAt: risk.statusChangedAt,
  };
}

/** The customer changes that store a new risk state (and the open invoice, when given). */
export function customerChangesOf(
  customer: CustomerRecord,
  state: CustomerRiskState,
  openInvoice?: StoredPaymentRisk['openInvoice'] | null,
): CustomerChanges {
  const previous = paymentRiskOf(customer);
  const risk: StoredPaymentRisk = {
    failureCount: state.failureCount,
    ...(state.lastFailureDate ? { lastFailureDate: state.lastFailureDate } : {}),
    ...(state.nextRetryAt ? { nextRetryAt: state.nextRetryAt } : {}),
    ...(state.statusChangedAt ? { statusChangedAt: state.statusChangedAt } : {}),
    ...(state.card ? { card: state.card } : {}),
  };
  const invoice = openInvoice === undefined ? previous.openInvoice : openInvoice;
  if (invoice && state.failureCount > 0) risk.openInvoice = invoice;
  return {
    accountStatus: state.accountStatus,
    riskCategory: state.riskCategory ?? null,
    riskSeverity: state.riskSeverity ?? null,
    lastPaymentDate: state.lastPaymentDate ?? null,
    metadata: { ...customer.metadata, paymentRisk: toJsonObject(risk) },
  };
}

/** How long a session the customer has not answered yet waits: the signed link's lifetime. */
export const defaultRecoveryWaitSeconds = 7 * 24 * 60 * 60;

/**
 * Where a session's 180-second budget starts counting. The budget is for silence (the issue:
 * "silence (abandoned at 180 seconds unless payment is processing)"), so it runs from the
 * customer's last activity in the session: their last message or card submission. A session
 * the customer has not answered yet is not silent, it is waiting for them (an operator may
 * start it hours before they open the widget or the emailed link): it waits as long as its
 * signed link lives (`waitSeconds`), then counts as abandoned. Never after `now`, so a
 * session ended now never ends in the future.
 */
export function budgetStartOf(
  conversation: ConversationRecord,
  now: Date,
  waitSeconds = defaultRecoveryWaitSeconds,
): Date {
  const state = recoveryStateOf(conversation);
  const started = conversation.startedAt.getTime();
  const activity = state.lastActivityAt ?? state.engagedAt;
  const from = activity
    ? activity.getTime()
    : started + Math.max(0, waitSeconds - SESSION_BUDGET_SECONDS) * 1000;
  return new Date(Math.max(started, Math.min(from, now.getTime())));
}

/**
 * When a recovery session began, for its resolution time (the seed's `startTime`, "when the
 * conversation began"): the customer's first message. An operator may start an intervention
 * hours before the customer opens the widget or the emailed link, and that wait is not time
 * the system took to resolve anything. A session the customer never answered began when it
 * was started.
 */
export function sessionBeganAt(conversation: ConversationRecord): Date {
  return recoveryStateOf(conversation).engagedAt ?? conversation.startedAt;
}

/**
 * Seconds from the session's beginning ({@link sessionBeganAt}) to its end; undefined while
 * it is open. This, not the stored column (which counts from the intervention's start), is
 * the resolution time measured against the 3-minute target.
 */
export function resolutionSecondsOf(conversation: ConversationRecord): number | undefined {
  if (!conversation.endedAt) return undefined;
  return Math.max(
    0,
    (conversation.endedAt.getTime() - sessionBeganAt(conversation).getTime()) / 1000,
  );
}

/**
 * The chat-session state machine's view of a recovery conversation. Its `startTime` is where
 * the budget counts from ({@link budgetStartOf}), not the stored start of the session:
 * `saveSession` stores the status, outcome and end; the resolution time counts from the
 * customer's first message ({@link resolutionSecondsOf}).
 */
export function sessionOf(
  conversation: ConversationRecord,
  now: Date,
  waitSeconds?: number,
): ChatSessionState {
  const recovery = conversation.recovery;
  return {
    status: recovery?.status ?? 'initiated',
    outcome: recovery?.outcome,
    startTime: budgetStartOf(conversation, now, waitSeconds),
    endTime: conversation.endedAt,
    resolutionTime: resolutionSecondsOf(conversation),
    paymentAttempted: recovery?.paymentAttempted ?? false,
  };
}

/** Stores a new session state on its conversation (an ended session closes the conversation). */
export async function saveSession(
  repositories: Pick<StorageV1Repositories, 'conversations'>,
  conversation: ConversationRecord,
  session: ChatSessionState,
  metadata?: JsonObject,
): Promise<ConversationRecord> {
  const ended = session.status === 'completed' || session.status === 'abandoned';
  return repositories.conversations.update({
    tenantId: conversation.tenantId,
    id: conversation.id,
    changes: {
      recovery: {
        status: session.status,
        outcome: session.outcome ?? null,
        paymentAttempted: session.paymentAttempted,
      },
      endedAt: session.endTime ?? null,
      ...(ended && conversation.status === 'active' ? { status: 'closed' as const } : {}),
      ...(metadata ? { metadata } : {}),
    },
  });
}

/** The facts the engine speaks from: the customer, their default card, the session snapshot. */
export function recoveryFactsOf(
  customer: CustomerRecord,
  paymentMethods: readonly PaymentMethodRecord[],
  state: StoredRecoveryState,
): RecoveryFacts {
  const card = paymentMethods.find((method) => method.isDefault) ?? paymentMethods[0];
  return {
    customerId: customer.id,
    customerName: customer.name,
    category: state.category,
    ...(card
      ? {
          card: {
            brand: card.cardType,
            lastFourDigits: card.lastFourDigits,
            expiryMonth: card.expiryMonth,
            expiryYear: card.expiryYear,
          },
        }
      : {}),
    ...(state.amountDue === undefined ? {} : { amount: state.amountDue }),
    currency: state.currency,
    ...(state.failedAt ? { failedAt: state.failedAt } : {}),
  };
}
