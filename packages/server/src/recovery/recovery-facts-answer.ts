import { type RecoveryFacts, type RecoveryPhraseMemory, sayRecoveryStep } from '@churn/core';
import type { StoredRecoveryState } from './recovery-records.js';

/**
 * Questions about this session's own facts: what happened, why the payment failed, which
 * card, how much, when. The help centre cannot answer them (it does not know this customer),
 * the session can. "How do I update my card?" is not one of them: that goes to the docs.
 */
const factsQuestionPattern = new RegExp(
  [
    String.raw`\bwhat(?:'s| is| was)? (?:happened|happening|going on|wrong|the (?:problem|issue|matter))\b`,
    String.raw`\bwhy (?:did|was|were|is|has|does|do|didn'?t|wasn'?t|isn'?t)\b.*\b(?:fail|failed|declin|refus|reject|charge|payment|card|work)`,
    String.raw`\bwhich (?:card|payment|invoice|charge)\b`,
    String.raw`\bhow much\b`,
    String.raw`\bwhat (?:do|did) i owe\b`,
    String.raw`\b(?:what|which) (?:amount|card)\b`,
    String.raw`\bwhen (?:did|was|is|does)\b.*\b(?:fail|payment|charge|card|expire|due)`,
  ].join('|'),
  'i',
);

/** True when the question asks about this session's facts rather than the product. */
export function isSessionFactsQuestion(text: string): boolean {
  return factsQuestionPattern.test(text);
}

/**
 * Answers a question about what happened from the session's facts, never from the docs: the
 * card (brand and last four), the amount and the date of the failed payment (or the card's
 * expiry), and the last decline in plain words when there was one. The phrasing varies like
 * the rest of the offline voice.
 */
export function answerFromSessionFacts(
  facts: RecoveryFacts,
  state: Pick<StoredRecoveryState, 'lastDecline' | 'turns'>,
  memory: RecoveryPhraseMemory,
): string {
  const issue = sayRecoveryStep(
    facts.category === 'failed-payment' ? 'issue-failed-payment' : 'issue-expiring-card',
    facts,
    memory,
    { salt: `facts:${state.turns}` },
  );
  const decline = state.lastDecline ? ` The last card you tried: ${state.lastDecline}` : '';
  return `${issue}${decline}`;
}
