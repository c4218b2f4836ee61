/**
 * Small, dependency-free text helpers shared by the answer step (confidence
 * signals) and the offline language model (extractive answers). They are
 * deliberately simple and deterministic: lowercase words, English stop words
 * removed, a light suffix stemmer, and a sentence splitter that understands the
 * Markdown the chunker leaves in chunks (headings, list items).
 */

const stopWords = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being ' +
    'below between both but by can could did do does doing down during each few for from further ' +
    'had has have having he her here hers herself him himself his how i if in into is it its itself ' +
    'just me more most my myself no nor not now of off on once only or other our ours ourselves out ' +
    'over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which ' +
    'while who whom why will with would you your yours yourself yourselves s t don doesn didn isn ' +
    'aren wasn weren won wouldn shouldn couldn can cannot ll ve re d m also get got let may might ' +
    'must shall us via per one want need please tell know anything something way ever'
  ).split(' '),
);

/** Lowercase word tokens: letters and digits, apostrophes split off. */
export function wordTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** A light English suffix stemmer: enough to match "cards"/"card", "refunded"/"refund". */
export function stemTerm(word: string): string {
  let term = word;
  if (term.length > 4 && term.endsWith('ies')) term = `${term.slice(0, -3)}y`;
  else if (term.length > 4 && /(sses|xes|ches|shes)$/.test(term)) term = term.slice(0, -2);
  else if (term.length > 3 && term.endsWith('s') && !/(ss|us|is)$/.test(term))
    term = term.slice(0, -1);
  if (term.length > 5 && term.endsWith('ing')) term = term.slice(0, -3);
  else if (term.length > 4 && term.endsWith('ed')) term = term.slice(0, -2);
  if (term.length > 4 && term.endsWith('e')) term = term.slice(0, -1);
  return term;
}

/** Content terms of a text: word tokens without stop words, stemmed, in order (with repeats). */
export function contentTerms(text: string): string[] {
  const terms: string[] = [];
  for (const word of wordTokens(text)) {
    if (stopWords.has(word)) continue;
    if (word.length < 2 && !/\d/.test(word)) continue;
    terms.push(stemTerm(word));
  }
  return terms;
}

/** One sentence found in a text, with where it came from. */
export interface TextSentence {
  text: string;
  /** Position of the sentence in its text, from 0. */
  index: number;
  /** True for a Markdown heading line: context, not an answer. */
  heading: boolean;
}

/**
 * Splits a (Markdown or plain) text into sentences. Heading lines become their
 * own sentence flagged `heading`; list items and table rows are one sentence
 * each; paragraphs are split after `.`, `!` or `?` followed by a capital letter,
 * a digit or an opening quote or bracket.
 */
export function splitSentences(text: string): TextSentence[] {
  const sentences: TextSentence[] = [];
  const push = (raw: string, heading: boolean) => {
    const cleaned = raw.replace(/\s+/g, ' ').trim();
    if (cleaned.length === 0) return;
    sentences.push({ text: cleaned, index: sentences.length, heading });
  };
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length === 0) return;
    const joined = paragraph.join(' ');
    paragraph = [];
    for (const part of joined.split(/(?<=[.!?])["')\]]?\s+(?=["'([]?[\p{Lu}\p{N}])/u))
      push(part, false);
  };
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line.length === 0 || /^(-{3,}|\*{3,}|`{3,}.*)$/.test(line)) {
      flush();
      continue;
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      push(heading[1]!, true);
      continue;
    }
    const item = /^(?:[-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (item) {
      flush();
      paragraph.push(item[1]!);
      flush();
      continue;
    }
    if (line.startsWith('|')) {
      flush();
      if (/^\|[\s:|-]+\|?$/.test(line)) continue;
      push(
        line
          .split('|')
          .map((cell) => cell.trim())
          .filter(Boolean)
          .join(': '),
        false,
      );
      continue;
    }
    paragraph.push(line.replace(/^>\s?/, ''));
  }
  flush();
  return sentences;
}

/** Strips the light Markdown emphasis a sentence may carry (`**`, `__`, backticks, links). */
export function plainSentence(text: string): string {
  return text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__|`)/g, '')
    .replace(/(^|[\s(])[*_]([^*_\n]+)[*_](?=[\s).,;:!?]|$)/g, '$1$2')
    .replace(/\s+/g, ' ')
    .trim();
}
