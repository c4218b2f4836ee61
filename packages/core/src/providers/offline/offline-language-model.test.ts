import { describeLanguageModelConformance } from '@churn/testing/conformance';
import { describe, expect, it } from 'vitest';
import { ChurnError } from '../../errors/index.js';
import type {
  LanguageModelV1,
  LanguageModelV1CallOptions,
  LanguageModelV1StreamPart,
} from '../../language-model/v1/index.js';
import { createGroundedPrompt, notFoundAnswer } from '../../rag/answer/grounded-prompt.js';
import { createOfflineLanguageModel, offlineUngroundedAnswer } from './offline-language-model.js';

const sources = [
  {
    title: 'Update your credit card',
    url: 'https://help.example.com/update-card',
    content: [
      '# Update your credit card',
      '',
      'You can replace the card we charge at any time.',
      '',
      '1. Open **Settings > Billing > Payment method**.',
      '2. Choose **Replace card** and enter the new card details.',
      '',
      'If an invoice is unpaid because the old card failed, saving a new card immediately retries that invoice.',
    ].join('\n'),
  },
  {
    title: 'Failed payments and retries',
    url: 'https://help.example.com/failed-payments',
    content:
      'When a charge fails, the invoice stays open. We retry the charge three more times: 3 days, 5 days and 7 days after the first failure. There are no late fees.',
  },
];

function prompt(question: string): LanguageModelV1CallOptions {
  return { prompt: createGroundedPrompt({ question, sources }) };
}

async function streamParts(
  model: LanguageModelV1,
  options: LanguageModelV1CallOptions,
): Promise<LanguageModelV1StreamPart[]> {
  const { stream } = await model.doStream(options);
  const parts: LanguageModelV1StreamPart[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return parts;
    parts.push(value);
  }
}

describe('createOfflineLanguageModel', () => {
  const model = createOfflineLanguageModel();

  it('implements the v1 contract', () => {
    expect(model).toMatchObject({ specificationVersion: 'v1', provider: 'offline' });
    expect(model.modelId).toBeTruthy();
  });

  it('answers from the best sentences with their citations', async () => {
    const result = await model.doGenerate(prompt('When will you retry my failed payment?'));
    expect(result.text).toContain('3 days, 5 days and 7 days after the first failure');
    expect(result.text).toMatch(/\[2\]/);
    expect(result.finishReason).toBe('stop');
    expect(result.toolCalls).toEqual([]);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
  });

  it('matches synonyms of the offline retrieval and strips Markdown', async () => {
    const result = await model.doGenerate(prompt('How do I swap my card for a new one?'));
    expect(result.text).toMatch(/\[1\]/);
    expect(result.text).not.toContain('**');
  });

  it('writes one to four sentences, each followed by a valid citation', async () => {
    for (const question of [
      'How do I replace my card?',
      'Are there late fees when a charge fails?',
      'What happens to an unpaid invoice after I save a new card?',
    ]) {
      const { text } = await model.doGenerate(prompt(question));
      const sentences = text.split(/(?<=\]) /);
      expect(sentences.length).toBeGreaterThanOrEqual(1);
      expect(sentences.length).toBeLessThanOrEqual(4);
      for (const sentence of sentences) expect(sentence).toMatch(/ \[[12]\]$/);
    }
  });

  it('says so when no source supports the question', async () => {
    const result = await model.doGenerate(prompt('Can I pay with bitcoin?'));
    expect(result.text).toBe(notFoundAnswer);
  });

  it('streams the same text in word groups, then one finish', async () => {
    const options = prompt('When will you retry my failed payment?');
    const parts = await streamParts(model, options);
    const deltas = parts.filter((part) => part.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.map((part) => part.delta).join('')).toBe((await model.doGenerate(options)).text);
    expect(parts.filter((part) => part.type === 'finish')).toHaveLength(1);
    expect(parts.at(-1)?.type).toBe('finish');
  });

  it('is deterministic', async () => {
    const options = prompt('How do I replace my card?');
    const first = await streamParts(model, options);
    const second = await streamParts(createOfflineLanguageModel(), options);
    expect(second).toEqual(first);
  });

  it('answers a prompt without sources with a fixed sentence', async () => {
    const result = await model.doGenerate({ prompt: [{ role: 'user', content: 'Say hello.' }] });
    expect(result.text).toBe(offlineUngroundedAnswer);
  });

  it('answers in text even when tools are offered', async () => {
    const result = await model.doGenerate({
      ...prompt('How do I replace my card?'),
      tools: [{ name: 'lookup', description: 'Looks up', parameters: { type: 'object' } }],
      toolChoice: 'required',
    });
    expect(result.toolCalls).toEqual([]);
    expect(result.finishReason).toBe('stop');
    expect(result.text).toMatch(/\[1\]/);
  });

  it('stops at maxOutputTokens with finish reason length', async () => {
    const result = await model.doGenerate({
      ...prompt('When will you retry my failed payment?'),
      maxOutputTokens: 4,
    });
    expect(result.finishReason).toBe('length');
    expect(result.text.split(' ')).toHaveLength(3);
  });

  it('rejects an aborted call and ends an aborted stream with an error part', async () => {
    const aborted = new AbortController();
    aborted.abort();
    const error = await model
      .doGenerate({ ...prompt('x'), abortSignal: aborted.signal })
      .catch((caught: unknown) => caught);
    expect(ChurnError.isInstance(error) && error.code).toBe('aborted');

    const controller = new AbortController();
    const { stream } = await model.doStream({
      ...prompt('When will you retry my failed payment?'),
      abortSignal: controller.signal,
    });
    const reader = stream.getReader();
    const first = await reader.read();
    expect(first.value?.type).toBe('text-delta');
    controller.abort();
    const second = await reader.read();
    expect(second.value?.type).toBe('error');
    expect((await reader.read()).done).toBe(true);
  });
});

describeLanguageModelConformance('offline', () => createOfflineLanguageModel(), {
  deterministic: true,
  // A grounded prompt, so the answer is several word groups long (for the abort check).
  longPrompt: createGroundedPrompt({
    question: 'When will you retry my failed payment, and are there late fees?',
    sources,
  }),
});
