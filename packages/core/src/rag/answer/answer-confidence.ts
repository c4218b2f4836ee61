import type { RetrievedChunk } from '../retrieval/index.js';
import { findCitationMarkers } from './citation-markers.js';
import { notFoundAnswer } from './grounded-prompt.js';
import { contentTerms, splitSentences } from './text-terms.js';

/**
 * Weights of the confidence formula. Confidence is the product of a retrieval
 * score and an answer score, each a weighted mean of its signals (weights sum
 * to 1 within each half), so a strong retrieval cannot rescue an uncited guess
 * and a well-cited answer cannot rescue a weak retrieval:
 *
 * ```text
 * retrieval  = 0.50·top + 0.10·margin + 0.20·agreement + 0.20·support
 * answer     = 0.30·citations + 0.35·grounding + 0.15·coverage + 0.20·(1 − hedging)
 * confidence = retrieval × answer
 * ```
 *
 * then capped at {@link notFoundConfidenceCap} when the answer says the docs do
 * not contain the answer, and 0 when nothing was retrieved.
 */
export const answerConfidenceWeights = {
  retrieval: { top: 0.5, margin: 0.1, agreement: 0.2, support: 0.2 },
  answer: { citations: 0.3, grounding: 0.35, coverage: 0.15, hedging: 0.2 },
} as const;

/** Highest confidence of an answer that says the docs do not contain the answer. */
export const notFoundConfidenceCap = 0.15;

/** Default threshold: below it the answer says it is not sure and suggests escalation. */
export const defaultConfidenceThreshold = 0.35;

/** Every signal of the confidence formula, each in [0, 1]. */
export interface AnswerConfidenceSignals {
  /** Re-rank score of the first chunk. */
  top: number;
  /** Gap between the first and second re-rank scores, divided by 0.25, capped at 1. */
  margin: number;
  /** Share of the lexical top 3 that is also in the vector top 3 (within the retrieved chunks). */
  agreement: number;
  /** Chunks scoring at least half the top score (and at least 0.2), over 3, capped at 1. */
  support: number;
  /** 1 when the answer cites only existing sources, 0.5 when it also cites missing ones, 0 without citations. */
  citations: number;
  /** Share of answer sentences whose content terms are mostly (≥ 60 %) found in the chunks they cite. */
  grounding: number;
  /** Share of the question's content terms found in the cited chunks (0 without citations). */
  coverage: number;
  /** 1 when the answer hedges ("I think", "probably", "not sure"), else 0; counts against confidence. */
  hedging: number;
  /** True when the answer says the docs do not contain the answer. */
  notFound: boolean;
}

