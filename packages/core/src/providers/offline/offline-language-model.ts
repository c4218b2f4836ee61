import { ChurnError } from '../../errors/index.js';
import type {
  LanguageModelV1,
  LanguageModelV1CallOptions,
  LanguageModelV1FinishReason,
  LanguageModelV1Message,
  LanguageModelV1Result,
  LanguageModelV1StreamPart,
  LanguageModelV1Usage,
} from '../../language-model/v1/index.js';
import {
  type GroundedPromptSource,
  notFoundAnswer,
  parseGroundedPrompt,
} from '../../rag/answer/grounded-prompt.js';
import { plainSentence, splitSentences } from '../../rag/answer/text-terms.js';
import { analyzeText, type ConceptMap, createConceptMap } from './text-analyzer.js';

/** Settings of {@link createOfflineLanguageModel}. */
export interface OfflineLanguageModelSettings {
  /** Most sentences in an answer (1 to 4). Default 2. */
  maxSentences?: number;
  /**
   * Least share (idf-weighted) of the question's terms the best sentence must
   * contain; below it the model answers that the docs do not contain the answer.
   * Default 0.3.
   */
  minimumCoverage?: number;
  /** Words per streamed `text-delta`. Default 3. */
  wordsPerDelta?: number;
  /**
   * Synonym groups: a question word matches a source word of the same group
   * ("swap" meets "replace"). Default: the offline retrieval's own groups.
   */
  synonyms?: readonly (readonly string[])[];
}

/** Answer to a prompt that is not in the grounded format (no numbered sources). */
export const offlineUngroundedAnswer =
  'I can only answer questions from the documentation, and no documentation was given with this question.';

interface ScoredSentence {
  citation: number;
  sourceIndex: number;
  position: number;
  text: string;
  terms: Set<string>;
  score: number;
}

function approximateTokens(text: string): number {
  return Math.ceil((text.match(/\S+/g)?.length ?? 0) * 1.3);
}

function promptText(prompt: readonly LanguageModelV1Message[]): string {
  return prompt.map((message) => message.content).join('\n');
}

function jaccard(left: Set<string>, right: Set<string>): number {
  let shared = 0;
  for (const term of left) if (right.has(term)) shared += 1;
  const union = left.size + right.size - shared;
  return union === 0 ? 0 : shared / union;
}

/** Terms of a text as the offline retrieval sees them: stems, folded to synonym concepts. */
function conceptTerms(text: string, concepts: ConceptMap): string[] {
  return analyzeText(text).map((term) => concepts.get(term.stem) ?? term.stem);
}

/**
 * Composes an extractive answer: the sentences of the sources that best cover
 * the question's terms (idf-weighted, so rare terms count more; synonyms of the
 * offline retrieval count as the same term), each followed by its `[n]`. Exported for tests and for the documentation of the algorithm.
 */
export function composeExtractiveAnswer(
  question: string,
  sources: readonly GroundedPromptSource[],
  settings: Pick<OfflineLanguageModelSettings, 'maxSentences' | 'minimumCoverage'> = {},
  concepts: ConceptMap = createConceptMap(),
): string {
  const contentTerms = (text: string) => conceptTerms(text, concepts);
  const maxSentences = Math.min(4, Math.max(1, settings.maxSentences ?? 2));
  const minimumCoverage = settings.minimumCoverage ?? 0.3;
  // "How long", "how much", "can I possibly": the form of a question, not its topic.
  const topic = question
    .replace(/\bhow (?:long|much|many|often|soon|far)\b/gi, 'how')
    .replace(/\b(?:possible|able|exactly|actually|really|anyway|happen|happens)\b/gi, ' ');
  const queryTerms = [...new Set(contentTerms(topic))];
  if (queryTerms.length === 0 || sources.length === 0) return notFoundAnswer;

  const candidates: ScoredSentence[] = [];
  sources.forEach((source, sourceIndex) => {
    for (const sentence of splitSentences(source.content)) {
      if (sentence.heading) continue;
      const text = plainSentence(sentence.text);
      const words = text.match(/\S+/g)?.length ?? 0;
      if (words < 3) continue;
      candidates.push({
        citation: source.citation,
        sourceIndex,
        position: sentence.index,
        text,
        terms: new Set(contentTerms(text)),
        score: 0,
      });
    }
  });
  if (candidates.length === 0) return notFoundAnswer;

  // Inverse document frequency over the sentences (and titles) of the prompt.
  const count = candidates.length;
  const idf = new Map<string, number>();
  for (const term of queryTerms) {
    // A term no source has counts like the rarest term some source has: enough
    // to lower coverage, not enough to drown every other term of the question.
    const frequency = Math.max(
      1,
      candidates.filter((candidate) => candidate.terms.has(term)).length,
    );
    idf.set(term, Math.log(1 + (count - frequency + 0.5) / (frequency + 0.5)));
  }
  const totalWeight = queryTerms.reduce((sum, term) => sum + idf.get(term)!, 0);
  const titleTerms = sources.map((source) => new Set(contentTerms(source.title)));
  const coverageOf = (terms: Set<string>) =>
    queryTerms.reduce((sum, term) => sum + (terms.has(term) ? idf.get(term)! : 0), 0) / totalWeight;

  for (const candidate of candidates) {
    const coverage = coverageOf(candidate.terms);
    const titleCoverage = coverageOf(titleTerms[candidate.sourceIndex]!);
    const words = candidate.text.match(/\S+/g)?.length ?? 0;
    const lengthPenalty = 1 + Math.max(0, words - 35) / 50;
    const sourcePrior = 1 / (1 + 0.1 * candidate.sourceIndex);
    candidate.score = ((coverage + 0.15 * titleCoverage) * sourcePrior) / lengthPenalty;
    if (coverage === 0) candidate.score = 0;
  }

  const ranked = [...candidates].sort(
    (left, right) =>
      right.score - left.score ||
      left.sourceIndex - right.sourceIndex ||
      left.position - right.position,
  );
  const best = ranked[0]!;
  if (coverageOf(best.terms) < minimumCoverage) return notFoundAnswer;

  const chosen: ScoredSentence[] = [best];
  for (const candidate of ranked.slice(1)) {
    if (chosen.length >= maxSentences) break;
    if (candidate.score < best.score * 0.6) break;
    if (chosen.some((other) => jaccard(other.terms, candidate.terms) > 0.6)) continue;
    chosen.push(candidate);
  }

  // Read in a natural order: sources in the order their best sentence was
  // chosen, sentences of one source in document order.
  const sourceOrder = [...new Set(chosen.map((sentence) => sentence.sourceIndex))];
  chosen.sort(
    (left, right) =>
      sourceOrder.indexOf(left.sourceIndex) - sourceOrder.indexOf(right.sourceIndex) ||
      left.position - right.position,
  );
  return chosen
    .map((sentence) => {
      const text = /[.!?:]$/.test(sentence.text) ? sentence.text : `${sentence.text}.`;
      return `${text} [${sentence.citation}]`;
    })
    .join(' ');
}

