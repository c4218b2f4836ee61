import { describe, expect, it } from 'vitest';
import { answerF1, normalizeAnswer } from './answer-f1.js';

describe('answer F1 (SQuAD style)', () => {
  it('normalises case, punctuation, articles and spaces', () => {
    expect(normalizeAnswer('  The  Invoice, an   A.B.C!  ')).toBe('invoice b c');
  });

  it('is 1 for the same answer after normalisation', () => {
    expect(answerF1('The 14-day trial.', '14 day trial')).toBe(1);
  });

  it('computes precision and recall by hand', () => {
    // prediction: [retried, 3, days, later] (4); gold: [3, days] (2); shared 2.
    // precision 2/4, recall 2/2, F1 = 2·0.5·1 / 1.5 = 2/3.
    expect(answerF1('Retried 3 days later', '3 days')).toBeCloseTo(2 / 3, 12);
    // Repeated tokens count with multiplicity: prediction [days, days], gold [days]:
    // shared 1, precision 1/2, recall 1, F1 2/3.
    expect(answerF1('days days', 'days')).toBeCloseTo(2 / 3, 12);
  });

  it('ignores citation markers in the prediction', () => {
    expect(answerF1('Up to five [3].', 'up to five')).toBe(1);
  });

  it('handles empty answers', () => {
    expect(answerF1('', '')).toBe(1);
    expect(answerF1('something', '')).toBe(0);
    expect(answerF1('The', 'an')).toBe(1);
    expect(answerF1('nothing shared', 'else')).toBe(0);
  });
});
