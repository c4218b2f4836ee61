import type { EmbeddingModelV1 } from '@churn/core';
import { describe, expect, it } from 'vitest';
import { captureRejection, dotProduct, isChurnError, vectorNorm } from './conformance-helpers.js';

/** Settings of {@link describeEmbeddingModelConformance}. */
export interface EmbeddingModelConformanceOptions {
  /** The `dimensions` the model must report and return; checked when given. */
  expectedDimensions?: number;
  /**
   * Check that a paraphrase lands nearer to its question than an unrelated text does.
   * Default `true`; turn it off for emulators that return arbitrary vectors.
   */
  checkSimilarity?: boolean;
  /**
   * Largest batch the suite sends in one call to check `maxEmbeddingsPerCall`
   * (the model's limit is used when smaller). Default 256: keeps remote suites cheap.
   */
  largestBatch?: number;
  /** Allowed difference between two embeddings of the same text. Default `1e-6`. */
  tolerance?: number;
  /** Per-test timeout in milliseconds, for remote adapters. */
  timeoutMs?: number;
}

const texts = [
  'How do I update the card on my subscription?',
  'Webhooks are signed with your endpoint secret.',
  'Invoices are retried four times over two weeks.',
];

/**
 * The conformance suite of {@link EmbeddingModelV1}: every embedding model (the
 * offline one, OpenAI through its emulator, a local model) must pass it.
 *
 * It checks the metadata, one unit-length vector of `dimensions` finite numbers per
 * value in the same order, determinism for the same input (alone or in a batch),
 * that a call above `maxEmbeddingsPerCall` is rejected with a `ChurnError`
 * (`validation_failed`: callers batch, the model does not), and that an aborted
 * signal rejects with a `ChurnError` whose code is `aborted`.
 *
 * @example
 * describeEmbeddingModelConformance('offline', () => createOfflineEmbeddingModel());
 */
export function describeEmbeddingModelConformance(
  name: string,
  createModel: () => EmbeddingModelV1 | Promise<EmbeddingModelV1>,
  options: EmbeddingModelConformanceOptions = {},
): void {
  const tolerance = options.tolerance ?? 1e-6;
  const timeout = options.timeoutMs;

  describe(`EmbeddingModelV1 conformance: ${name}`, () => {
    it(
      'describes itself',
      async () => {
        const model = await createModel();
        expect(model.specificationVersion).toBe('v1');
        expect(typeof model.provider).toBe('string');
        expect(model.provider.length).toBeGreaterThan(0);
        expect(typeof model.modelId).toBe('string');
        expect(model.modelId.length).toBeGreaterThan(0);
        expect(Number.isInteger(model.dimensions)).toBe(true);
        expect(model.dimensions).toBeGreaterThan(0);
        if (options.expectedDimensions !== undefined) {
          expect(model.dimensions).toBe(options.expectedDimensions);
        }
        expect(Number.isInteger(model.maxEmbeddingsPerCall)).toBe(true);
        expect(model.maxEmbeddingsPerCall).toBeGreaterThan(0);
      },
      timeout,
    );

    it(
      'returns one unit-length vector of `dimensions` finite numbers per value',
      async () => {
        const model = await createModel();
        const result = await model.doEmbed({ values: texts, purpose: 'document' });
        expect(result.embeddings).toHaveLength(texts.length);
        for (const embedding of result.embeddings) {
          expect(embedding).toHaveLength(model.dimensions);
          expect(embedding.every((value) => Number.isFinite(value))).toBe(true);
          expect(Math.abs(vectorNorm(embedding) - 1)).toBeLessThan(1e-3);
        }
        if (result.usage !== undefined) {
          expect(Number.isInteger(result.usage.tokens)).toBe(true);
          expect(result.usage.tokens).toBeGreaterThanOrEqual(0);
        }
      },
      timeout,
    );

    it(
      'keeps the order of the values and is deterministic for the same input',
      async () => {
        const model = await createModel();
        const batch = await model.doEmbed({ values: texts });
        const reversed = await model.doEmbed({ values: [...texts].reverse() });
        for (const [index, text] of texts.entries()) {
          const alone = await model.doEmbed({ values: [text] });
          expect(alone.embeddings).toHaveLength(1);
          const single = alone.embeddings[0]!;
          const inBatch = batch.embeddings[index]!;
          const inReversed = reversed.embeddings[texts.length - 1 - index]!;
          expect(1 - dotProduct(single, inBatch)).toBeLessThan(tolerance + 1e-9);
          expect(1 - dotProduct(single, inReversed)).toBeLessThan(tolerance + 1e-9);
        }
        // Distinct texts get distinct vectors.
        expect(dotProduct(batch.embeddings[0]!, batch.embeddings[1]!)).toBeLessThan(0.999);
        // The same text twice in one call gets the same vector twice.
        const twice = await model.doEmbed({ values: [texts[0]!, texts[0]!] });
        expect(1 - dotProduct(twice.embeddings[0]!, twice.embeddings[1]!)).toBeLessThan(
          tolerance + 1e-9,
        );
      },
      timeout,
    );

    it(
      'embeds queries and documents in the same space',
      async () => {
        const model = await createModel();
        const query = await model.doEmbed({ values: [texts[0]!], purpose: 'query' });
        const document = await model.doEmbed({ values: [texts[0]!], purpose: 'document' });
        expect(query.embeddings[0]).toHaveLength(model.dimensions);
        expect(document.embeddings[0]).toHaveLength(model.dimensions);
        expect(dotProduct(query.embeddings[0]!, document.embeddings[0]!)).toBeGreaterThan(0.5);
      },
      timeout,
    );

    if (options.checkSimilarity !== false) {
      it(
        'puts a paraphrase nearer to its question than an unrelated text',
        async () => {
          const model = await createModel();
          const { embeddings } = await model.doEmbed({
            values: [
              'How can I change the credit card used for my subscription?',
              'Change the credit card on your subscription from the billing page.',
              'Our office is closed on public holidays in December.',
            ],
          });
          const [question, paraphrase, unrelated] = embeddings as [number[], number[], number[]];
          expect(dotProduct(question, paraphrase)).toBeGreaterThan(dotProduct(question, unrelated));
        },
        timeout,
      );
    }

    it(
      'accepts a full batch and rejects one above maxEmbeddingsPerCall: callers batch',
      async () => {
        const model = await createModel();
        const largest = Math.min(model.maxEmbeddingsPerCall, options.largestBatch ?? 256);
        const values = Array.from({ length: largest }, (_, index) => `chunk number ${index}`);
        const result = await model.doEmbed({ values });
        expect(result.embeddings).toHaveLength(largest);
        if (model.maxEmbeddingsPerCall <= (options.largestBatch ?? 256)) {
          const tooMany = Array.from(
            { length: model.maxEmbeddingsPerCall + 1 },
            (_, index) => `chunk number ${index}`,
          );
          const error = await captureRejection(() => model.doEmbed({ values: tooMany }));
          expect(isChurnError(error)).toBe(true);
          expect((error as { code: string }).code).toBe('validation_failed');
          expect((error as Error).message).toMatch(/maxEmbeddingsPerCall|at most|batch/i);
        }
      },
      timeout,
    );

    it(
      'honours an aborted signal with a ChurnError coded `aborted`',
      async () => {
        const model = await createModel();
        const controller = new AbortController();
        controller.abort();
        const error = await captureRejection(() =>
          model.doEmbed({ values: texts, abortSignal: controller.signal }),
        );
        expect(isChurnError(error)).toBe(true);
        expect((error as { code: string }).code).toBe('aborted');
      },
      timeout,
    );
  });
}
