import {
  createOfflineLanguageModel,
  type LanguageModelV1,
  type LanguageModelV1StreamPart,
} from '@churn/core';

/**
 * The offline language model (extractive answers with citations), re-emitted word by word
 * with a short pause between words, like a remote model: the widget really receives a stream.
 * `holdAfter(n)` makes the next answer stop after `n` words until `release()`, so a test can
 * break the connection in the middle of an answer.
 */
export function createPacedLanguageModel(options: { delayMs?: number } = {}) {
  const inner = createOfflineLanguageModel();
  const delayMs = options.delayMs ?? 15;
  let hold: { words: number; released: Promise<void> } | undefined;
  let releaseHeld: (() => void) | undefined;
  const model: LanguageModelV1 = {
    specificationVersion: 'v1',
    provider: 'e2e',
    modelId: 'paced-offline',
    doGenerate: (callOptions) => inner.doGenerate(callOptions),
    async doStream(callOptions) {
      const { stream } = await inner.doStream(callOptions);
      const parts: LanguageModelV1StreamPart[] = [];
      const reader = stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value.type === 'text-delta') {
          for (const word of value.delta.match(/\S+\s*|\s+/g) ?? []) {
            parts.push({ type: 'text-delta', delta: word });
          }
        } else parts.push(value);
      }
      const held = hold;
      hold = undefined;
      let index = 0;
      let words = 0;
      return {
        stream: new ReadableStream<LanguageModelV1StreamPart>(
          {
            async pull(controller) {
              const part = parts[index];
              index += 1;
              if (part === undefined) {
                controller.close();
                return;
              }
              if (part.type === 'text-delta') {
                words += 1;
                if (held && words === held.words + 1) await held.released;
                await new Promise((resolve) => setTimeout(resolve, delayMs));
              }
              controller.enqueue(part);
            },
          },
          { highWaterMark: 0 },
        ),
      };
    },
  };
  return {
    model,
    /** The next answer stops after `words` words until {@link release}. */
    holdAfter(words: number): void {
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      hold = { words, released };
      releaseHeld = release;
    },
    /** Lets a held answer go on. */
    release(): void {
      releaseHeld?.();
      releaseHeld = undefined;
    },
  };
}
