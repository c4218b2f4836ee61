import fc from 'fast-check';
import { encode } from 'gpt-tokenizer/encoding/cl100k_base';
import { describe, expect, it } from 'vitest';
import { ChurnError } from '../../errors/index.js';
import { chunkDocument, type TextChunk } from './chunk-document.js';

/** An independent count: the library's own encoder, special markers as text. */
function referenceCount(text: string): number {
  return encode(text, { disallowedSpecial: new Set() }).length;
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((word) => word.length > 0);
}

function newPart(chunk: TextChunk): string {
  return chunk.content.slice(chunk.overlapLength);
}

const word = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(
      'card',
      'invoice',
      'webhook',
      'the',
      'a',
      'retry',
      'Stripe',
      'déjà',
      '支付',
      '🙂',
    ),
  },
  {
    weight: 3,
    arbitrary: fc
      .string({ minLength: 1, maxLength: 12 })
      .map((value) => value.replace(/\s/g, '') || 'x'),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '<|endoftext|>',
      'https://example.com/a?b=c',
      '`code`',
      '**bold**',
      'end.',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.string({
      minLength: 1,
      maxLength: 400,
      unit: fc.constantFrom('a', 'b', '9', 'Z'),
    }),
  },
);
const sentence = fc.array(word, { minLength: 1, maxLength: 40 }).map((list) => list.join(' '));
const paragraph = fc
  .array(sentence, { minLength: 1, maxLength: 12 })
  .map((list) => list.join('. '));
const heading = fc
  .tuple(fc.integer({ min: 1, max: 6 }), sentence)
  .map(([depth, text]) => `${'#'.repeat(depth)} ${text}`);
const codeBlock = fc
  .array(sentence, { minLength: 1, maxLength: 30 })
  .map((lines) => `\`\`\`ts\n${lines.join('\n')}\n\`\`\``);
const table = fc
  .array(fc.tuple(word, word), { minLength: 1, maxLength: 20 })
  .map(
    (rows) =>
      `| key | value |\n| --- | --- |\n${rows.map(([a, b]) => `| ${a} | ${b} |`).join('\n')}`,
  );
const list = fc
  .array(sentence, { minLength: 1, maxLength: 10 })
  .map((items) => items.map((item) => `- ${item}`).join('\n'));
const markdownDocument = fc
  .array(fc.oneof(heading, paragraph, codeBlock, table, list), { maxLength: 25 })
  .chain((blocks) =>
    fc
      .array(fc.constantFrom('\n\n', '\n', '\n\n\n', '\r\n\r\n', ' \n \n'), {
        minLength: blocks.length,
        maxLength: blocks.length,
      })
      .map((gaps) => blocks.map((block, index) => block + (gaps[index] ?? '')).join('')),
  );
const anyDocument = fc.oneof(
  { weight: 4, arbitrary: markdownDocument },
  { weight: 1, arbitrary: fc.string({ maxLength: 3000 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 2000, unit: 'grapheme' }) },
);
const sizes = fc
  .integer({ min: 16, max: 300 })
  .chain((maxTokens) =>
    fc.tuple(fc.constant(maxTokens), fc.integer({ min: 0, max: Math.floor(maxTokens / 2) })),
  );

