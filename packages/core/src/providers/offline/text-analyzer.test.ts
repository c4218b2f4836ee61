import { describe, expect, it } from 'vitest';
import { stemWord, tokenize } from './text-analyzer.js';

describe('stemWord', () => {
  it('meets the inflections of one word', () => {
    expect(new Set(['retries', 'retried', 'retry'].map(stemWord))).toEqual(new Set(['retri']));
    expect(new Set(['updating', 'updated', 'update'].map(stemWord))).toEqual(new Set(['updat']));
  });

  it('folds the British double "l" of longer words (Porter step 5b)', () => {
    expect(new Set(['cancel', 'cancelled', 'cancelling', 'cancels'].map(stemWord))).toEqual(
      new Set(['cancel']),
    );
    expect(new Set(['install', 'installed', 'installing'].map(stemWord)).size).toBe(1);
  });

  it('keeps a short word with a double "l" whole', () => {
    expect(stemWord('bill')).toBe('bill');
    expect(stemWord('billing')).toBe('bill');
    expect(stemWord('still')).toBe('still');
    expect(stemWord('call')).toBe('call');
  });

  it('lets a question about cancelling meet a page about cancellation words', () => {
    expect(tokenize('After cancelling, do I lose access?')).toContain('cancel');
  });
});
