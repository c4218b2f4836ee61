import {
  describeEmbeddingModelConformance,
  describeRerankerConformance,
} from '@churn/testing/conformance';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChurnError } from '../../errors/churn-error.js';
import { createOfflineEmbeddingModel } from './offline-embedding-model.js';
import { createOfflineReranker } from './offline-reranker.js';

describeEmbeddingModelConformance('offline (1536)', () => createOfflineEmbeddingModel(), {
  expectedDimensions: 1536,
  largestBatch: 4096,
});
describeEmbeddingModelConformance(
  'offline (64, small batches)',
  () => createOfflineEmbeddingModel({ dimensions: 64, maxEmbeddingsPerCall: 8 }),
  { expectedDimensions: 64 },
);
describeRerankerConformance('offline', () => createOfflineReranker());

const dot = (left: number[], right: number[]) =>
  left.reduce((sum, value, index) => sum + value * right[index]!, 0);

async function embed(text: string): Promise<number[]> {
  const model = createOfflineEmbeddingModel();
  const { embeddings } = await model.doEmbed({ values: [text] });
  return embeddings[0]!;
}

describe('createOfflineEmbeddingModel', () => {
  it('is robust to typos, inflections and synonyms', async () => {
    const reference = await embed('How do I update my credit card?');
    const typo = await embed('How do I updte my creditt card?');
    const inflected = await embed('updating credit cards');
    const synonym = await embed('change my card');
    const unrelated = await embed('Webhook signatures use your endpoint secret');
    for (const near of [typo, inflected, synonym]) {
      expect(dot(reference, near)).toBeGreaterThan(dot(reference, unrelated) + 0.2);
    }
  });

  it('embeds an empty or stop-word-only text as a unit vector', async () => {
    for (const text of ['', '   ', 'the of and']) {
      const vector = await embed(text);
      expect(Math.sqrt(dot(vector, vector))).toBeCloseTo(1, 6);
    }
  });

  it('rejects bad settings and bad values with a ValidationError', async () => {
    expect(() => createOfflineEmbeddingModel({ dimensions: 0 })).toThrow(/dimensions/);
    const model = createOfflineEmbeddingModel({ dimensions: 8 });
    const error = await model
      .doEmbed({ values: ['ok', 3 as unknown as string] })
      .catch((caught: unknown) => caught);
    expect(ChurnError.isInstance(error) && error.code).toBe('validation_failed');
  });

  it('returns unit, finite, deterministic vectors for any text (property)', async () => {
    const model = createOfflineEmbeddingModel({ dimensions: 128 });
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 200 }), async (text) => {
        const first = await model.doEmbed({ values: [text] });
        const second = await model.doEmbed({ values: [text] });
        const vector = first.embeddings[0]!;
        expect(vector).toHaveLength(128);
        expect(vector.every(Number.isFinite)).toBe(true);
        expect(Math.abs(Math.sqrt(dot(vector, vector)) - 1)).toBeLessThan(1e-9);
        expect(second.embeddings[0]).toEqual(vector);
      }),
      { numRuns: 200 },
    );
  });
});
