import { answerF1 } from './answer-f1.js';
import type { EvalQuestion, EvalRunLine } from './eval-question.js';
import { ndcgAtK, recallAtK, reciprocalRankAtK } from './retrieval-metrics.js';

/** The figures of one evaluation run; metric values are means over the questions, rounded to 4 places. */
export interface EvalSummary {
  'recall@5': number;
  'recall@10': number;
  'mrr@10': number;
  'ndcg@10': number;
  /** Mean SQuAD token F1 over the questions that have a gold answer; absent when none has. */
  answer_f1?: number;
  questions: number;
  questions_with_answers: number;
}

function mean(values: readonly number[]): number {
  if (values.length === 0) return 0;
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** The retrieval metrics scored per question. */
export const retrievalMetrics = ['recall@5', 'recall@10', 'mrr@10', 'ndcg@10'] as const;

/** One of {@link retrievalMetrics}. */
export type RetrievalMetric = (typeof retrievalMetrics)[number];

/**
 * Each question's retrieval scores, in the order of `questions`: recall@5, recall@10, MRR@10
 * and nDCG@10 of `ranked_doc_ids` against `gold_doc_ids`. A question missing from the run
 * scores 0.
 */
export function scoreQuestions(
  questions: readonly EvalQuestion[],
  run: readonly EvalRunLine[],
): Record<RetrievalMetric, number[]> {
  const byId = new Map(run.map((line) => [line.id, line]));
  const scores: Record<RetrievalMetric, number[]> = {
    'recall@5': [],
    'recall@10': [],
    'mrr@10': [],
    'ndcg@10': [],
  };
  for (const question of questions) {
    const ranked = byId.get(question.id)?.ranked_doc_ids ?? [];
    scores['recall@5'].push(recallAtK(ranked, question.gold_doc_ids, 5));
    scores['recall@10'].push(recallAtK(ranked, question.gold_doc_ids, 10));
    scores['mrr@10'].push(reciprocalRankAtK(ranked, question.gold_doc_ids, 10));
    scores['ndcg@10'].push(ndcgAtK(ranked, question.gold_doc_ids, 10));
  }
  return scores;
}

/**
 * Scores a run against its questions: recall@5, recall@10, MRR@10 and nDCG@10
 * of `ranked_doc_ids` against `gold_doc_ids`, and the mean answer F1 where a
 * gold answer exists. A question missing from the run scores 0 everywhere.
 */
export function summarizeEvaluation(
  questions: readonly EvalQuestion[],
  run: readonly EvalRunLine[],
): EvalSummary {
  const byId = new Map(run.map((line) => [line.id, line]));
  const scores = scoreQuestions(questions, run);
  const f1: number[] = [];
  for (const question of questions) {
    if (question.answer === undefined) continue;
    f1.push(answerF1(byId.get(question.id)?.answer ?? '', question.answer));
  }
  return {
    'recall@5': round(mean(scores['recall@5'])),
    'recall@10': round(mean(scores['recall@10'])),
    'mrr@10': round(mean(scores['mrr@10'])),
    'ndcg@10': round(mean(scores['ndcg@10'])),
    ...(f1.length > 0 ? { answer_f1: round(mean(f1)) } : {}),
    questions: questions.length,
    questions_with_answers: f1.length,
  };
}