/** Splits a text into deltas of `size` words, whitespace kept, so the deltas join back exactly. */
function wordGroups(text: string, size: number): string[] {
  const pieces = text.match(/\s*\S+/g) ?? [];
  const groups: string[] = [];
  for (let index = 0; index < pieces.length; index += size) {
    groups.push(pieces.slice(index, index + size).join(''));
  }
  const trailing = /\s+$/.exec(text)?.[0];
  if (trailing && groups.length > 0) groups[groups.length - 1] += trailing;
  return groups;
}

function abortError(signal: AbortSignal): ChurnError {
  return new ChurnError('aborted', 'The offline language model call was cancelled.', {
    cause: signal.reason,
  });
}

/**
 * A language model with no network and no key: reads the numbered sources of a
 * grounded prompt (see `createGroundedPrompt`) and writes an extractive answer
 * from the best 1 to 4 sentences for the question, each followed by its `[n]`;
 * it answers "I couldn't find this in the docs." when no sentence covers enough
 * of the question. The answer streams a few words per `text-delta`.
 *
 * Deterministic: the same prompt always gives the same answer, whatever the
 * temperature. It never calls tools: with `tools` offered (even with
 * `toolChoice: 'required'`) it still answers in text and finishes with `stop`.
 * A prompt that is not in the grounded format gets a fixed sentence saying it
 * can only answer from documentation.
 */
export function createOfflineLanguageModel(
  settings: OfflineLanguageModelSettings = {},
): LanguageModelV1 {
  const wordsPerDelta = Math.max(1, Math.floor(settings.wordsPerDelta ?? 3));
  const concepts = createConceptMap(settings.synonyms);

  const respond = (
    options: LanguageModelV1CallOptions,
  ): { text: string; finishReason: LanguageModelV1FinishReason; usage: LanguageModelV1Usage } => {
    const parsed = parseGroundedPrompt(options.prompt);
    let text = parsed
      ? composeExtractiveAnswer(parsed.question, parsed.sources, settings, concepts)
      : offlineUngroundedAnswer;
    let finishReason: LanguageModelV1FinishReason = 'stop';
    // `maxOutputTokens` is honoured approximately: about 1.3 tokens per word.
    if (options.maxOutputTokens !== undefined && options.maxOutputTokens > 0) {
      const words = text.match(/\S+/g) ?? [];
      const allowed = Math.max(1, Math.floor(options.maxOutputTokens / 1.3));
      if (words.length > allowed) {
        text = words.slice(0, allowed).join(' ');
        finishReason = 'length';
      }
    }
    return {
      text,
      finishReason,
      usage: {
        inputTokens: approximateTokens(promptText(options.prompt)),
        outputTokens: approximateTokens(text),
      },
    };
  };

  return {
    specificationVersion: 'v1',
    provider: 'offline',
    modelId: 'offline-extractive-v1',

    async doGenerate(options): Promise<LanguageModelV1Result> {
      if (options.abortSignal?.aborted) throw abortError(options.abortSignal);
      const { text, finishReason, usage } = respond(options);
      return { text, toolCalls: [], finishReason, usage };
    },

    async doStream(options) {
      if (options.abortSignal?.aborted) throw abortError(options.abortSignal);
      const { text, finishReason, usage } = respond(options);
      const deltas = wordGroups(text, wordsPerDelta);
      let next = 0;
      let done = false;
      const stream = new ReadableStream<LanguageModelV1StreamPart>(
        {
          pull(controller) {
            if (done) return;
            if (options.abortSignal?.aborted) {
              done = true;
              controller.enqueue({ type: 'error', error: abortError(options.abortSignal) });
              controller.close();
              return;
            }
            const delta = deltas[next];
            next += 1;
            if (delta !== undefined) {
              controller.enqueue({ type: 'text-delta', delta });
              return;
            }
            done = true;
            controller.enqueue({ type: 'finish', finishReason, usage });
            controller.close();
          },
        },
        // Produce a part only when one is read, so an abort between reads is seen.
        { highWaterMark: 0 },
      );
      return { stream };
    },
  };
}
