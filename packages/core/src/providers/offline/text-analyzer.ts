/**
 * The one text normaliser of offline retrieval: the offline embedder, the BM25
 * index and the offline re-ranker all see text through it, so a word matches the
 * same way in each of them.
 *
 * Steps: Unicode NFKD, accents removed, lower case; words are runs of letters and
 * digits (an apostrophe inside a word is dropped: "don't" -> "dont"); English
 * stop words removed; a light suffix stemmer ("retries", "retried", "retry" ->
 * "retri"; "updating", "updated", "update" -> "updat"). It is deliberately
 * conservative: stemming errors cost less than missed matches at support-docs scale.
 */

const stopWords = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being ' +
    'below between both but by can could did do does doing down during each few for from further ' +
    'had has have having he her here hers herself him himself his how i if in into is it its itself ' +
    'just me more most my myself no nor not now of off on once only or other our ours ourselves out ' +
    'over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which ' +
    'while who whom why will with would you your yours yourself yourselves s t don dont cant ' +
    'im ive id ill youre get got please also via us let lets may might must shall'
  ).split(' '),
);

const vowels = /[aeiouy]/;

/** Porter's measure: how many vowel-consonant sequences `word` has ("cancel" 2, "still" 1). */
function measure(word: string): number {
  return (word.match(/[aeiouy]+[^aeiouy]+/g) ?? []).length;
}

/**
 * Stems one lower-case word with a few suffix rules (plural, -ing, -ed, -ly,
 * -ment, -ation), then folds a final "e", "y", a doubled consonant and a final
 * "ll" of a longer word, so that inflections of one word meet.
 */
export function stemWord(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let stem = word;
  const strip = (suffix: string, replacement = '', minimum = 3): boolean => {
    if (!stem.endsWith(suffix)) return false;
    const base = stem.slice(0, stem.length - suffix.length);
    if (base.length < minimum || !vowels.test(base)) return false;
    stem = base + replacement;
    return true;
  };
  if (!strip('sses', 'ss') && !strip('ies', 'y', 2) && !strip('ied', 'y', 2)) {
    if (stem.endsWith('s') && !/(ss|us|is)$/.test(stem)) strip('s');
  }
  strip('ational', 'ate') ||
    strip('ation', 'ate') ||
    strip('ments') ||
    strip('ment') ||
    strip('ingly') ||
    strip('ing') ||
    strip('edly') ||
    strip('ed') ||
    strip('ly');
  if (stem.length > 3 && stem.endsWith('e')) stem = stem.slice(0, -1);
  if (stem.length > 3 && stem.endsWith('y')) stem = `${stem.slice(0, -1)}i`;
  if (stem.length > 3 && /([^aeiouls])\1$/.test(stem)) stem = stem.slice(0, -1);
  // Porter's step 5b: a final "ll" after two syllables loses one "l", so British
  // "cancelled", "cancelling" meet "cancel" (and "installing" meets "install").
  if (stem.endsWith('ll') && measure(stem.slice(0, -1)) > 1) stem = stem.slice(0, -1);
  return stem;
}

/** Lower case, accents removed, compatibility forms folded. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/**
 * Words of `text` after normalisation, stop words included, in order. A single
 * letter hyphenated to a word is joined to it ("e-mail" -> "email", "e-book",
 * "x-ray"), as English writes these compounds solid as often as hyphenated; a
 * lone letter is not a word to match on.
 */
export function splitWords(text: string): string[] {
  return (
    normalizeText(text)
      .replace(/['’]/g, '')
      .replace(/(^|[^\p{L}\p{N}])(\p{L})[-‐‑](?=\p{L})/gu, '$1$2')
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** One analysed word: the word as written (normalised) and its stem. */
export interface AnalyzedTerm {
  word: string;
  stem: string;
  /** Position among the words of the text, stop words counted. */
  position: number;
}

/** Analyses `text`: words without stop words, each with its stem and position. */
export function analyzeText(text: string): AnalyzedTerm[] {
  const terms: AnalyzedTerm[] = [];
  splitWords(text).forEach((word, position) => {
    if (stopWords.has(word)) return;
    terms.push({ word, stem: stemWord(word), position });
  });
  return terms;
}

/** The stems of `text` in order: what the BM25 index counts. */
export function tokenize(text: string): string[] {
  return analyzeText(text).map((term) => term.stem);
}

/**
 * Groups of words that mean the same in support and billing docs. Each group maps
 * to one concept, so "change my card" meets "update the payment method" offline.
 * Extend it through the `synonyms` setting of the embedder and the re-ranker.
 */
export const defaultSynonyms: readonly (readonly string[])[] = [
  ['update', 'change', 'replace', 'modify', 'edit', 'switch', 'swap'],
  ['card', 'credit', 'debit', 'visa', 'mastercard', 'amex'],
  ['cancel', 'terminate', 'unsubscribe', 'stop', 'quit', 'end'],
  ['subscription', 'plan', 'membership', 'tier'],
  ['invoice', 'bill', 'billing', 'receipt', 'statement'],
  ['refund', 'reimburse', 'reimbursement', 'chargeback'],
  ['fail', 'failed', 'failure', 'decline', 'declined', 'reject', 'bounce', 'unsuccessful'],
  ['payment', 'pay', 'charge', 'charged', 'paid'],
  ['expire', 'expiry', 'expiration', 'expired', 'lapse', 'outdated'],
  ['webhook', 'callback', 'hook', 'event', 'notification'],
  ['signature', 'sign', 'signed', 'verify', 'verification', 'hmac', 'authentic'],
  ['login', 'signin', 'logon', 'authenticate'],
  ['password', 'passphrase', 'credential'],
  ['delete', 'remove', 'erase', 'purge'],
  ['retry', 'reattempt', 'repeat', 'resend'],
  ['price', 'cost', 'fee', 'pricing', 'expensive', 'cheap'],
  ['account', 'profile', 'workspace'],
  ['email', 'mail', 'inbox'],
  ['customer', 'user', 'client', 'buyer'],
  ['error', 'problem', 'issue', 'bug', 'broken', 'wrong'],
  ['secret', 'key', 'token', 'apikey'],
  ['download', 'export'],
  ['address', 'location'],
  ['tax', 'vat', 'gst'],
];

/** Maps stems to concept ids; built from synonym groups. */
export type ConceptMap = ReadonlyMap<string, string>;

/** Builds the stem -> concept map of `groups` (each group named after its first word). */
export function createConceptMap(
  groups: readonly (readonly string[])[] = defaultSynonyms,
): ConceptMap {
  const concepts = new Map<string, string>();
  for (const group of groups) {
    const name = group[0];
    if (name === undefined) continue;
    for (const entry of group) {
      const stems = tokenize(entry);
      // Only single words: a phrase is left to bigram features.
      if (stems.length === 1 && !concepts.has(stems[0]!)) concepts.set(stems[0]!, name);
    }
  }
  return concepts;
}
