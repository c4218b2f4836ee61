import { describe, expect, it } from 'vitest';
import { ChurnError } from '../../errors/index.js';
import type {
  LanguageModelV1,
  LanguageModelV1CallOptions,
  LanguageModelV1StreamPart,
} from '../../language-model/v1/index.js';
import type { RetrievedChunk } from '../retrieval/index.js';
import type { AnswerStreamPart } from './answer-stream-part.js';
import { parseGroundedPrompt } from './grounded-prompt.js';
import { emptyRetrievalAnswer, lowConfidenceNote, streamAnswer } from './stream-answer.js';

function chunk(
  chunkId: string,
  content: string,
  rank: number,
  rerankScore: number,
): RetrievedChunk {
  return {
    chunkId,
    documentId: `doc-${chunkId}`,
    content,
    similarityScore: 0.6,
    lexicalScore: 4,
    fusedScore: 0.03,
    rerankScore,
    rank,
    metadata: {
      tenantId: 'tenant-a',
      documentId: `doc-${chunkId}`,
      sourceUrl: `https://help.example.com/${chunkId}`,
      title: `Title ${chunkId}`,
      docType: 'support',
      category: 'billing',
      headingPath: [],
      index: 0,
    },
  };
}

const chunks = [
  chunk(
    'card',
    'To replace the card, open Settings, then Billing, and choose Replace card.',
    1,
    0.85,
  ),
  chunk('retry', 'Failed payments are retried three times over seven days.', 2, 0.4),
];

/** A scripted model: streams the given deltas, records its calls. */
function scriptedModel(
  deltas: string[],
  options: { fail?: 'throw' | 'part' } = {},
): LanguageModelV1 & { calls: LanguageModelV1CallOptions[] } {
  const calls: LanguageModelV1CallOptions[] = [];
  return {
    specificationVersion: 'v1',
    provider: 'scripted',
    modelId: 'scripted-1',
    calls,
    async doGenerate() {
      throw new Error('not used');
    },
    async doStream(callOptions) {
      calls.push(callOptions);
      if (options.fail === 'throw') throw new Error('upstream 500');
      const parts: LanguageModelV1StreamPart[] = deltas.map((delta) => ({
        type: 'text-delta',
        delta,
      }));
      parts.push(
        options.fail === 'part'
          ? { type: 'error', error: new Error('stream broke') }
          : { type: 'finish', finishReason: 'stop', usage: { inputTokens: 10, outputTokens: 5 } },
      );
      return {
        stream: new ReadableStream({
          pull(controller) {
            const next = parts.shift();
            if (next) controller.enqueue(next);
            else controller.close();
          },
        }),
      };
    },
  };
}

async function readAll(stream: ReadableStream<AnswerStreamPart>): Promise<AnswerStreamPart[]> {
  const parts: AnswerStreamPart[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return parts;
    parts.push(value);
  }
}

