import type { ChurnError } from '../../errors/index.js';
import type {
  LanguageModelV1FinishReason,
  LanguageModelV1Usage,
} from '../../language-model/v1/index.js';
import type { AnswerConfidenceSignals } from './answer-confidence.js';

/** A source the answer cites: the `[n]` marker and the chunk behind it. */
export interface AnswerCitation {
  /** The number in the `[n]` marker, from 1. */
  citation: number;
  sourceUrl: string;
  title: string;
  chunkId: string;
  documentId: string;
}

/** Why the answer suggests handing over to a person. */
export type EscalationSuggestedReason = 'low_confidence';

/**
 * One part of a streamed answer. Each maps 1:1 to a part of the Vercel AI SDK
 * UI message stream, so the server can forward them without buffering:
 *
 * | part | UI message stream part |
 * | --- | --- |
 * | `text-delta` | `text-delta` (inside `text-start` / `text-end` with one id) |
 * | `source` | `source-url` `{ sourceId: chunkId, url: sourceUrl, title }` |
 * | `confidence` | `data-confidence` `{ data: { confidence, signals } }` |
 * | `escalation-suggested` | `data-escalation` `{ data: { reason, confidence } }` |
 * | `finish` | `finish` |
 * | `error` | `error` `{ errorText: error.message }` |
 *
 * Order: text deltas, with a `source` part as soon as a valid `[n]` marker has
 * been streamed (once per source); then exactly one `confidence`, at most one
 * `escalation-suggested`, and one `finish`, or one `error` instead of the last three.
 */
export type AnswerStreamPart =
  | { type: 'text-delta'; delta: string }
  | ({ type: 'source' } & AnswerCitation)
  | { type: 'confidence'; confidence: number; signals: AnswerConfidenceSignals }
  | { type: 'escalation-suggested'; reason: EscalationSuggestedReason; confidence: number }
  | {
      type: 'finish';
      finishReason: LanguageModelV1FinishReason;
      usage: LanguageModelV1Usage;
    }
  | { type: 'error'; error: ChurnError };

/**
 * The seed's Retrieval record of one chunk used for an answer, without the ids
 * added on save: assignable to the storage's `NewRetrieval`.
 */
export interface AnswerRetrieval {
  chunkId: string;
  similarityScore: number;
  rerankScore: number;
  /** Position after re-ranking, from 1. */
  rankPosition: number;
}

/** Everything known once an answer is complete. */
export interface AnswerResult {
  /** The whole answer as streamed, including a low-confidence note when one was added. */
  text: string;
  /** The valid sources the answer cites, in order of first citation. */
  citations: AnswerCitation[];
  /** Confidence in [0, 1]; see `answerConfidenceWeights`. */
  confidence: number;
  confidenceSignals: AnswerConfidenceSignals;
  /** One record per retrieved chunk given to the answer step, in rank order. */
  retrievals: AnswerRetrieval[];
  /** Present when the confidence is below the threshold: hand over to a person. */
  escalate?: { reason: EscalationSuggestedReason };
  finishReason: LanguageModelV1FinishReason;
  usage: LanguageModelV1Usage;
}
