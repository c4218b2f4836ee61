import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChurnError } from '../../errors/churn-error.js';
import type { KnowledgeStoreV1, StoredChunk } from '../../knowledge-store/v1/index.js';
import { createMemoryVectorStore } from '../../providers/memory/memory-vector-store.js';
import { createOfflineEmbeddingModel } from '../../providers/offline/offline-embedding-model.js';
import { createKnowledgeIndex, type KnowledgeIndex } from './knowledge-index.js';
import { createLexicalIndex } from './lexical-index.js';
import { corpusChunks, corpusQuestions, corpusTenantId } from './retrieval-test-corpus.js';
import { defaultLexicalFeedback } from './retrieve.js';
import type { RetrievedChunk } from './retrieved-chunk.js';

const otherTenant = 'tenant-other';
const embedder = createOfflineEmbeddingModel();

/** The same corpus for a second tenant, with content that must never leak. */
function otherTenantChunks(): StoredChunk[] {
  return corpusChunks(otherTenant).map((chunk) => ({
    ...chunk,
    id: `other-${chunk.id}`,
    content: `${chunk.content} (tenant other: confidential)`,
  }));
}

/** A minimal knowledge store over a fixed list of chunks. */
function fakeKnowledgeStore(chunks: StoredChunk[]): KnowledgeStoreV1 {
  return {
    specificationVersion: 'v1',
    provider: 'test',
    listDocuments: async () => [],
    getDocument: async () => undefined,
    listChunks: async ({ tenantId }) => chunks.filter((chunk) => chunk.tenantId === tenantId),
    getChunks: async ({ tenantId, chunkIds }) =>
      chunks.filter((chunk) => chunk.tenantId === tenantId && chunkIds.includes(chunk.id)),
    replaceDocument: async () => {},
    deleteDocument: async () => {},
  };
}

function expectScoresFilled(results: RetrievedChunk[], topK: number): void {
  expect(results.length).toBeGreaterThan(0);
  expect(results.length).toBeLessThanOrEqual(topK);
  results.forEach((result, index) => {
    expect(result.rank).toBe(index + 1);
    expect(result.similarityScore).toBeGreaterThanOrEqual(-1);
    expect(result.similarityScore).toBeLessThanOrEqual(1);
    expect(result.lexicalScore).toBeGreaterThanOrEqual(0);
    expect(result.fusedScore).toBeGreaterThan(0);
    expect(result.similarityScore > 0 || result.lexicalScore > 0).toBe(true);
    expect(result.rerankScore).toBeGreaterThanOrEqual(0);
    expect(result.rerankScore).toBeLessThanOrEqual(1);
    if (index > 0)
      expect(results[index - 1]!.rerankScore).toBeGreaterThanOrEqual(result.rerankScore);
  });
}