describe('streamAnswer', () => {
  it('streams text, a source per cited marker (split across deltas), then confidence and finish', async () => {
    const model = scriptedModel([
      'Open Settings, then Billing, and choose ',
      'Replace card [',
      '1]. Payments are retried three times over seven days [2][9].',
    ]);
    const { stream, result } = streamAnswer({
      question: 'How do I replace my card?',
      chunks: [chunks[1]!, chunks[0]!],
      languageModel: model,
    });
    const parts = await readAll(stream);
    expect(parts.map((part) => part.type)).toEqual([
      'text-delta',
      'text-delta',
      'text-delta',
      'source',
      'source',
      'confidence',
      'finish',
    ]);
    expect(parts[3]).toEqual({
      type: 'source',
      citation: 1,
      sourceUrl: 'https://help.example.com/card',
      title: 'Title card',
      chunkId: 'card',
      documentId: 'doc-card',
    });
    const final = await result;
    expect(final.text).toBe(
      'Open Settings, then Billing, and choose Replace card [1]. Payments are retried three times over seven days [2][9].',
    );
    expect(final.citations.map((citation) => citation.chunkId)).toEqual(['card', 'retry']);
    expect(final.confidenceSignals.citations).toBe(0.5);
    expect(final.confidence).toBeGreaterThan(0.35);
    expect(final.escalate).toBeUndefined();
    expect(final.retrievals).toEqual([
      { chunkId: 'card', similarityScore: 0.6, rerankScore: 0.85, rankPosition: 1 },
      { chunkId: 'retry', similarityScore: 0.6, rerankScore: 0.4, rankPosition: 2 },
    ]);
    expect(final.usage).toEqual({ inputTokens: 10, outputTokens: 5 });

    // The prompt numbers the chunks in rank order.
    const prompt = parseGroundedPrompt(model.calls[0]!.prompt)!;
    expect(prompt.question).toBe('How do I replace my card?');
    expect(prompt.sources.map((source) => source.url)).toEqual([
      'https://help.example.com/card',
      'https://help.example.com/retry',
    ]);
    expect(model.calls[0]!.temperature).toBe(0);
  });

  it('answers an empty retrieval without calling the model, with low confidence and escalation', async () => {
    const model = scriptedModel(['never']);
    const { stream, result } = streamAnswer({
      question: 'Bitcoin?',
      chunks: [],
      languageModel: model,
    });
    const parts = await readAll(stream);
    expect(model.calls).toHaveLength(0);
    expect(parts).toContainEqual({ type: 'text-delta', delta: emptyRetrievalAnswer });
    expect(parts).toContainEqual({
      type: 'escalation-suggested',
      reason: 'low_confidence',
      confidence: 0,
    });
    const final = await result;
    expect(final).toMatchObject({ confidence: 0, escalate: { reason: 'low_confidence' } });
    expect(final.text).toContain("I couldn't find this in the docs");
  });

  it('says plainly it is not sure below the threshold and suggests escalation', async () => {
    const model = scriptedModel(['Probably you can pay with bitcoin, I think.']);
    const { stream, result } = streamAnswer({
      question: 'Can I pay with bitcoin?',
      chunks,
      languageModel: model,
    });
    const parts = await readAll(stream);
    const final = await result;
    expect(final.confidence).toBeLessThan(0.35);
    expect(final.text.endsWith(lowConfidenceNote)).toBe(true);
    expect(parts.filter((part) => part.type === 'escalation-suggested')).toHaveLength(1);
    expect(parts.at(-1)?.type).toBe('finish');
  });

  it('does not add the note when the model already said the docs do not answer', async () => {
    const { result } = streamAnswer({
      question: 'Can I pay with bitcoin?',
      chunks,
      languageModel: scriptedModel(["I couldn't find this in the docs."]),
    });
    const final = await result;
    expect(final.text).toBe("I couldn't find this in the docs.");
    expect(final.escalate).toEqual({ reason: 'low_confidence' });
  });

  it('holds a low-confidence guess back when asked, and streams only the plain answer', async () => {
    const { stream, result } = streamAnswer({
      question: 'Can I pay with bitcoin?',
      chunks,
      languageModel: scriptedModel(['Probably yes, I think.']),
      holdUntilConfident: true,
    });
    const parts = await readAll(stream);
    const text = parts
      .filter((part) => part.type === 'text-delta')
      .map((part) => part.delta)
      .join('');
    expect(text).not.toContain('Probably');
    expect(text).toContain("I'm not sure");
    expect((await result).citations.map((citation) => citation.chunkId)).toEqual(['card']);
  });

  it('streams a confident answer unchanged in hold mode', async () => {
    const answer = 'Open Settings, then Billing, and choose Replace card [1].';
    const { result } = streamAnswer({
      question: 'How do I replace my card?',
      chunks,
      languageModel: scriptedModel([answer]),
      holdUntilConfident: true,
    });
    expect((await result).text).toBe(answer);
  });

  it.each(['throw', 'part'] as const)(
    'ends with an error part and rejects when the model fails (%s)',
    async (fail) => {
      const { stream, result } = streamAnswer({
        question: 'How do I replace my card?',
        chunks,
        languageModel: scriptedModel(['Open'], { fail }),
      });
      const parts = await readAll(stream);
      const last = parts.at(-1);
      expect(last?.type).toBe('error');
      const error = await result.catch((caught: unknown) => caught);
      expect(ChurnError.isInstance(error)).toBe(true);
      expect((error as ChurnError).code).toBe('provider_error');
      expect((error as ChurnError).message).toContain('scripted/scripted-1');
    },
  );

  it('reports an abort as an aborted error', async () => {
    const controller = new AbortController();
    controller.abort();
    const { result } = streamAnswer({
      question: 'How do I replace my card?',
      chunks,
      languageModel: scriptedModel(['Open']),
      signal: controller.signal,
    });
    const error = await result.catch((caught: unknown) => caught);
    expect((error as ChurnError).code).toBe('aborted');
  });

  it('rejects an empty question and a threshold outside [0, 1] at once', () => {
    const languageModel = scriptedModel([]);
    expect(() => streamAnswer({ question: '  ', chunks, languageModel })).toThrow(/question/);
    expect(() => streamAnswer({ question: 'Hi?', chunks, languageModel, threshold: 2 })).toThrow(
      /threshold/,
    );
  });
});
