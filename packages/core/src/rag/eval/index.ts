export { answerF1, normalizeAnswer } from './answer-f1.js';
export { compareRuns, type MetricComparison, type RunComparison } from './compare-runs.js';
export {
  type EvalQuestion,
  type EvalRunLine,
  evalQuestionSchema,
  parseEvalQuestions,
} from './eval-question.js';
export { ndcgAtK, recallAtK, reciprocalRankAtK } from './retrieval-metrics.js';
export {
  type EvalSummary,
  type RetrievalMetric,
  retrievalMetrics,
  scoreQuestions,
  summarizeEvaluation,
} from './summarize-evaluation.js';
