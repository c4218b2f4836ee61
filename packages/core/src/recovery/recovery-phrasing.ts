/**
 * The offline voice of the recovery conversation: for each step a set of phrasings, one picked
 * per customer (deterministically, from the customer id) and never the one picked last for that
 * step (a {@link RecoveryPhraseMemory} shared across customers), so two customers in a row never
 * read the same canned line.
 */

/** The steps the engine speaks at, each with its own set of phrasings. */
export const recoveryPhraseSteps = [
  'greeting',
  'issue-failed-payment',
  'issue-expiring-card',
  'offer',
  'payment-requested',
  'payment-declined',
  'payment-requires-action',
  'payment-succeeded',
  'customer-declined',
  'escalated',
  'nudge',
  'docs-follow-up',
  'technical-failure',
] as const;

/** One step of {@link recoveryPhraseSteps}. */
export type RecoveryPhraseStep = (typeof recoveryPhraseSteps)[number];

/**
 * The phrasings. Placeholders in braces are filled by {@link renderRecoveryPhrase}: `{name}`,
 * `{card}` ("your Visa ending 4242"), `{amount}` ("$49.00"), `{date}` ("3 November"),
 * `{expiry}` ("11/2026"), `{reason}` (a decline in plain words).
 */
export const recoveryPhrases: Readonly<Record<RecoveryPhraseStep, readonly string[]>> = {
  greeting: ['Hi {name},', 'Hello {name},', 'Hi there, {name}.', 'Good to see you, {name}.'],
  'issue-failed-payment': [
    'your last payment of {amount} on {date} did not go through on {card}.',
    'the {amount} charge on {date} to {card} was declined.',
    'we could not collect {amount} on {date}: {card} was refused.',
    'the payment of {amount} we tried on {date} with {card} failed.',
  ],
  'issue-expiring-card': [
    '{card} expires at the end of {expiry}, so your next payment may not go through.',
    'heads up: {card} runs out after {expiry}.',
    'we noticed {card} expires in {expiry}; after that your subscription cannot be charged.',
    '{card} is about to expire ({expiry}), and your next invoice would fail with it.',
  ],
  offer: [
    'Would you like to fix it now? It takes about a minute.',
    'Shall we update your card right here? It only takes a moment.',
    'I can help you add a new card now, without leaving this chat. Want to?',
    'Want to sort it out now? You can add a card right in this chat.',
  ],
  'payment-requested': [
    'Great. Enter your new card below; it is saved securely with our payment provider.',
    'Thanks! Add the card in the form below and I will take care of the rest.',
    'Perfect. Fill in the card details below, and I will retry the payment straight away.',
    'Here is a secure card form. Once the card is saved, I will settle the open invoice.',
  ],
  'payment-declined': [
    'That card did not work: {reason} You can try another card below.',
    'Sorry, the payment was refused. {reason} Another card should do it.',
    'The bank said no to that one. {reason} Please try a different card.',
    'No luck with that card. {reason} The form is still there for another one.',
  ],
  'payment-requires-action': [
    'Your bank wants to confirm this card first. {reason}',
    'One more step: {reason}',
    'The bank asked for an extra check. {reason}',
  ],
  'payment-succeeded': [
    'All set, {name}! Your new card is saved and {amount} is paid.',
    'Done: the card is on file and the open invoice of {amount} is paid. Thank you, {name}!',
    'Thanks, {name}. Your card is updated and the {amount} payment went through.',
    'Perfect, the payment of {amount} succeeded and your account is in good standing.',
  ],
  'customer-declined': [
    'No problem, {name}. You can update your card any time from your account page.',
    'Understood. If you change your mind, just open this chat again.',
    'Okay, I will leave it there. Your card can be updated whenever it suits you.',
    'That is fine. Reach out whenever you are ready to update your card.',
  ],
  escalated: [
    'I am passing this conversation to a person on our team; they will get back to you shortly.',
    'Let me bring in someone from the team. They will reply here as soon as they can.',
    'A member of our support team will take it from here.',
  ],
  nudge: [
    'Whenever you are ready, say "yes" and I will open a secure card form.',
    'I can open the card form for you now, or answer any question first.',
    'Would you like to update the card now? Just say the word.',
    'Happy to help: reply "update" to add a new card, or ask me anything.',
  ],
  'docs-follow-up': [
    'Shall we update the card now?',
    'Ready to add the new card?',
    'Anything else, or shall we fix the payment?',
    'When you are ready, I can open the card form.',
  ],
  'technical-failure': [
    'Sorry, something went wrong on our side and the payment could not be completed. Nothing was charged twice; please try again later.',
    'Apologies, our payment system did not answer in time. Your card was not charged twice; please try again in a few minutes.',
    'Something failed while processing the payment. We have recorded it and will follow up; you can also try again later.',
  ],
};

/**
 * What the engine remembers across customers: the phrasing used last at each step, so the next
 * customer never gets the same line. Keep one per tenant (in process).
 */
export interface RecoveryPhraseMemory {
  /** The index used last for each step. */
  readonly lastUsed: Map<RecoveryPhraseStep, number>;
}

/** A new, empty {@link RecoveryPhraseMemory}. */
export function createRecoveryPhraseMemory(): RecoveryPhraseMemory {
  return { lastUsed: new Map() };
}

/** FNV-1a, 32 bits: a stable, well-spread number from a string. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * Picks the phrasing of `step` for a customer: the same customer gets the same one (a stable
 * hash of the customer id and `salt`, like the turn number), unless it is the phrasing used last
 * for this step, in which case the next one is taken. Records the pick in `memory`.
 */
export function pickRecoveryPhrase(options: {
  step: RecoveryPhraseStep;
  customerKey: string;
  memory: RecoveryPhraseMemory;
  /** Varies the pick within one conversation (a turn count). Default `''`. */
  salt?: string;
}): string {
  const phrases = recoveryPhrases[options.step];
  let index = hashOf(`${options.customerKey}\u0000${options.step}\u0000${options.salt ?? ''}`);
  index %= phrases.length;
  if (phrases.length > 1 && options.memory.lastUsed.get(options.step) === index) {
    index = (index + 1) % phrases.length;
  }
  options.memory.lastUsed.set(options.step, index);
  return phrases[index] as string;
}

/** Fills the `{placeholders}` of a phrasing; unknown ones are left out. */
export function renderRecoveryPhrase(
  template: string,
  values: Readonly<Record<string, string | undefined>>,
): string {
  return template
    .replace(/\{([a-z]+)\}/g, (_match, key: string) => values[key] ?? '')
    .replace(/\s+/g, ' ')
    .trim();
}
