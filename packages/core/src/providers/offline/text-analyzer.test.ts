import { describe, expect, it } from 'vitest';
import { splitWords, stemWord, tokenize } from './text-analyzer.js';

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

describe('splitWords', () => {
  it('joins a single letter hyphenated to a word, as English writes it solid too', () => {
    expect(tokenize('update my e-mail address')).toEqual(tokenize('update my email address'));
    expect(splitWords('E-book, x-ray and e‑commerce')).toEqual([
      'ebook',
      'xray',
      'and',
      'ecommerce',
    ]);
  });

  it('keeps longer hyphenated parts and digits apart', () => {
    expect(splitWords('co-worker, two-factor, 2-step, re-send')).toEqual([
      'co',
      'worker',
      'two',
      'factor',
      '2',
      'step',
      're',
      'send',
    ]);
  });
});
