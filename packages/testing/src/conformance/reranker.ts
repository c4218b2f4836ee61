import type { RerankerV1 } from '@churn/core';
import { describe, expect, it } from 'vitest';
import { captureRejection, isChurnError } from './conformance-helpers.js';

/** Settings of {@link describeRerankerConformance}. */
export interface RerankerConformanceOptions {
  /**
   * Check that the obviously relevant passage comes first. Default `true`; turn it
   * off for emulators that return arbitrary scores.
   */
  checkRelevance?: boolean;
  /** Per-test timeout in milliseconds, for remote adapters. */
  timeoutMs?: number;
}

const documents = [
  { id: 'holidays', text: 'Our office is closed on public holidays in December.' },
  {
    id: 'update-card',
    text: 'To update the credit card on your subscription, open Billing and choose Update card.',
  },
  { id: 'webhooks', text: 'Webhook events are signed with your endpoint secret.' },
  { id: 'invoices', text: 'Failed invoices are retried four times over two weeks.' },
];

/**
 * The conformance suite of {@link RerankerV1}: every re-ranker must pass it.
 *
 * Checked: the metadata; one result per document (ids unchanged, none invented,
 * none repeated), best first, scores finite and in [0, 1]; `topN` keeps the best N;
 * the same input gives the same scores; no documents gives no results; the clearly
 * relevant passage ranks first; an aborted signal rejects with a `ChurnError` coded
 * `aborted`.
 *
 * @example
 * describeRerankerConformance('offline', () => createOfflineReranker());
 */
export function describeRerankerConformance(
  name: string,
  createReranker: () => RerankerV1 | Promise<RerankerV1>,
  options: RerankerConformanceOptions = {},
): void {
  const timeout = options.timeoutMs;

  describe(`RerankerV1 conformance: ${name}`, () => {
    it(
      'describes itself',
      async () => {
        const reranker = await createReranker();
        expect(reranker.specificationVersion).toBe('v1');
        expect(typeof reranker.provider).toBe('string');
        expect(reranker.provider.length).toBeGreaterThan(0);
        expect(typeof reranker.modelId).toBe('string');
        expect(reranker.modelId.length).toBeGreaterThan(0);
      },
      timeout,
    );

    it(
      'scores every document once, best first, in [0, 1]',
      async () => {
        const reranker = await createReranker();
        const { results } = await reranker.doRerank({
          query: 'How do I change my credit card?',
          documents,
        });
        expect(results).toHaveLength(documents.length);
        expect(new Set(results.map((result) => result.id))).toEqual(
          new Set(documents.map((document) => document.id)),
        );
        for (const result of results) {
          expect(Number.isFinite(result.score)).toBe(true);
          expect(result.score).toBeGreaterThanOrEqual(0);
          expect(result.score).toBeLessThanOrEqual(1);
        }
        for (let index = 1; index < results.length; index++) {
          expect(results[index - 1]!.score).toBeGreaterThanOrEqual(results[index]!.score);
        }
      },
      timeout,
    );

    it(
      'keeps the best topN and is deterministic',
      async () => {
        const reranker = await createReranker();
        const query = 'Are webhook events signed?';
        const all = await reranker.doRerank({ query, documents });
        const again = await reranker.doRerank({ query, documents });
        expect(again.results).toEqual(all.results);
        const top = await reranker.doRerank({ query, documents, topN: 2 });
        expect(top.results).toHaveLength(2);
        expect(top.results.map((result) => result.id)).toEqual(
          all.results.slice(0, 2).map((result) => result.id),
        );
      },
      timeout,
    );

    it(
      'returns no results for no documents',
      async () => {
        const reranker = await createReranker();
        const { results } = await reranker.doRerank({ query: 'anything', documents: [] });
        expect(results).toEqual([]);
      },
      timeout,
    );

    if (options.checkRelevance !== false) {
      it(
        'ranks the clearly relevant passage first',
        async () => {
          const reranker = await createReranker();
          const { results } = await reranker.doRerank({
            query: 'update credit card subscription',
            documents,
          });
          expect(results[0]!.id).toBe('update-card');
          const webhooks = await reranker.doRerank({ query: 'webhook signed secret', documents });
          expect(webhooks.results[0]!.id).toBe('webhooks');
        },
        timeout,
      );
    }

    it(
      'honours an aborted signal with a ChurnError coded `aborted`',
      async () => {
        const reranker = await createReranker();
        const controller = new AbortController();
        controller.abort();
        const error = await captureRejection(() =>
          reranker.doRerank({ query: 'card', documents, abortSignal: controller.signal }),
        );
        expect(isChurnError(error)).toBe(true);
        expect((error as { code: string }).code).toBe('aborted');
      },
      timeout,
    );
  });
}
