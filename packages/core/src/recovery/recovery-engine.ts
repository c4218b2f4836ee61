import type { RiskCategory } from '../entities/enums.js';
import {
  pickRecoveryPhrase,
  type RecoveryPhraseMemory,
  type RecoveryPhraseStep,
  renderRecoveryPhrase,
} from './recovery-phrasing.js';

/** What the engine knows about the customer and the payment problem: never a card number. */
export interface RecoveryFacts {
  /** A stable key of the customer (their id): picks their phrasings. */
  customerId: string;
  /** The customer's name as stored; the first word is used in greetings. */
  customerName: string;
  category: RiskCategory;
  /** The card on file, as the tenant's records know it. */
  card?: {
    /** Like `visa`; shown capitalised. */
    brand: string;
    lastFourDigits: string;
    expiryMonth: number;
    expiryYear: number;
  };
  /** What is owed (major units), for a failed payment. */
  amount?: number;
  /** ISO 4217, lowercase. Default `usd`. */
  currency?: string;
  /** When the payment failed. */
  failedAt?: Date;
  /** BCP 47 locale of amounts and dates. Default `en-US`. */
  locale?: string;
}

const brandNames: Readonly<Record<string, string>> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
};

/** "your Visa ending 4242", or "your card" when the card is unknown. */
export function describeCard(card: RecoveryFacts['card']): string {
  if (!card) return 'your card';
  const brand = brandNames[card.brand.toLowerCase()] ?? (card.brand || 'card');
  return `your ${brand} ending ${card.lastFourDigits}`;
}

/** "$49.00" in the facts' locale and currency. */
export function formatRecoveryAmount(amount: number, currency = 'usd', locale = 'en-US'): string {
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: currency.toUpperCase(),
    }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency.toUpperCase()}`;
  }
}

function firstName(name: string): string {
  const first = name.trim().split(/\s+/)[0];
  return first && first.length > 0 ? first : 'there';
}

/** The values the phrasings' placeholders take for these facts. */
export function recoveryPhraseValues(
  facts: RecoveryFacts,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const locale = facts.locale ?? 'en-US';
  const date = facts.failedAt
    ? new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', timeZone: 'UTC' }).format(
        facts.failedAt,
      )
    : 'your last billing date';
  return {
    name: firstName(facts.customerName),
    card: describeCard(facts.card),
    amount:
      facts.amount === undefined
        ? 'your last invoice'
        : formatRecoveryAmount(facts.amount, facts.currency, locale),
    date,
    expiry: facts.card
      ? `${String(facts.card.expiryMonth).padStart(2, '0')}/${facts.card.expiryYear}`
      : 'soon',
    ...extra,
  };
}

/** Says one step for this customer, picked from its phrasings (see {@link pickRecoveryPhrase}). */
export function sayRecoveryStep(
  step: RecoveryPhraseStep,
  facts: RecoveryFacts,
  memory: RecoveryPhraseMemory,
  options: { salt?: string; values?: Readonly<Record<string, string>> } = {},
): string {
  const template = pickRecoveryPhrase({
    step,
    customerKey: facts.customerId,
    memory,
    ...(options.salt === undefined ? {} : { salt: options.salt }),
  });
  const rendered = renderRecoveryPhrase(template, recoveryPhraseValues(facts, options.values));
  return rendered.charAt(0).toUpperCase() + rendered.slice(1);
}

/**
 * The opening message: greets the customer by name, says what happened in plain words (card
 * brand and last four, amount and date, or the expiry) and offers to fix it now.
 */
export function composeRecoveryGreeting(
  facts: RecoveryFacts,
  memory: RecoveryPhraseMemory,
): string {
  const greeting = sayRecoveryStep('greeting', facts, memory);
  const issue = sayRecoveryStep(
    facts.category === 'failed-payment' ? 'issue-failed-payment' : 'issue-expiring-card',
    facts,
    memory,
  );
  const offer = sayRecoveryStep('offer', facts, memory);
  const joined = greeting.endsWith(',')
    ? `${greeting} ${issue.charAt(0).toLowerCase()}${issue.slice(1)}`
    : `${greeting} ${issue}`;
  return `${joined} ${offer}`;
}

/** What the customer's message asks for, as the offline engine reads it. */
export type RecoveryIntent = 'accept' | 'decline' | 'escalate' | 'question' | 'other';

const declinePattern =
  /\b(not now|no thanks|no thank you|maybe later|later|not interested|don'?t want|do not want|leave me|stop|cancel|nope)\b|^\s*no\b/i;
const escalatePattern =
  /\b(human|real person|a person|someone|somebody|agent|representative|support team|talk to|speak to)\b/i;
const acceptPattern =
  /\b(yes|yeah|yep|sure|ok|okay|please do|go ahead|let'?s|update|fix|new card|add (a )?card|change (my )?card|do it|ready)\b/i;
const questionPattern =
  /\?\s*$|^\s*(how|what|why|when|where|which|who|can|could|does|do|is|are|will|would)\b/i;

/**
 * Reads the customer's message: a clear "not now" wins, then a request for a person, then a
 * question (answered from the docs), then agreement; anything else gets a gentle nudge.
 */
export function classifyRecoveryMessage(text: string): RecoveryIntent {
  if (declinePattern.test(text)) return 'decline';
  if (escalatePattern.test(text)) return 'escalate';
  const question = questionPattern.test(text);
  const accept = acceptPattern.test(text);
  if (question && !/^\s*(can|could) (i|we|you) (update|fix|change|add)/i.test(text)) {
    return 'question';
  }
  if (accept) return 'accept';
  return question ? 'question' : 'other';
}

/** What the engine decided for one customer message. */
export type RecoveryPlan =
  | { action: 'request-payment'; text: string }
  | { action: 'answer-from-docs'; question: string; followUp: string }
  | { action: 'customer-declined'; text: string }
  | { action: 'escalate'; reason: string; text: string }
  | { action: 'reply'; text: string };

/** What {@link planRecoveryTurn} reads. */
export interface RecoveryTurnInput {
  facts: RecoveryFacts;
  /** The customer's message. */
  message: string;
  /** Turns so far in this conversation: varies the phrasing within it. */
  turn: number;
  memory: RecoveryPhraseMemory;
}

/** The offline plan of one turn, from {@link classifyRecoveryMessage}. Pure but for `memory`. */
export function planRecoveryTurn(input: RecoveryTurnInput): RecoveryPlan {
  const salt = String(input.turn);
  const say = (step: RecoveryPhraseStep) =>
    sayRecoveryStep(step, input.facts, input.memory, { salt });
  switch (classifyRecoveryMessage(input.message)) {
    case 'accept':
      return { action: 'request-payment', text: say('payment-requested') };
    case 'decline':
      return { action: 'customer-declined', text: say('customer-declined') };
    case 'escalate':
      return { action: 'escalate', reason: 'customer_request', text: say('escalated') };
    case 'question':
      return {
        action: 'answer-from-docs',
        question: input.message,
        followUp: say('docs-follow-up'),
      };
    case 'other':
      return { action: 'reply', text: say('nudge') };
  }
}
