import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createOfflineReranker } from './offline-reranker.js';

describe('createOfflineReranker', () => {
  const reranker = createOfflineReranker();

  it('prefers a heading match, a phrase and close terms', async () => {
    const { results } = await reranker.doRerank({
      query: 'update payment method',
      documents: [
        {
          id: 'scattered',
          text: 'Update your profile. Later, a payment is taken. The method of delivery is email.',
        },
        {
          id: 'focused',
          text: 'Open Billing, then update the payment method on file.',
          title: 'Billing',
          headings: ['Update your payment method'],
        },
      ],
    });
    expect(results.map((result) => result.id)).toEqual(['focused', 'scattered']);
  });

  it('uses the prior score as one feature among others', async () => {
    const documents = [
      { id: 'a', text: 'Invoices are emailed monthly.', priorScore: 0 },
      { id: 'b', text: 'Invoices are emailed monthly.', priorScore: 1 },
    ];
    const { results } = await reranker.doRerank({ query: 'invoice email', documents });
    expect(results[0]!.id).toBe('b');
    expect(results[0]!.score).toBeGreaterThan(results[1]!.score);
  });

  it('gives the first-stage prior as much weight as the lexical features together', async () => {
    const text = 'Invoices are emailed monthly.';
    const { results } = await reranker.doRerank({
      query: 'invoice email',
      documents: [
        { id: 'low', text, priorScore: 0 },
        { id: 'high', text, priorScore: 1 },
        { id: 'none', text },
      ],
    });
    const score = Object.fromEntries(results.map((result) => [result.id, result.score]));
    // Same passage: the prior alone moves the score by half the scale...
    expect(score.high! - score.low!).toBeCloseTo(0.5, 10);
    // ...and without a prior the features keep the whole scale (0.5 features + 0.5 prior).
    expect(score.low!).toBeCloseTo(score.none! / 2, 10);
  });

  it('lets the features re-order passages but not bury the first stages’ best', async () => {
    const { results } = await reranker.doRerank({
      query: 'what happens when a payment fails',
      documents: [
        // Matches every query word, but the first stages ranked it last.
        {
          id: 'wordy',
          text: 'When a payment fails, what happens is explained here.',
          priorScore: 0,
        },
        // Fewer words in common, ranked first by both first stages.
        { id: 'agreed', text: 'A failed payment is retried three times.', priorScore: 1 },
      ],
    });
    expect(results[0]!.id).toBe('agreed');
  });

  it('keeps scores in [0, 1] and every id once for any input (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 60 }),
        fc.array(
          fc.record({
            text: fc.string({ maxLength: 200 }),
            priorScore: fc.option(fc.double({ noNaN: true }), { nil: undefined }),
          }),
          { maxLength: 8 },
        ),
        async (query, rawDocuments) => {
          const documents = rawDocuments.map((document, index) => ({
            id: `d${index}`,
            ...document,
          }));
          const { results } = await reranker.doRerank({ query, documents });
          expect(results.map((result) => result.id).sort()).toEqual(
            documents.map((document) => document.id).sort(),
          );
          for (const result of results) {
            expect(result.score).toBeGreaterThanOrEqual(0);
            expect(result.score).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
