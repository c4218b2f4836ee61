/** What a customer's message is about: `billing` (their own card, invoice, charge) or `docs`. */
export type QuestionType = 'billing' | 'docs';

/** Decides a message's {@link QuestionType}; replaceable through the chat settings. */
export type QuestionClassifier = (text: string) => QuestionType;

const owner = "(my|mine|me|i|i'm|i've|we|our|us)";
const billingWord =
  '(card|cards|invoice|invoices|payment|payments|charge|charges|charged|bill|billed|billing|subscription|receipt|receipts|refund|refunded|balance|renewal|debit|debited|owe|owed|owing)';
// The customer's own billing: "my card ...", or the card named first and then had, used or
// owed by the customer ("which card do I have on file?", "what invoices have I paid?"), but
// not a question about what anyone can use ("which cards can I pay with?").
const ownBilling = new RegExp(
  `\\b${owner}\\b[^.?!]{0,60}?\\b${billingWord}\\b|\\b${billingWord}\\b[^.?!]{0,30}?\\b(?:do|did|have|has|had)\\s+(?:i|we)\\s+(?:have|had|got|use|used|pay|paid|owe|saved|on file)\\b`,
  'i',
);
// "Can you show me my invoices?" asks for the customer's own data, not how something works.
const howTo =
  /^\s*(how|where|(?:can|could)(?! you (?:show|tell|check|list|give|send|look)\b)|does|do you|is it possible|what happens|what is the|what are the)\b/i;
// "Which currencies can I be billed in?", "what cards can we use?": what is possible is a
// how-to question too ("my payment failed, can I update my card?" is not one).
const capability = /^\s*(?:which|what)\b[^.?!]*\bcan (?:i|we)\b/i;

/**
 * The built-in classifier, a heuristic: a message is `billing` when it speaks of the
 * customer's own card, invoice, charge or subscription ("why was my card declined?",
 * "update my card", "what is my balance?"), unless it reads as a how-to question ("how do
 * I change my card?"), which the docs answer. Everything else is `docs`.
 */
export const classifyQuestion: QuestionClassifier = (text) => {
  if (!ownBilling.test(text)) return 'docs';
  return howTo.test(text) || capability.test(text) ? 'docs' : 'billing';
};

/**
 * What an anonymous visitor is told when asking about their own billing: the answer needs a
 * verified identity (the tenant's site signs the customer in, the widget sends the token).
 */
export const signInRequiredAnswer =
  "I can look at your own card, invoices and payments once you're signed in: sign in to your account, then open this chat again. In the meantime I'm happy to answer general questions about billing from our docs.";

/** Decides whether a `billing` question asks to look something up on the customer's account. */
export type AccountQuestionClassifier = (text: string) => boolean;

const lookup =
  /^\s*(what|what's|whats|which|when|is|are|am|do|does|did|have|has|how much|show|tell|check|list|send|(?:can|could) you (?:show|tell|check|list|give|send|look))\b/i;
const request =
  /\b(why|refund|refunded|cancel|cancell?ed|dispute|twice|double|wrong|change|update|replace|remove|delete|add|upgrade|downgrade|pause|stop|help)\b/i;

/**
 * The built-in account-question heuristic, applied to `billing` questions of verified
 * customers who are not at risk: a question that asks to look something up ("which card do I
 * have on file?", "when was my last payment?", "is my subscription paid up?", "what is my
 * balance?") is answered from the customer's records. A request or a complaint ("why was I
 * charged twice?", "cancel my subscription", "update my card") is not: the docs answer it,
 * with the usual escalation to a person.
 */
export const isAccountQuestion: AccountQuestionClassifier = (text) =>
  lookup.test(text) && !request.test(text);
