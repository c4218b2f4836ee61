import { describe, expect, it } from 'vitest';
import type { EmbeddingModelV1 } from '../../embedding-model/v1/index.js';
import { ChurnError } from '../../errors/churn-error.js';
import { createMemoryVectorStore } from '../../providers/memory/memory-vector-store.js';
import { createOfflineEmbeddingModel } from '../../providers/offline/offline-embedding-model.js';
import { createKnowledgeIndex } from './knowledge-index.js';
import { corpusChunks, corpusTenantId } from './retrieval-test-corpus.js';

/** The offline embedder, except that embedding a question fails with `error`. */
function embedderFailingQueries(error: Error): EmbeddingModelV1 {
  const inner = createOfflineEmbeddingModel();
  return {
    ...inner,
    doEmbed: async (options) => {
      if (options.purpose === 'query') throw error;
      return inner.doEmbed(options);
    },
  };
}

async function indexWith(embedder: EmbeddingModelV1, seen: unknown[]) {
  const knowledge = createKnowledgeIndex({
    embedder,
    vectorStore: createMemoryVectorStore({ dimensions: embedder.dimensions }),
    onVectorSearchError: (error) => seen.push(error),
  });
  await knowledge.index({ tenantId: corpusTenantId, chunks: corpusChunks() });
  return knowledge;
}

describe('retrieval when the vector side is down', () => {
  it.each([
    ['provider_error', 'The embedding service answered 500.'],
    ['timeout', 'The embedding service did not answer within 10000 ms.'],
    ['rate_limited', 'The embedding service answered 429.'],
  ] as const)('answers from keyword search alone on %s, and reports it', async (code, message) => {
    const seen: unknown[] = [];
    const outage = new ChurnError(code, message);
    const knowledge = await indexWith(embedderFailingQueries(outage), seen);
    const results = await knowledge.retrieve({
      tenantId: corpusTenantId,
      query: 'How can I change the credit card I pay with?',
    });
    expect(results[0]?.chunkId).toBe('cards-update');
    expect(results.every((result) => result.similarityScore === 0)).toBe(true);
    expect(results.every((result) => result.lexicalScore > 0)).toBe(true);
    expect(seen).toEqual([outage]);
  });

  it('still throws what is not an outage (a misconfiguration must be seen)', async () => {
    const seen: unknown[] = [];
    const misconfigured = new ChurnError('configuration', 'OPENAI_API_KEY is not set.');
    const knowledge = await indexWith(embedderFailingQueries(misconfigured), seen);
    await expect(
      knowledge.retrieve({ tenantId: corpusTenantId, query: 'How do I update my card?' }),
    ).rejects.toThrow(/OPENAI_API_KEY/);
    expect(seen).toEqual([]);
  });
});
