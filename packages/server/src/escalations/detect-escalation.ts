/** Why a conversation goes to a human (the Escalation's `reason` slug). */
export type EscalationReason =
  | 'low_confidence'
  | 'customer_request'
  | 'user_frustration'
  | 'repeated_rephrasing'
  | 'negative_feedback'
  | 'operator';

/** A rule that fired, with what made it fire (for the log and the notification). */
export interface EscalationTrigger {
  reason: EscalationReason;
  detail: string;
}

/** Phrases that ask for a person (English). */
const humanRequestPatterns: readonly RegExp[] = [
  /\b(?:talk|speak|chat|connect(?: me)?|put me through|transfer me)\s+(?:to|with)\s+(?:a\s+|an\s+|your\s+|the\s+|some\s+)?(?:real\s+|live\s+)?(?:human|person|agent|someone|somebody|representative|rep|operator|support(?: team)?|staff|people)\b/i,
  /\b(?:i\s+(?:want|need|would like)|give me|get me|can i (?:get|have))\s+(?:a\s+|an\s+|to\s+(?:talk|speak)\s+to\s+(?:a\s+)?)?(?:real\s+|live\s+)?(?:human|person|agent|representative|operator)\b/i,
  /\b(?:human|live agent|real person|agent|representative|operator)\s*(?:please|now)\b/i,
  /\b(?:human|live agent|real person)\s*!/i,
  /\bescalate\b/i,
  /^\s*(?:human|agent|operator|representative)\s*[.!?]*\s*$/i,
];

/** Words of an upset customer (English). */
const frustrationPattern =
  /\b(?:useless|ridiculous|frustrat\w*|annoy\w*|terrible|awful|worst|stupid|pathetic|unacceptable|not helpful|unhelpful|waste of (?:my )?time|fed up|angry|furious|sick of|this is a joke|doesn'?t help|does not help|not what i asked)\b|!{3,}/i;

const stopWords = new Set(
  "a an and are as at be but by can could do does for from how i i'm in is it its me my of on or please so that the this to was what when where which why will with would you your".split(
    ' ',
  ),
);

/** The content words of a question: lowercase, 2+ letters, stop words dropped. */
export function contentTokens(text: string): Set<string> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}']{2,}/gu) ?? [];
  return new Set(words.filter((word) => !stopWords.has(word)));
}

/** |A ∩ B| / |A ∪ B| of two token sets; 0 when both are empty. */
export function tokenOverlap(left: ReadonlySet<string>, right: ReadonlySet<string>): number {
  let shared = 0;
  for (const token of left) if (right.has(token)) shared += 1;
  const union = left.size + right.size - shared;
  return union === 0 ? 0 : shared / union;
}

/** Two questions are the same question rephrased at this token overlap or more. */
export const rephraseOverlap = 0.5;
/** Rephrasings in a row (three similar questions) before a person takes over. */
export const rephrasesBeforeEscalation = 2;
/** Thumbs-down votes in one conversation before a person takes over. */
export const thumbsDownBeforeEscalation = 2;

/**
 * Checks a customer's new question against the rules that do not need the answer
 * (docs/operations.md, "Escalation rules"), first match wins:
 *
 * 1. `customer_request`: the customer asks for a person ("talk to a human", "agent please").
 * 2. `user_frustration`: words of an upset customer ("useless", "waste of time", "!!!").
 * 3. `repeated_rephrasing`: the question and the {@link rephrasesBeforeEscalation}
 *    previous user questions are consecutively similar (token overlap ≥
 *    {@link rephraseOverlap}, each with at least 2 content words): the answers are not
 *    landing.
 *
 * `previousQuestions` are the conversation's earlier user messages, oldest first.
 */
export function detectEscalation(input: {
  question: string;
  previousQuestions: readonly string[];
}): EscalationTrigger | undefined {
  const { question } = input;
  if (humanRequestPatterns.some((pattern) => pattern.test(question))) {
    return { reason: 'customer_request', detail: 'The customer asked for a person.' };
  }
  const frustration = frustrationPattern.exec(question);
  if (frustration) {
    return { reason: 'user_frustration', detail: `The customer wrote "${frustration[0]}".` };
  }
  const chain = [...input.previousQuestions.slice(-rephrasesBeforeEscalation), question].map(
    contentTokens,
  );
  if (chain.length === rephrasesBeforeEscalation + 1 && chain.every((tokens) => tokens.size >= 2)) {
    let similar = true;
    for (let index = 1; index < chain.length; index += 1) {
      if (tokenOverlap(chain[index - 1]!, chain[index]!) < rephraseOverlap) similar = false;
    }
    if (similar) {
      return {
        reason: 'repeated_rephrasing',
        detail: `The customer asked the same question ${rephrasesBeforeEscalation + 1} times in a row.`,
      };
    }
  }
  return undefined;
}