describe('chunkDocument', () => {
  it('keeps every chunk within maxTokens, except a single word bigger than a chunk', () => {
    fc.assert(
      fc.property(
        anyDocument,
        sizes,
        fc.boolean(),
        (content, [maxTokens, overlapTokens], plain) => {
          const { chunks } = chunkDocument({
            content,
            maxTokens,
            overlapTokens,
            format: plain ? 'text' : 'markdown',
          });
          for (const chunk of chunks) {
            if (chunk.tokenCount > maxTokens) {
              // The one allowed exception: an indivisible unit, i.e. one word, no overlap.
              expect(words(chunk.content)).toHaveLength(1);
              expect(chunk.overlapLength).toBe(0);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reconstructs every word of the document, in order, from the chunks without their overlap', () => {
    fc.assert(
      fc.property(
        anyDocument,
        sizes,
        fc.boolean(),
        (content, [maxTokens, overlapTokens], plain) => {
          const { chunks, text } = chunkDocument({
            content,
            maxTokens,
            overlapTokens,
            format: plain ? 'text' : 'markdown',
          });
          expect(chunks.flatMap((chunk) => words(newPart(chunk)))).toEqual(words(content));
          for (const chunk of chunks) {
            expect(newPart(chunk)).toBe(text.slice(chunk.start, chunk.end));
            // Never inside a word: boundaries sit at whitespace or the ends of the text.
            const contentStart = chunk.start - chunk.overlapLength;
            expect(contentStart === 0 || /\s/.test(text[contentStart - 1] ?? '')).toBe(true);
            expect(chunk.end === text.length || /\s/.test(text[chunk.end] ?? '')).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reports exact token counts, numbered from 0', () => {
    fc.assert(
      fc.property(anyDocument, sizes, (content, [maxTokens, overlapTokens]) => {
        const { chunks } = chunkDocument({ content, maxTokens, overlapTokens });
        chunks.forEach((chunk, index) => {
          expect(chunk.index).toBe(index);
          expect(chunk.tokenCount).toBe(referenceCount(chunk.content));
          expect(chunk.content.trim()).toBe(chunk.content);
          expect(chunk.content.length).toBeGreaterThan(0);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('repeats at most overlapTokens of the previous chunk, word-aligned', () => {
    fc.assert(
      fc.property(markdownDocument, sizes, (content, [maxTokens, overlapTokens]) => {
        const { chunks } = chunkDocument({ content, maxTokens, overlapTokens });
        for (const chunk of chunks) {
          if (chunk.overlapLength === 0) continue;
          const overlap = chunk.content.slice(0, chunk.overlapLength).trimEnd();
          expect(referenceCount(overlap)).toBeLessThanOrEqual(overlapTokens);
          const previous = chunks[chunk.index - 1];
          expect(previous).toBeDefined();
          expect(previous?.content.endsWith(overlap)).toBe(true);
          expect(previous?.headingPath).toEqual(chunk.headingPath);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('gives each chunk the heading path of its section', () => {
    const content = [
      '# Billing guide',
      'Intro to billing.',
      '## Cards',
      '### Expiring cards',
      'We email customers a month before a card expires.',
      '## Invoices',
      'Invoices are retried **four** times.',
      '# `Webhooks` *reference*',
      'Verify every signature.',
    ].join('\n\n');
    const { chunks, headings } = chunkDocument({ content });
    expect(chunks.map((chunk) => chunk.headingPath)).toEqual([
      ['Billing guide'],
      ['Billing guide', 'Cards', 'Expiring cards'],
      ['Billing guide', 'Invoices'],
      ['Webhooks reference'],
    ]);
    // The heading-only "Cards" section introduces the "Expiring cards" chunk.
    expect(chunks[1]?.content.startsWith('## Cards\n\n### Expiring cards')).toBe(true);
    expect(headings.map((entry) => entry.depth)).toEqual([1, 2, 3, 2, 1]);
  });

  it('keeps a code block and a table whole when they fit in one chunk', () => {
    const prose = 'Customers update the card in the chat. '.repeat(30);
    const code = `\`\`\`ts\n${Array.from({ length: 25 }, (_, line) => `const value${line} = await stripe.invoices.pay(invoiceId);`).join('\n')}\n\`\`\``;
    const tableText = `| code | meaning |\n| --- | --- |\n${Array.from({ length: 20 }, (_, row) => `| card_declined_${row} | The bank declined the card |`).join('\n')}`;
    const content = `# Recovery\n\n${prose}\n\n${code}\n\n${prose}\n\n${tableText}\n\n${prose}`;
    const { chunks } = chunkDocument({ content, maxTokens: 400, overlapTokens: 50 });
    expect(chunks.filter((chunk) => chunk.content.includes(code))).toHaveLength(1);
    expect(chunks.filter((chunk) => chunk.content.includes(tableText))).toHaveLength(1);
    for (const chunk of chunks) expect(chunk.tokenCount).toBeLessThanOrEqual(400);
  });

  it('splits a code block bigger than a chunk at line ends', () => {
    const lines = Array.from({ length: 200 }, (_, line) => `console.log("line ${line}");`);
    const content = `\`\`\`js\n${lines.join('\n')}\n\`\`\``;
    const { chunks } = chunkDocument({ content, maxTokens: 100, overlapTokens: 0 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk.tokenCount).toBeLessThanOrEqual(100);
      for (const line of chunk.content.split('\n')) {
        expect(line === '```js' || line === '```' || lines.includes(line)).toBe(true);
      }
    }
  });

  it('treats special-token markers as text and returns nothing for a blank document', () => {
    const { chunks } = chunkDocument({ content: 'Never send <|endoftext|> to the model.' });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.tokenCount).toBe(referenceCount('Never send <|endoftext|> to the model.'));
    expect(chunkDocument({ content: ' \n\n\t ' }).chunks).toEqual([]);
  });

  it('rejects wrong sizes with a validation error that names the setting', () => {
    expect(() => chunkDocument({ content: 'x', maxTokens: 8 })).toThrow(
      /maxTokens: must be at least 16/,
    );
    try {
      chunkDocument({ content: 'x', maxTokens: 100, overlapTokens: 80 });
      expect.unreachable();
    } catch (error) {
      expect(ChurnError.isInstance(error) && error.code).toBe('validation_failed');
      expect((error as Error).message).toContain(
        'overlapTokens: must be at most half of maxTokens (50)',
      );
    }
  });
});
