import { ChurnError, ValidationError } from '../../errors/index.js';
import type {
  LanguageModelV1,
  LanguageModelV1FinishReason,
  LanguageModelV1Message,
  LanguageModelV1Usage,
} from '../../language-model/v1/index.js';
import type { RetrievedChunk } from '../retrieval/index.js';
import { computeAnswerConfidence, defaultConfidenceThreshold } from './answer-confidence.js';
import type {
  AnswerCitation,
  AnswerResult,
  AnswerRetrieval,
  AnswerStreamPart,
} from './answer-stream-part.js';
import { findCitationMarkers } from './citation-markers.js';
import { createGroundedPrompt, notFoundAnswer } from './grounded-prompt.js';

/** What {@link streamAnswer} needs. */
export interface StreamAnswerOptions {
  question: string;
  /** What retrieval found, best first (sorted again by `rank`). May be empty. */
  chunks: readonly RetrievedChunk[];
  languageModel: LanguageModelV1;
  /** Below this confidence the answer says it is not sure and suggests escalation. Default 0.35. */
  threshold?: number;
  /** How many of the best chunks become numbered sources of the prompt. Default 6. */
  maxSources?: number;
  /** Earlier turns of the conversation, oldest first. */
  history?: LanguageModelV1Message[];
  /** Extra system instructions (tone, product name). */
  instructions?: string;
  /**
   * Hold the model's text back until its confidence is known. Below the
   * threshold the customer then sees only a plain "not sure" answer, never the
   * guess, at the cost of streaming word by word. Default `false`: stream at
   * once and, below the threshold, append a plain note that the answer is not
   * certain.
   */
  holdUntilConfident?: boolean;
  /** Sampling temperature for the model. Default 0. */
  temperature?: number;
  maxOutputTokens?: number;
  /** Cancels the model call; the stream then ends with an `aborted` error part. */
  signal?: AbortSignal;
}

/** A streamed answer: read `stream` for the UI, await `result` for the record. */
export interface AnswerResponse {
  stream: ReadableStream<AnswerStreamPart>;
  /** Resolves when the answer is complete; rejects with the `ChurnError` of an `error` part. */
  result: Promise<AnswerResult>;
}

/** Said (with low confidence) when retrieval found nothing at all. */
export const emptyRetrievalAnswer = `${notFoundAnswer} I can pass your question to someone on the team.`;

/** Appended to a streamed answer whose confidence is below the threshold. */
export const lowConfidenceNote =
  "\n\nI'm not sure this fully answers your question, so I can pass it to someone on the team.";

function heldLowConfidenceAnswer(title: string): string {
  return `I'm not sure about this one, and I'd rather not guess. The closest page I found is "${title}" [1]. I can pass your question to someone on the team.`;
}

function toChurnError(error: unknown, model: LanguageModelV1, signal: AbortSignal): ChurnError {
  if (ChurnError.isInstance(error)) return error;
  if (signal.aborted) {
    return new ChurnError('aborted', 'The answer was cancelled before it was complete.', {
      cause: error,
    });
  }
  return new ChurnError(
    'provider_error',
    `The language model ${model.provider}/${model.modelId} failed while writing the answer; the cause is attached. Try again, or check the model settings.`,
    { cause: error },
  );
}

/**
 * Answers a question from retrieved chunks with a language model: builds the
 * grounded prompt (numbered sources, cite as `[n]`), streams the model's text,
 * turns valid `[n]` markers into `source` parts (markers pointing to no source
 * are ignored), computes the confidence, and below the threshold says plainly
 * that it is not sure and emits `escalation-suggested`.
 *
 * Never throws for an empty retrieval: the answer is "I couldn't find this in
 * the docs." with confidence 0 and an escalation suggestion, and the model is
 * not called. Throws a `ValidationError` at once for an empty question; model
 * failures arrive as an `error` part and a rejected `result`.
 */
