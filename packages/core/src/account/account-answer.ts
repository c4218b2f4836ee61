import type { AccountStatus, PaymentMethodStatus } from '../entities/enums.js';
import { invoicePageUrl } from '../payment-provider/v1/invoice-page-url.js';
import type { InvoiceSummary } from '../payment-provider/v1/payment-provider-v1.js';
import { describeCard, formatRecoveryAmount } from '../recovery/recovery-engine.js';

/**
 * What the tenant's records say about a verified customer's account: the Customer record and
 * the card invoices are charged to. Never a card number; nothing a model made up.
 */
export interface AccountFacts {
  /** The customer's name as stored; the first word is used. */
  customerName: string;
  accountStatus: AccountStatus;
  /** Monthly subscription value, major units (49.5 = $49.50). */
  accountValue: number;
  /** ISO 4217, lowercase. */
  currency: string;
  /** Last successful payment, when there was one. */
  lastPaymentDate?: Date | undefined;
  /** The card invoices are charged to (the default card), when there is one. */
  card?:
    | {
        /** Like `visa`; shown capitalised. */
        brand: string;
        lastFourDigits: string;
        expiryMonth: number;
        expiryYear: number;
        status: PaymentMethodStatus;
      }
    | undefined;
  /**
   * The customer's latest invoices from the payment provider, newest first (at most
   * {@link invoicesShown} are listed); `'unavailable'` when the provider could not be reached.
   * Left out when the question was not about invoices.
   */
  invoices?: readonly InvoiceSummary[] | 'unavailable' | undefined;
  /** BCP 47 locale of amounts and dates. Default `en-US`. */
  locale?: string | undefined;
  /** Today, for "expires soon". Default now. */
  now?: Date | undefined;
}

/** Invoices listed in an answer, the newest. */
export const invoicesShown = 3;

/** A card expiring within this many months (this month included) is called out. */
const expiringSoonMonths = 2;

/** Months from `now`'s month to the card's expiry month: 0 this month, negative when past. */
function monthsToExpiry(card: NonNullable<AccountFacts['card']>, now: Date): number {
  return (card.expiryYear - now.getUTCFullYear()) * 12 + card.expiryMonth - (now.getUTCMonth() + 1);
}

function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] || 'there';
}

function sentenceAboutCard(facts: AccountFacts, now: Date): string {
  const { card } = facts;
  if (!card) {
    return "There's no card on file for your invoices yet.";
  }
  const expiry = `${String(card.expiryMonth).padStart(2, '0')}/${card.expiryYear}`;
  const described = describeCard(card);
  const months = monthsToExpiry(card, now);
  if (months < 0 || card.status === 'expired') {
    return `Your invoices are charged to ${described}, which expired ${expiry}: add a new card so your next payment goes through.`;
  }
  if (card.status !== 'active') {
    return `Your invoices are charged to ${described}, which was declined: add a new card so your next payment goes through.`;
  }
  if (months < expiringSoonMonths) {
    return `Your invoices are charged to ${described}, which expires soon (${expiry}): update it before then so your next payment goes through.`;
  }
  return `Your invoices are charged to ${described}, which expires ${expiry}.`;
}

/**
 * The answer to a verified customer's question about their own account ("which card do I
 * have on file?", "when was my last payment?", "am I up to date?"), composed from their
 * records alone: the account's standing, the monthly amount and last payment, and the card
 * invoices are charged to (brand, last four, expiry, and a warning when it expires within
 * two months or no longer works). The same facts the console shows, in plain words; no model
 * writes them, so none can be invented, and no card detail is ever sent to a model.
 *
 * @example
 * composeAccountAnswer({ customerName: 'Ada Lovelace', accountStatus: 'active', accountValue: 49,
 *   currency: 'usd', card: { brand: 'visa', lastFourDigits: '4242', expiryMonth: 8,
 *   expiryYear: 2028, status: 'active' } });
 * // "Here's what I can see on your account, Ada: it's in good standing, nothing is overdue.
 * //  Your plan is $49.00 a month. Your invoices are charged to your Visa ending 4242, which
 * //  expires 08/2028."
 */
export function composeAccountAnswer(facts: AccountFacts): string {
  const locale = facts.locale ?? 'en-US';
  const now = facts.now ?? new Date();
  const standing =
    facts.accountStatus === 'churned'
      ? 'your subscription has ended, so nothing more will be charged'
      : facts.accountStatus === 'at-risk'
        ? 'a payment needs your attention'
        : "it's in good standing, nothing is overdue";
  const sentences = [
    `Here's what I can see on your account, ${escapeMarkdown(firstName(facts.customerName))}: ${standing}.`,
  ];
  if (facts.accountStatus !== 'churned') {
    const amount = formatRecoveryAmount(facts.accountValue, facts.currency, locale);
    const lastPayment = facts.lastPaymentDate
      ? `, and your last payment went through on ${formatDate(facts.lastPaymentDate, locale)}`
      : '';
    sentences.push(`Your plan is ${amount} a month${lastPayment}.`);
    sentences.push(sentenceAboutCard(facts, now));
  }
  const invoices = facts.invoices === undefined ? '' : invoicesParagraph(facts.invoices, locale);
  return invoices ? `${sentences.join(' ')}\n\n${invoices}` : sentences.join(' ');
}

function formatDate(date: Date, locale: string): string {
  return new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(date);
}

/** Markdown-inert text: the invoice number is the provider's, shown as a link's label. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]()<>#!|~]/g, (character) => `\\${character}`);
}

/** "- [ACME-0003](https://…), November 3, 2026: $49.00, paid" for each of the newest invoices. */
function invoicesParagraph(
  invoices: readonly InvoiceSummary[] | 'unavailable',
  locale: string,
): string {
  if (invoices === 'unavailable') {
    return "I couldn't reach the billing system for your invoices just now: please ask again in a minute.";
  }
  if (invoices.length === 0) return 'There are no invoices on your account yet.';
  const lines = invoices.slice(0, invoicesShown).map((invoice) => {
    const label = invoice.number ? escapeMarkdown(invoice.number) : 'Invoice';
    // Only the provider's own https page is linked.
    const page = invoicePageUrl(invoice.hostedInvoiceUrl);
    const name = page ? `[${label}](${page})` : label;
    const amount = formatRecoveryAmount(invoice.total, invoice.currency, locale);
    return `- ${name}, ${formatDate(invoice.createdAt, locale)}: ${amount}, ${invoiceState(invoice, locale)}`;
  });
  return [`Your latest invoices:`, ...lines].join('\n');
}

function invoiceState(invoice: InvoiceSummary, locale: string): string {
  switch (invoice.status) {
    case 'paid':
      return invoice.paidAt ? `paid on ${formatDate(invoice.paidAt, locale)}` : 'paid';
    case 'open': {
      const due = formatRecoveryAmount(invoice.amountDue, invoice.currency, locale);
      return invoice.dueDate
        ? `${due} due by ${formatDate(invoice.dueDate, locale)}`
        : `${due} still due`;
    }
    case 'void':
      return 'cancelled (void)';
    case 'uncollectible':
      return 'not collected';
  }
}
