export {
  type AnswerConfidence,
  type AnswerConfidenceSignals,
  answerConfidenceWeights,
  computeAnswerConfidence,
  defaultConfidenceThreshold,
  isNotFoundAnswer,
  notFoundConfidenceCap,
} from './answer-confidence.js';
export type {
  AnswerCitation,
  AnswerResult,
  AnswerRetrieval,
  AnswerStreamPart,
  EscalationSuggestedReason,
} from './answer-stream-part.js';
export { type CitationMarker, findCitationMarkers } from './citation-markers.js';
export {
  type CreateGroundedPromptOptions,
  createGroundedPrompt,
  type GroundedPromptSource,
  groundedPromptVersion,
  groundedSystemPrompt,
  notFoundAnswer,
  type ParsedGroundedPrompt,
  parseGroundedPrompt,
} from './grounded-prompt.js';
export {
  type AnswerResponse,
  emptyRetrievalAnswer,
  lowConfidenceNote,
  type StreamAnswerOptions,
  streamAnswer,
} from './stream-answer.js';