export function streamAnswer(options: StreamAnswerOptions): AnswerResponse {
  const question = typeof options.question === 'string' ? options.question.trim() : '';
  if (question.length === 0) {
    throw new ValidationError('answer request', [
      { path: ['question'], message: 'must be a non-empty string: pass the customer question' },
    ]);
  }
  const threshold = options.threshold ?? defaultConfidenceThreshold;
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new ValidationError('answer request', [
      { path: ['threshold'], message: `must be between 0 and 1, got ${String(threshold)}` },
    ]);
  }
  const ranked = [...options.chunks].sort((left, right) => left.rank - right.rank);
  const promptChunks = ranked.slice(0, Math.max(1, options.maxSources ?? 6));
  const sources = promptChunks.map((chunk) => ({
    title: chunk.metadata.title,
    url: chunk.metadata.sourceUrl,
    content: chunk.content,
  }));
  const retrievals: AnswerRetrieval[] = ranked.map((chunk) => ({
    chunkId: chunk.chunkId,
    similarityScore: chunk.similarityScore,
    rerankScore: chunk.rerankScore,
    rankPosition: chunk.rank,
  }));

  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  let resolveResult!: (result: AnswerResult) => void;
  let rejectResult!: (error: ChurnError) => void;
  const result = new Promise<AnswerResult>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  // A caller that only reads the stream sees the error part; do not also report
  // an unhandled rejection for it.
  result.catch(() => {});

  let output: ReadableStreamDefaultController<AnswerStreamPart> | undefined;
  let open = true;
  const emit = (part: AnswerStreamPart) => {
    if (!open || !output) return;
    try {
      output.enqueue(part);
    } catch {
      open = false;
    }
  };
  const close = () => {
    options.signal?.removeEventListener('abort', onAbort);
    if (!open || !output) return;
    open = false;
    try {
      output.close();
    } catch {
      // Already cancelled by the reader.
    }
  };

  let text = '';
  const citations: AnswerCitation[] = [];
  const cited = new Set<number>();
  const emitNewSources = (final: boolean) => {
    for (const marker of findCitationMarkers(text, promptChunks.length)) {
      if (!marker.valid || cited.has(marker.citation)) continue;
      // A marker at the very end may still become a Markdown link `[1](...)`.
      if (!final && marker.end >= text.length) continue;
      cited.add(marker.citation);
      const chunk = promptChunks[marker.citation - 1]!;
      const citation: AnswerCitation = {
        citation: marker.citation,
        sourceUrl: chunk.metadata.sourceUrl,
        title: chunk.metadata.title,
        chunkId: chunk.chunkId,
        documentId: chunk.documentId,
      };
      citations.push(citation);
      emit({ type: 'source', ...citation });
    }
  };
  const emitText = (delta: string) => {
    if (delta.length === 0) return;
    text += delta;
    emit({ type: 'text-delta', delta });
  };

  const complete = (
    modelText: string,
    finishReason: LanguageModelV1FinishReason,
    usage: LanguageModelV1Usage,
  ) => {
    const { confidence, signals } = computeAnswerConfidence({
      question,
      chunks: ranked,
      sources,
      text: modelText,
    });
    const low = confidence < threshold;
    if (options.holdUntilConfident && ranked.length > 0) {
      emitText(low && !signals.notFound ? heldLowConfidenceAnswer(sources[0]!.title) : modelText);
      emitNewSources(true);
    } else {
      emitNewSources(true);
      if (low && !signals.notFound) emitText(lowConfidenceNote);
    }
    emit({ type: 'confidence', confidence, signals });
    if (low) emit({ type: 'escalation-suggested', reason: 'low_confidence', confidence });
    emit({ type: 'finish', finishReason, usage });
    close();
    resolveResult({
      text,
      citations,
      confidence,
      confidenceSignals: signals,
      retrievals,
      ...(low ? { escalate: { reason: 'low_confidence' as const } } : {}),
      finishReason,
      usage,
    });
  };

  const fail = (error: unknown) => {
    const churnError = toChurnError(error, options.languageModel, controller.signal);
    emit({ type: 'error', error: churnError });
    close();
    rejectResult(churnError);
  };

  const run = async () => {
    if (ranked.length === 0) {
      emitText(emptyRetrievalAnswer);
      complete(emptyRetrievalAnswer, 'stop', {});
      return;
    }
    if (controller.signal.aborted) throw controller.signal.reason;
    const { stream } = await options.languageModel.doStream({
      prompt: createGroundedPrompt({
        question,
        sources,
        ...(options.history ? { history: options.history } : {}),
        ...(options.instructions ? { instructions: options.instructions } : {}),
      }),
      temperature: options.temperature ?? 0,
      ...(options.maxOutputTokens === undefined
        ? {}
        : { maxOutputTokens: options.maxOutputTokens }),
      abortSignal: controller.signal,
    });
    const reader = stream.getReader();
    const cancelReader = () => {
      reader.cancel(controller.signal.reason).catch(() => {});
    };
    controller.signal.addEventListener('abort', cancelReader, { once: true });
    let modelText = '';
    let finishReason: LanguageModelV1FinishReason = 'other';
    let usage: LanguageModelV1Usage = {};
    try {
      for (;;) {
        if (controller.signal.aborted) throw controller.signal.reason;
        const { done, value } = await reader.read();
        if (done) break;
        if (value.type === 'text-delta') {
          modelText += value.delta;
          if (!options.holdUntilConfident) {
            emitText(value.delta);
            emitNewSources(false);
          }
        } else if (value.type === 'finish') {
          finishReason = value.finishReason;
          usage = value.usage;
        } else if (value.type === 'error') {
          throw value.error;
        }
        // `tool-call` parts cannot happen: the answer step offers no tools.
      }
    } finally {
      controller.signal.removeEventListener('abort', cancelReader);
      try {
        reader.releaseLock();
      } catch {
        // A read was still pending after a cancel: nothing left to release.
      }
    }
    if (controller.signal.aborted) throw controller.signal.reason;
    complete(modelText, finishReason, usage);
  };

  const stream = new ReadableStream<AnswerStreamPart>({
    start(streamController) {
      output = streamController;
      run().catch(fail);
    },
    cancel(reason) {
      open = false;
      controller.abort(reason);
    },
  });

  return { stream, result };
}
