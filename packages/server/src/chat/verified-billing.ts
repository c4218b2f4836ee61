import {
  type AccountFacts,
  type CustomerRecord,
  composeAccountAnswer,
  type InvoiceSummary,
  invoicePageUrl,
  invoicesShown,
  type StorageV1,
} from '@churn/core';
import type { ChurnLogger } from '../http/error-to-response.js';
import { findVerifiedCustomer } from '../identity/verified-customer.js';
import { listProviderInvoices } from '../recovery/provider-invoices.js';
import type { RecoveryService } from '../recovery/recovery-service.js';
import { handOffToRecovery } from '../recovery/support-handoff.js';
import type { AccountQuestionClassifier } from './classify-question.js';
import type { AccountData } from './ui-message-chunk.js';

/** What a verified customer's billing question gets instead of a docs answer, if anything. */
export type VerifiedBillingAnswer =
  /** At risk: their recovery conversation, started now or the one already open. */
  | { kind: 'recovery'; conversationId: string }
  /** An account question: the answer composed from their records, and those records. */
  | { kind: 'account'; text: string; data: AccountData };

/**
 * A billing question of a verified customer, looked up once as their Customer record (by
 * Churn's id, the tenant's own id or the Stripe customer id, in this tenant only):
 *
 * 1. at risk, with payment recovery configured: their recovery session (`trigger: 'customer'`);
 * 2. else, when the question asks to look something up on their account
 *    (`isAccountQuestion`): an answer from their records ({@link composeAccountAnswer});
 * 3. else undefined: the docs answer, as for anyone (also when Churn has no record of them).
 *
 * A failure to start the recovery session is logged and falls through to 2 and 3, as without
 * payment recovery.
 */
export async function answerVerifiedBilling(
  services: {
    storage: StorageV1;
    recovery?: RecoveryService | undefined;
    isAccountQuestion: AccountQuestionClassifier;
    logger: ChurnLogger;
  },
  input: { tenantId: string; conversationId: string; customerId: string; question: string },
): Promise<VerifiedBillingAnswer | undefined> {
  const { storage, recovery } = services;
  const customer = await findVerifiedCustomer(storage, input.tenantId, input.customerId);
  if (!customer) return undefined;
  if (recovery && customer.accountStatus === 'at-risk') {
    try {
      const conversation = await handOffToRecovery(storage, recovery, {
        tenantId: input.tenantId,
        customer,
      });
      return { kind: 'recovery', conversationId: conversation.id };
    } catch (error) {
      services.logger.warn('Could not open a recovery session for a billing question.', {
        error,
        tenantId: input.tenantId,
        conversationId: input.conversationId,
      });
    }
  }
  if (!services.isAccountQuestion(input.question)) return undefined;
  const data = await accountData(storage, customer);
  const invoices = asksAboutInvoices.test(input.question)
    ? await latestInvoices(services, input, customer)
    : undefined;
  if (invoices !== undefined) {
    data.invoices = invoices === 'unavailable' ? 'unavailable' : invoices.map(toInvoiceView);
  }
  const facts = { ...toFacts(customer, data), invoices };
  return { kind: 'account', text: composeAccountAnswer(facts), data };
}

/**
 * Questions whose answer needs the invoices themselves ("show me my invoices", "what is my
 * balance?", "do I owe anything?"): the payment provider is asked for the newest ones.
 */
const asksAboutInvoices =
  /\b(invoices?|receipts?|bills?|statements?|balance|owe|owed|owing|due|paid|charges|history)\b/i;

/**
 * The customer's newest invoices from the tenant's payment provider (Stripe, or the sandbox),
 * within 4 s, or `'unavailable'` when it cannot answer: no provider that lists invoices, a
 * customer not linked to it, a failed or slow call (logged). Never throws: the rest of the
 * answer stands.
 */
async function latestInvoices(
  services: { storage: StorageV1; recovery?: RecoveryService | undefined; logger: ChurnLogger },
  input: { tenantId: string; conversationId: string },
  customer: CustomerRecord,
): Promise<InvoiceSummary[] | 'unavailable'> {
  if (!services.recovery) return 'unavailable';
  const result = await listProviderInvoices(services.recovery, services.storage, customer, {
    limit: invoicesShown,
  });
  if (result.ok) return result.invoices;
  services.logger.warn("Could not list a customer's invoices for an account answer.", {
    failure: result.failure,
    error: result.error,
    tenantId: input.tenantId,
    conversationId: input.conversationId,
  });
  return 'unavailable';
}

function toInvoiceView(invoice: InvoiceSummary): NonNullable<AccountInvoiceView> {
  // Only a plain https page, as in the text: a client may render this part as it likes.
  const page = invoicePageUrl(invoice.hostedInvoiceUrl);
  return {
    ...(invoice.number === undefined ? {} : { number: invoice.number }),
    status: invoice.status,
    total: invoice.total,
    amountDue: invoice.amountDue,
    currency: invoice.currency,
    createdAt: invoice.createdAt.toISOString(),
    ...(invoice.dueDate === undefined ? {} : { dueDate: invoice.dueDate.toISOString() }),
    ...(invoice.paidAt === undefined ? {} : { paidAt: invoice.paidAt.toISOString() }),
    ...(page === undefined ? {} : { hostedInvoiceUrl: page }),
  };
}

type AccountInvoiceView = Exclude<AccountData['invoices'], 'unavailable' | undefined>[number];

/** The customer's account as the stream's `data-account` part shows it. */
async function accountData(storage: StorageV1, customer: CustomerRecord): Promise<AccountData> {
  const cards = await storage.paymentMethods.listByCustomer({
    tenantId: customer.tenantId,
    customerId: customer.id,
  });
  // The default card first, then newest first: the default, else the newest card.
  const card = cards[0];
  return {
    accountStatus: customer.accountStatus,
    accountValue: customer.accountValue,
    currency: customer.currency,
    ...(customer.lastPaymentDate === undefined
      ? {}
      : { lastPaymentDate: customer.lastPaymentDate.toISOString() }),
    ...(card === undefined
      ? {}
      : {
          card: {
            brand: card.cardType,
            lastFourDigits: card.lastFourDigits,
            expiryMonth: card.expiryMonth,
            expiryYear: card.expiryYear,
            status: card.status,
          },
        }),
  };
}

function toFacts(customer: CustomerRecord, data: AccountData): AccountFacts {
  return {
    customerName: customer.name,
    accountStatus: data.accountStatus,
    accountValue: data.accountValue,
    currency: data.currency,
    lastPaymentDate: customer.lastPaymentDate,
    card: data.card,
  };
}
