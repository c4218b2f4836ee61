import { createSeededRandom } from '../../seeded-random.js';
import type { EvalQuestion, EvalRunLine } from './eval-question.js';
import { type RetrievalMetric, retrievalMetrics, scoreQuestions } from './summarize-evaluation.js';

/** How one metric of a run compares with the same metric of a baseline run. */
export interface MetricComparison {
  /** Mean of the run minus mean of the baseline, rounded to 4 places. */
  difference: number;
  /** Questions the run scores higher on, lower on, and the same. */
  better: number;
  worse: number;
  tied: number;
  /**
   * Two-sided p-value of a paired randomization test: how often the mean difference is at
   * least this far from 0 when each question's two scores are swapped at random. A large
   * value means the difference is within what chance alone gives on these questions.
   */
  p_value: number;
}

/** {@link compareRuns}' answer: one comparison per retrieval metric. */
export type RunComparison = Record<RetrievalMetric, MetricComparison>;

/** Above this many questions that differ, the test samples sign flips instead of trying all. */
const exactLimit = 16;

/**
 * Compares a run with a baseline run question by question, with the paired randomization
 * (sign-flip) test that Smucker, Allan and Carterette recommend for IR evaluation ("A
 * Comparison of Statistical Significance Tests for Information Retrieval Evaluation", CIKM
 * 2007). With up to 16 questions that differ, every assignment is tried (an exact p-value);
 * above that, `permutations` random ones (10,000 by default) from a fixed seed, so the same
 * runs always give the same p-value.
 */
export function compareRuns(
  questions: readonly EvalQuestion[],
  run: readonly EvalRunLine[],
  baseline: readonly EvalRunLine[],
  options: { permutations?: number; seed?: number } = {},
): RunComparison {
  const permutations = options.permutations ?? 10_000;
  if (!Number.isInteger(permutations) || permutations < 1) {
    throw new RangeError(`permutations must be a whole number, 1 or more, got ${permutations}.`);
  }
  const scores = scoreQuestions(questions, run);
  const baselineScores = scoreQuestions(questions, baseline);
  const comparison = {} as RunComparison;
  for (const metric of retrievalMetrics) {
    const differences = scores[metric].map(
      (score, index) => score - baselineScores[metric][index]!,
    );
    comparison[metric] = compareDifferences(differences, questions.length, {
      permutations,
      seed: options.seed ?? 1,
    });
  }
  return comparison;
}

function compareDifferences(
  differences: readonly number[],
  questions: number,
  options: { permutations: number; seed: number },
): MetricComparison {
  const changed = differences.filter((difference) => Math.abs(difference) > 1e-12);
  const observed = Math.abs(sum(changed));
  const better = changed.filter((difference) => difference > 0).length;
  const counts = {
    difference: Math.round((sum(changed) / Math.max(1, questions)) * 10_000) / 10_000,
    better,
    worse: changed.length - better,
    tied: questions - changed.length,
  };
  if (changed.length === 0) return { ...counts, p_value: 1 };
  // Equal or more extreme: a small tolerance so float sums of the same values count as equal.
  const atLeastAsFar = (total: number) => Math.abs(total) >= observed - 1e-9;
  let extreme = 0;
  let trials = 0;
  if (changed.length <= exactLimit) {
    for (let signs = 0; signs < 2 ** changed.length; signs += 1) {
      let total = 0;
      for (const [index, difference] of changed.entries()) {
        total += signs & (1 << index) ? -difference : difference;
      }
      if (atLeastAsFar(total)) extreme += 1;
      trials += 1;
    }
    return { ...counts, p_value: round(extreme / trials) };
  }
  const random = createSeededRandom(options.seed);
  for (let trial = 0; trial < options.permutations; trial += 1) {
    let total = 0;
    for (const difference of changed) total += random() < 0.5 ? -difference : difference;
    if (atLeastAsFar(total)) extreme += 1;
  }
  // The observed assignment counts as one of the trials (Phipson and Smyth, 2010): never 0.
  return { ...counts, p_value: round((extreme + 1) / (options.permutations + 1)) };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