const hedgePatterns = [
  /\bi'?m not (?:sure|certain)\b/i,
  /\bi am not (?:sure|certain)\b/i,
  /\bnot (?:entirely )?(?:sure|certain)\b/i,
  /\bi (?:think|believe|guess|assume)\b/i,
  /\bprobably\b/i,
  /\bpossibly\b/i,
  /\bperhaps\b/i,
  /\bit (?:seems|appears)\b/i,
  /\bunclear\b/i,
  /\bi (?:don'?t|do not) know\b/i,
  /\bcan(?:'?t|not) confirm\b/i,
];

const notFoundPatterns = [
  new RegExp(notFoundAnswer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace("'", "['’]?"), 'i'),
  /\b(?:couldn['’]?t|could not|can['’]?t|cannot|did not|didn['’]?t) find (?:this|that|it|anything|any information|an answer)\b/i,
  /\bsources? (?:do|does|did)(?: not|n['’]?t) (?:contain|mention|cover|say)\b/i,
  /\bno information (?:about|on)\b/i,
];

/** True when the answer says, in one of the usual ways, that the docs do not contain the answer. */
export function isNotFoundAnswer(text: string): boolean {
  return notFoundPatterns.some((pattern) => pattern.test(text));
}

function isHedging(text: string): boolean {
  return hedgePatterns.some((pattern) => pattern.test(text));
}

function clamp01(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(1, Math.max(0, value));
}

/** The retrieval half of the signals. Chunks are taken in rank order. */
export function retrievalSignals(
  chunks: readonly RetrievedChunk[],
): Pick<AnswerConfidenceSignals, 'top' | 'margin' | 'agreement' | 'support'> {
  if (chunks.length === 0) return { top: 0, margin: 0, agreement: 0, support: 0 };
  const ranked = [...chunks].sort((left, right) => left.rank - right.rank);
  const top = clamp01(ranked[0]!.rerankScore);
  const second = ranked.length > 1 ? clamp01(ranked[1]!.rerankScore) : 0;
  const margin = clamp01((top - second) / 0.25);

  const topThree = (score: (chunk: RetrievedChunk) => number) =>
    ranked
      .filter((chunk) => score(chunk) > 0)
      .sort((left, right) => score(right) - score(left))
      .slice(0, 3)
      .map((chunk) => chunk.chunkId);
  const lexical = topThree((chunk) => chunk.lexicalScore);
  const vector = new Set(topThree((chunk) => chunk.similarityScore));
  const shared = lexical.filter((chunkId) => vector.has(chunkId)).length;
  const agreement = clamp01(shared / Math.min(3, ranked.length));

  const floor = Math.max(0.2, top / 2);
  const supporting = ranked.filter((chunk) => clamp01(chunk.rerankScore) >= floor).length;
  const support = clamp01(supporting / 3);
  return { top, margin, agreement, support };
}

/**
 * The answer half of the signals: citations, grounding by token overlap with
 * the cited chunks, coverage of the question by the cited chunks, hedging and
 * "not found". A sentence without its own marker
 * borrows the markers of the next cited sentence of its paragraph (models often
 * cite once at the end of a paragraph).
 */
export function answerSignals(
  text: string,
  sources: readonly { content: string }[],
  question = '',
): Pick<AnswerConfidenceSignals, 'citations' | 'grounding' | 'coverage' | 'hedging' | 'notFound'> {
  const markers = findCitationMarkers(text, sources.length);
  const valid = markers.filter((marker) => marker.valid).length;
  const invalid = markers.length - valid;
  const citations = valid === 0 ? 0 : invalid > 0 ? 0.5 : 1;

  const sourceTerms = sources.map((source) => new Set(contentTerms(source.content)));
  const paragraphs = text.split(/\n\s*\n/);
  let counted = 0;
  let supported = 0;
  for (const paragraph of paragraphs) {
    const sentences = splitSentences(paragraph).filter((sentence) => !sentence.heading);
    const cites = sentences.map((sentence) =>
      findCitationMarkers(sentence.text, sources.length)
        .filter((marker) => marker.valid)
        .map((marker) => marker.citation),
    );
    for (let index = cites.length - 2; index >= 0; index--) {
      if (cites[index]!.length === 0) cites[index] = cites[index + 1]!;
    }
    sentences.forEach((sentence, index) => {
      const terms = contentTerms(sentence.text.replace(/\[[\d,\s]+\]/g, ' '));
      if (terms.length < 3) return;
      counted += 1;
      const cited = cites[index]!;
      if (cited.length === 0) return;
      const found = terms.filter((term) =>
        cited.some((citation) => sourceTerms[citation - 1]?.has(term)),
      ).length;
      if (found / terms.length >= 0.6) supported += 1;
    });
  }
  const grounding = counted === 0 ? citations : supported / counted;

  const questionTerms = [...new Set(contentTerms(question))];
  const citedTerms = new Set<string>();
  for (const marker of markers) {
    if (!marker.valid) continue;
    for (const term of sourceTerms[marker.citation - 1]!) citedTerms.add(term);
  }
  const coverage =
    questionTerms.length === 0
      ? citations
      : questionTerms.filter((term) => citedTerms.has(term)).length / questionTerms.length;
  return {
    citations,
    grounding: clamp01(grounding),
    coverage: clamp01(coverage),
    hedging: isHedging(text) ? 1 : 0,
    notFound: isNotFoundAnswer(text),
  };
}

/** The confidence of an answer, its two halves and the signals it was computed from. */
export interface AnswerConfidence {
  confidence: number;
  /** The retrieval half in [0, 1]. */
  retrieval: number;
  /** The answer half in [0, 1]. */
  answer: number;
  signals: AnswerConfidenceSignals;
}

/**
 * Confidence in [0, 1] of an answer given the chunks it was written from, by
 * the formula of {@link answerConfidenceWeights}. `sources` are the
 * chunks in citation order (`[1]` is the first).
 */
export function computeAnswerConfidence(options: {
  question: string;
  chunks: readonly RetrievedChunk[];
  sources: readonly { content: string }[];
  text: string;
}): AnswerConfidence {
  const signals: AnswerConfidenceSignals = {
    ...retrievalSignals(options.chunks),
    ...answerSignals(options.text, options.sources, options.question),
  };
  const round = (value: number) => Math.round(clamp01(value) * 1000) / 1000;
  const { retrieval: r, answer: a } = answerConfidenceWeights;
  const retrieval =
    r.top * signals.top +
    r.margin * signals.margin +
    r.agreement * signals.agreement +
    r.support * signals.support;
  const answer =
    a.citations * signals.citations +
    a.grounding * signals.grounding +
    a.coverage * signals.coverage +
    a.hedging * (1 - signals.hedging);
  let confidence = options.chunks.length === 0 ? 0 : retrieval * answer;
  if (signals.notFound) confidence = Math.min(confidence, notFoundConfidenceCap);
  return {
    confidence: round(confidence),
    retrieval: round(retrieval),
    answer: round(answer),
    signals,
  };
}
