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
  const recall5: number[] = [];
  const recall10: number[] = [];
  const mrr: number[] = [];
  const ndcg: number[] = [];
  const f1: number[] = [];
  for (const question of questions) {
    const line = byId.get(question.id);
    const ranked = line?.ranked_doc_ids ?? [];
    recall5.push(recallAtK(ranked, question.gold_doc_ids, 5));
    recall10.push(recallAtK(ranked, question.gold_doc_ids, 10));
    mrr.push(reciprocalRankAtK(ranked, question.gold_doc_ids, 10));
    ndcg.push(ndcgAtK(ranked, question.gold_doc_ids, 10));
    if (question.answer !== undefined) f1.push(answerF1(line?.answer ?? '', question.answer));
  }
  return {
    'recall@5': round(mean(recall5)),
    'recall@10': round(mean(recall10)),
    'mrr@10': round(mean(mrr)),
    'ndcg@10': round(mean(ndcg)),
    ...(f1.length > 0 ? { answer_f1: round(mean(f1)) } : {}),
    questions: questions.length,
    questions_with_answers: f1.length,
  };
}
