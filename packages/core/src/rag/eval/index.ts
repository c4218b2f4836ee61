export { answerF1, normalizeAnswer } from './answer-f1.js';
export {
  type EvalQuestion,
  type EvalRunLine,
  evalQuestionSchema,
  parseEvalQuestions,
} from './eval-question.js';
export { ndcgAtK, recallAtK, reciprocalRankAtK } from './retrieval-metrics.js';
export { type EvalSummary, summarizeEvaluation } from './summarize-evaluation.js';
