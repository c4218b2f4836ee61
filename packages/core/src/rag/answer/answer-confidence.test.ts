import { describe, expect, it } from 'vitest';
import type { RetrievedChunk } from '../retrieval/index.js';
import {
  answerConfidenceWeights,
  answerSignals,
  computeAnswerConfidence,
  isNotFoundAnswer,
  notFoundConfidenceCap,
  retrievalSignals,
} from './answer-confidence.js';

function chunk(overrides: Partial<RetrievedChunk> & { chunkId: string }): RetrievedChunk {
  return {
    documentId: overrides.chunkId,
    content: '',
    similarityScore: 0,
    lexicalScore: 0,
    fusedScore: 0,
    rerankScore: 0,
    rank: 1,
    ...overrides,
    metadata: {
      tenantId: 'tenant-a',
      documentId: overrides.chunkId,
      sourceUrl: `https://help.example.com/${overrides.chunkId}`,
      title: overrides.chunkId,
      docType: 'support',
      category: 'billing',
      headingPath: [],
      index: 0,
    },
  };
}

const cardChunk = chunk({
  chunkId: 'card',
  content: 'To replace the card, open Settings, then Billing, and choose Replace card.',
  rerankScore: 0.8,
  similarityScore: 0.7,
  lexicalScore: 6,
  rank: 1,
});
const refundChunk = chunk({
  chunkId: 'refund',
  content: 'Refunds appear within 5 to 10 business days.',
  rerankScore: 0.3,
  similarityScore: 0.2,
  lexicalScore: 1,
  rank: 2,
});

describe('answer confidence', () => {
  it('has weights that sum to 1 within each half', () => {
    for (const half of Object.values(answerConfidenceWeights)) {
      const sum = Object.values(half).reduce((total: number, weight: number) => total + weight, 0);
      expect(sum).toBeCloseTo(1, 10);
    }
  });

  it('computes the retrieval signals by hand', () => {
    // top 0.8; margin (0.8 - 0.3) / 0.25 capped at 1; both rankings hold the
    // same two chunks: 2 shared / min(3, 2); support: only 0.8 ≥ max(0.2, 0.4).
    expect(retrievalSignals([refundChunk, cardChunk])).toEqual({
      top: 0.8,
      margin: 1,
      agreement: 1,
      support: 1 / 3,
    });
    const lexicalOnly = chunk({ chunkId: 'x', lexicalScore: 3, rerankScore: 0.5, rank: 2 });
    expect(retrievalSignals([cardChunk, lexicalOnly]).agreement).toBe(0.5);
  });

  it('computes the answer signals by hand', () => {
    const sources = [cardChunk, refundChunk];
    expect(
      answerSignals(
        'Open Settings, then Billing, and choose Replace card [1].',
        sources,
        'How do I replace my card?',
      ),
    ).toEqual({ citations: 1, grounding: 1, coverage: 1, hedging: 0, notFound: false });
    // A sentence borrows the marker of the next sentence of its paragraph.
    expect(
      answerSignals('Open Settings and then Billing. Choose Replace card there [1].', sources)
        .grounding,
    ).toBe(1);
    // An unsupported sentence (not in the cited chunk) halves grounding; [7] is invalid.
    const mixed = answerSignals(
      'Open Settings, then Billing, and choose Replace card [1]. Bitcoin payments arrive tomorrow morning [7].',
      sources,
    );
    expect(mixed.citations).toBe(0.5);
    expect(mixed.grounding).toBe(0.5);
    expect(answerSignals('I think it is probably Settings.', sources)).toMatchObject({
      citations: 0,
      grounding: 0,
      hedging: 1,
    });
  });

  it('combines the signals with the documented weights', () => {
    const { confidence, signals } = computeAnswerConfidence({
      question: 'How do I replace my card?',
      chunks: [cardChunk, refundChunk],
      sources: [cardChunk, refundChunk],
      text: 'Open Settings, then Billing, and choose Replace card [1].',
    });
    // retrieval = 0.5·0.8 + 0.1·1 + 0.2·1 + 0.2·(1/3) = 0.7667; answer = 1.
    expect(signals.top).toBe(0.8);
    expect(confidence).toBeCloseTo(0.767, 3);
    const guess = computeAnswerConfidence({
      question: 'Can I pay with bitcoin?',
      chunks: [cardChunk, refundChunk],
      sources: [cardChunk, refundChunk],
      text: 'Yes, bitcoin works fine for paying.',
    });
    // No citation, unsupported, nothing of the question in cited chunks, no hedge:
    // answer = 0.2, so confidence = 0.7667 × 0.2.
    expect(guess.answer).toBe(0.2);
    expect(guess.confidence).toBeCloseTo(0.153, 3);
  });

  it('caps a "not found" answer and gives 0 without chunks', () => {
    const notFound = computeAnswerConfidence({
      question: 'Can I pay with bitcoin?',
      chunks: [cardChunk],
      sources: [cardChunk],
      text: "I couldn't find this in the docs.",
    });
    expect(notFound.signals.notFound).toBe(true);
    expect(notFound.confidence).toBeLessThanOrEqual(notFoundConfidenceCap);
    expect(
      computeAnswerConfidence({ question: 'x', chunks: [], sources: [], text: 'Anything [1].' })
        .confidence,
    ).toBe(0);
  });

  it('recognises the usual ways of saying the docs do not answer', () => {
    expect(isNotFoundAnswer("I couldn't find this in the docs.")).toBe(true);
    expect(isNotFoundAnswer('I could not find any information about that.')).toBe(true);
    expect(isNotFoundAnswer('The sources do not mention bitcoin.')).toBe(true);
    expect(isNotFoundAnswer('Open Settings to find your invoices [1].')).toBe(false);
  });
});
