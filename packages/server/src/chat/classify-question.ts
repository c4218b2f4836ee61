/** What a customer's message is about: `billing` (their own card, invoice, charge) or `docs`. */
export type QuestionType = 'billing' | 'docs';

/** Decides a message's {@link QuestionType}; replaceable through the chat settings. */
export type QuestionClassifier = (text: string) => QuestionType;

const ownBilling =
  /\b(my|mine|me|i|i'm|i've|we|our|us)\b[^.?!]{0,60}?\b(card|cards|invoice|invoices|payment|payments|charge|charges|charged|bill|billed|billing|subscription|receipt|receipts|refund|refunded|balance|renewal|debit|debited)\b/i;
const howTo =
  /^\s*(how|where|can|could|does|do you|is it possible|what happens|what is the|what are the)\b/i;

/**
 * The built-in classifier, a heuristic: a message is `billing` when it speaks of the
 * customer's own card, invoice, charge or subscription ("why was my card declined?",
 * "update my card", "what is my balance?"), unless it reads as a how-to question ("how do
 * I change my card?"), which the docs answer. Everything else is `docs`.
 */
export const classifyQuestion: QuestionClassifier = (text) => {
  if (!ownBilling.test(text)) return 'docs';
  return howTo.test(text) ? 'docs' : 'billing';
};

/**
 * What an anonymous visitor is told when asking about their own billing: the answer needs a
 * verified identity (the tenant's site signs the customer in, the widget sends the token).
 */
export const signInRequiredAnswer =
  "I can look at your own card, invoices and payments once you're signed in: sign in to your account, then open this chat again. In the meantime I'm happy to answer general questions about billing from our docs.";
