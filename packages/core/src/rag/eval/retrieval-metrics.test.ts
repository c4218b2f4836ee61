import { describe, expect, it } from 'vitest';
import { ndcgAtK, recallAtK, reciprocalRankAtK } from './retrieval-metrics.js';

describe('retrieval metrics (hand-computed)', () => {
  const ranked = ['a', 'b', 'c', 'd', 'e', 'f'];

  it('recall@k is the share of gold documents in the first k', () => {
    expect(recallAtK(ranked, ['b', 'f'], 5)).toBe(0.5);
    expect(recallAtK(ranked, ['b', 'f'], 10)).toBe(1);
    expect(recallAtK(ranked, ['z'], 5)).toBe(0);
    expect(recallAtK(ranked, [], 5)).toBe(0);
    // Duplicates in the ranking count once, at their first position.
    expect(recallAtK(['a', 'a', 'a', 'a', 'a', 'b'], ['b'], 2)).toBe(1);
  });

  it('reciprocal rank@k is 1 / position of the first gold document', () => {
    expect(reciprocalRankAtK(ranked, ['a'], 10)).toBe(1);
    expect(reciprocalRankAtK(ranked, ['c', 'e'], 10)).toBeCloseTo(1 / 3, 12);
    expect(reciprocalRankAtK(ranked, ['f'], 5)).toBe(0);
  });

  it('nDCG@k with binary relevance', () => {
    // Gold at positions 1 and 3: DCG = 1 + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3).
    expect(ndcgAtK(ranked, ['a', 'c'], 10)).toBeCloseTo(1.5 / (1 + 1 / Math.log2(3)), 12);
    // One gold document at position 2: 1/log2(3) / 1.
    expect(ndcgAtK(ranked, ['b'], 10)).toBeCloseTo(0.6309297535714575, 12);
    expect(ndcgAtK(ranked, ['a'], 10)).toBe(1);
    expect(ndcgAtK(ranked, ['z'], 10)).toBe(0);
    // More gold documents than k: the ideal stops at k.
    expect(ndcgAtK(['a', 'b'], ['a', 'b', 'c'], 2)).toBe(1);
  });
});
