import { describe, expect, it } from 'vitest';
import { compareRuns } from './compare-runs.js';
import type { EvalQuestion, EvalRunLine } from './eval-question.js';

/** Questions q0..q(n-1), each with gold document `d<i>`. */
function questions(count: number): EvalQuestion[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `q${index}`,
    question: `Question ${index}?`,
    gold_doc_ids: [`d${index}`],
  }));
}

/** A run that ranks each question's gold document at `ranks[i]` (1-based; 0: not at all). */
function runWithRanks(ranks: readonly number[]): EvalRunLine[] {
  return ranks.map((rank, index) => {
    const ranked = Array.from({ length: 12 }, (_, position) => `other-${index}-${position}`);
    if (rank > 0) ranked[rank - 1] = `d${index}`;
    return { id: `q${index}`, ranked_doc_ids: ranked, answer: '' };
  });
}

describe('compareRuns', () => {
  it('finds no difference between a run and itself', () => {
    const run = runWithRanks([1, 3, 0, 7]);
    const comparison = compareRuns(questions(4), run, run);
    for (const metric of ['recall@5', 'recall@10', 'mrr@10', 'ndcg@10'] as const) {
      expect(comparison[metric]).toEqual({
        difference: 0,
        better: 0,
        worse: 0,
        tied: 4,
        p_value: 1,
      });
    }
  });

  it('gives the exact p-value of a small paired comparison', () => {
    // recall@5: three questions gained their gold page, one lost it. Of the 16 ways to swap
    // the four pairs, 10 give a total of at least 2 in either direction: p = 10/16.
    const run = runWithRanks([1, 1, 1, 9]);
    const baseline = runWithRanks([9, 9, 9, 1]);
    const comparison = compareRuns(questions(4), run, baseline);
    expect(comparison['recall@5']).toEqual({
      difference: 0.5,
      better: 3,
      worse: 1,
      tied: 0,
      p_value: 0.625,
    });
    // recall@10 is the same for both runs: every gold page is in the top 10.
    expect(comparison['recall@10']).toMatchObject({ difference: 0, tied: 4, p_value: 1 });
  });

  it('calls a consistent gain over many questions significant, and is repeatable', () => {
    const count = 40;
    const run = runWithRanks(Array.from({ length: count }, () => 1));
    const baseline = runWithRanks(
      Array.from({ length: count }, (_, index) => (index < 30 ? 2 : 1)),
    );
    const first = compareRuns(questions(count), run, baseline);
    expect(first['mrr@10']).toMatchObject({ difference: 0.375, better: 30, worse: 0, tied: 10 });
    // 30 gains and no loss: chance alone almost never does this (sampled: at most 1/10,001).
    expect(first['mrr@10'].p_value).toBeLessThan(0.001);
    expect(compareRuns(questions(count), run, baseline)).toEqual(first);
  });

  it('calls an even split of gains and losses chance', () => {
    const count = 40;
    const ranks = (gain: boolean) =>
      Array.from({ length: count }, (_, index) => ((index % 2 === 0) === gain ? 1 : 3));
    const comparison = compareRuns(
      questions(count),
      runWithRanks(ranks(true)),
      runWithRanks(ranks(false)),
    );
    expect(comparison['mrr@10']).toMatchObject({ difference: 0, better: 20, worse: 20 });
    expect(comparison['mrr@10'].p_value).toBeGreaterThan(0.9);
  });

  it('refuses a permutation count that is not a whole number', () => {
    const run = runWithRanks([1]);
    expect(() => compareRuns(questions(1), run, run, { permutations: 0 })).toThrow(
      /permutations must be a whole number/,
    );
  });
});