describe('createKnowledgeIndex', () => {
  let knowledge: KnowledgeIndex;

  beforeAll(async () => {
    knowledge = createKnowledgeIndex({
      embedder,
      vectorStore: createMemoryVectorStore({ dimensions: embedder.dimensions }),
    });
    await knowledge.index({ tenantId: corpusTenantId, chunks: corpusChunks() });
    await knowledge.index({ tenantId: otherTenant, chunks: otherTenantChunks() });
  });

  it.each([
    ['How can I change the credit card I pay with?', 'cards-update'],
    ['how do I get rid of an old saved card', 'cards-remove'],
    ['My payment was declined, will you try again?', 'billing-failed-payment'],
    ['I want to stop my subscription', 'billing-cancel'],
    ['Where do I download a receipt?', 'billing-invoices'],
    ['How do I check that a webhook really came from you?', 'webhooks-signature'],
    ['What if my server is down when you send an event?', 'webhooks-retries'],
    ['I forgot my login password', 'account-password'],
    ['update my e-mail adress', 'account-email'],
    ['Do you store my full card number?', 'security-data'],
    ['paymnet failed retry', 'billing-failed-payment'],
  ])('answers "%s" with %s first', async (query, expected) => {
    const results = await knowledge.retrieve({ tenantId: corpusTenantId, query });
    expect(results[0]!.chunkId).toBe(expected);
    expectScoresFilled(results, 5);
  });

  it('finds the answer in the top 5 for at least 90% of the paraphrased questions', async () => {
    let found = 0;
    for (const { question, answer } of corpusQuestions) {
      const results = await knowledge.retrieve({ tenantId: corpusTenantId, query: question });
      if (results.some((result) => result.chunkId === answer)) found++;
    }
    expect(found / corpusQuestions.length).toBeGreaterThanOrEqual(0.9);
  });

  it('fuses by score with fusion "convex": each stage min-max normalised, then weighted', async () => {
    const query = 'How can I change the credit card I pay with?';
    const lexical = createLexicalIndex();
    lexical.add(corpusTenantId, corpusChunks());
    const convex = createKnowledgeIndex({
      embedder,
      vectorStore: knowledge.vectorStore,
      lexicalIndex: lexical,
      fusion: 'convex',
      vectorWeight: 0,
    });
    const results = await convex.retrieve({ tenantId: corpusTenantId, query, topK: 30 });
    expect(results.map((result) => result.rank)).toEqual(results.map((_, index) => index + 1));
    // With the vector weight 0 the fused score is the lexical stage's (BM25 with the
    // default pseudo-relevance feedback), scaled: best 1, the rest below.
    const best = lexical.search(corpusTenantId, query, {
      topK: 30,
      feedback: defaultLexicalFeedback,
    });
    const lowest = best.at(-1)!.score;
    for (const result of results) {
      const expected =
        result.lexicalScore > 0 ? (result.lexicalScore - lowest) / (best[0]!.score - lowest) : 0;
      expect(result.fusedScore).toBeCloseTo(expected, 10);
    }
    expect(results.find((result) => result.chunkId === best[0]!.id)!.fusedScore).toBe(1);
  });

  it('finds the answer in the top 5 for at least 90% of the questions with convex fusion too', async () => {
    let found = 0;
    for (const { question, answer } of corpusQuestions) {
      const results = await knowledge.retrieve({ tenantId: corpusTenantId, query: question });
      const convex = await createKnowledgeIndex({
        embedder,
        vectorStore: knowledge.vectorStore,
        lexicalIndex: knowledge.lexicalIndex,
        fusion: 'convex',
      }).retrieve({ tenantId: corpusTenantId, query: question });
      expect(results.length).toBe(convex.length);
      if (convex.some((result) => result.chunkId === answer)) found++;
    }
    expect(found / corpusQuestions.length).toBeGreaterThanOrEqual(0.9);
  });

  it.each([
    [{ fusion: 'sum' }, 'fusion'],
    [{ fusion: 'convex', vectorWeight: 1.5 }, 'vectorWeight'],
  ])('rejects the fusion settings %j, naming %s', async (settings, field) => {
    const index = createKnowledgeIndex({
      embedder,
      vectorStore: knowledge.vectorStore,
      lexicalIndex: knowledge.lexicalIndex,
      ...(settings as { fusion: 'convex' }),
    });
    const error = await index
      .retrieve({ tenantId: corpusTenantId, query: 'card' })
      .catch((caught: unknown) => caught);
    expect(ChurnError.isInstance(error) && error.code).toBe('validation_failed');
    expect((error as Error).message).toContain(field);
  });

  it('filters by doc type and category, as a string or a list', async () => {
    const webhooks = await knowledge.retrieve({
      tenantId: corpusTenantId,
      query: 'card declined',
      filter: { category: 'webhooks' },
    });
    expect(webhooks[0]!.chunkId).toBe('webhooks-events');
    expect(webhooks.every((result) => result.metadata.category === 'webhooks')).toBe(true);
    const faqs = await knowledge.retrieve({
      tenantId: corpusTenantId,
      query: 'change my email or password',
      filter: { docType: ['faq'], category: ['account', 'billing'] },
      topK: 10,
    });
    expect(faqs.length).toBeGreaterThan(0);
    for (const result of faqs) {
      expect(result.metadata.docType).toBe('faq');
      expect(['account', 'billing']).toContain(result.metadata.category);
    }
    const none = await knowledge.retrieve({
      tenantId: corpusTenantId,
      query: 'card',
      filter: { docType: 'video' },
    });
    expect(none).toEqual([]);
  });

  it('never returns another tenant’s chunks', async () => {
    for (const { question } of corpusQuestions) {
      const results = await knowledge.retrieve({
        tenantId: corpusTenantId,
        query: question,
        topK: 10,
      });
      for (const result of results) {
        expect(result.metadata.tenantId).toBe(corpusTenantId);
        expect(result.content).not.toContain('confidential');
      }
      const other = await knowledge.retrieve({ tenantId: otherTenant, query: question, topK: 10 });
      expect(other.every((result) => result.chunkId.startsWith('other-'))).toBe(true);
    }
    expect(await knowledge.retrieve({ tenantId: 'tenant-unknown', query: 'card' })).toEqual([]);
  });

  it('refuses to index a chunk of another tenant', async () => {
    const error = await knowledge
      .index({ tenantId: corpusTenantId, chunks: otherTenantChunks().slice(0, 1) })
      .catch((caught: unknown) => caught);
    expect(ChurnError.isInstance(error) && error.code).toBe('validation_failed');
  });

  it('rejects an empty question with a ValidationError', async () => {
    const error = await knowledge
      .retrieve({ tenantId: corpusTenantId, query: '   ' })
      .catch((caught: unknown) => caught);
    expect(ChurnError.isInstance(error) && error.code).toBe('validation_failed');
    expect((error as Error).message).toContain('query');
  });

  it('honours an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await knowledge
      .retrieve({ tenantId: corpusTenantId, query: 'card', abortSignal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(ChurnError.isInstance(error) && error.code).toBe('aborted');
  });

  it('keeps both indexes in step when a document is replaced or removed', async () => {
    const local = createKnowledgeIndex({
      embedder,
      vectorStore: createMemoryVectorStore({ dimensions: embedder.dimensions }),
    });
    await local.index({ tenantId: corpusTenantId, chunks: corpusChunks() });
    await local.removeDocument({ tenantId: corpusTenantId, documentId: 'webhooks' });
    const afterRemove = await local.retrieve({
      tenantId: corpusTenantId,
      query: 'webhook signature endpoint secret',
      topK: 10,
    });
    expect(afterRemove.every((result) => result.documentId !== 'webhooks')).toBe(true);
    expect(local.lexicalIndex.size(corpusTenantId)).toBe(18);

    const [first] = corpusChunks().filter((chunk) => chunk.documentId === 'webhooks');
    await local.replaceDocument({
      tenantId: corpusTenantId,
      documentId: 'webhooks',
      chunks: [
        { ...first!, id: 'webhooks-v2', content: 'Webhooks are signed with Ed25519 keys now.' },
      ],
    });
    const afterReplace = await local.retrieve({
      tenantId: corpusTenantId,
      query: 'how are webhooks signed',
    });
    expect(afterReplace[0]!.chunkId).toBe('webhooks-v2');
    expect(local.lexicalIndex.size(corpusTenantId)).toBe(19);
  });

  it('rebuilds from the knowledge store, and reads chunks the lexical index lacks from it', async () => {
    const { embeddings } = await embedder.doEmbed({
      values: corpusChunks().map((chunk) => chunk.content),
    });
    const stored = corpusChunks().map((chunk, index) => ({
      ...chunk,
      embedding: embeddings[index]!,
    }));
    const knowledgeStore = fakeKnowledgeStore([...stored, ...otherTenantChunks()]);
    const rebuilt = createKnowledgeIndex({
      embedder,
      vectorStore: createMemoryVectorStore({ dimensions: embedder.dimensions }),
      knowledgeStore,
    });
    expect(await rebuilt.loadFromKnowledgeStore({ tenantId: corpusTenantId })).toEqual({
      chunks: 22,
    });
    const results = await rebuilt.retrieve({
      tenantId: corpusTenantId,
      query: 'update the card on file',
    });
    expect(results[0]!.chunkId).toBe('cards-update');

    // A vector store that persists by itself (like Pinecone) with an empty lexical index.
    rebuilt.lexicalIndex.clear(corpusTenantId);
    const vectorOnly = await rebuilt.retrieve({
      tenantId: corpusTenantId,
      query: 'update the card on file',
    });
    expect(vectorOnly[0]!.chunkId).toBe('cards-update');
    expect(
      vectorOnly.every((result) => result.lexicalScore === 0 && result.similarityScore > 0),
    ).toBe(true);
  });

  it('rejects an embedder and a store of different dimensions', () => {
    expect(() =>
      createKnowledgeIndex({ embedder, vectorStore: createMemoryVectorStore({ dimensions: 8 }) }),
    ).toThrow(/1536/);
  });

  it('returns well-formed, single-tenant results for any question (property)', async () => {
    const lexicalIndex = createLexicalIndex();
    const small = createKnowledgeIndex({
      embedder: createOfflineEmbeddingModel({ dimensions: 256 }),
      vectorStore: createMemoryVectorStore({ dimensions: 256 }),
      lexicalIndex,
    });
    await small.index({ tenantId: corpusTenantId, chunks: corpusChunks() });
    await small.index({ tenantId: otherTenant, chunks: otherTenantChunks() });
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 120 }).filter((query) => query.trim().length > 0),
        fc.integer({ min: 1, max: 12 }),
        async (query, topK) => {
          const results = await small.retrieve({ tenantId: corpusTenantId, query, topK });
          expect(results.length).toBeLessThanOrEqual(topK);
          results.forEach((result, index) => {
            expect(result.rank).toBe(index + 1);
            expect(result.metadata.tenantId).toBe(corpusTenantId);
            expect(result.rerankScore).toBeGreaterThanOrEqual(0);
            expect(result.rerankScore).toBeLessThanOrEqual(1);
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});
