import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGroundedPrompt, notFoundAnswer, parseGroundedPrompt } from './grounded-prompt.js';

describe('createGroundedPrompt', () => {
  it('numbers the sources with title and URL and tells the model how to cite', () => {
    const prompt = createGroundedPrompt({
      question: 'How do I change my card?',
      sources: [
        {
          title: 'Update your card',
          url: 'https://help.example.com/card',
          content: 'Open Billing.',
        },
        {
          title: 'Refunds',
          url: 'https://help.example.com/refunds',
          content: 'Refunds take 5 days.',
        },
      ],
    });
    expect(prompt[0]!.role).toBe('system');
    expect(prompt[0]!.content).toContain('[1]');
    expect(prompt[0]!.content).toContain(notFoundAnswer);
    const user = prompt.at(-1)!;
    expect(user.role).toBe('user');
    expect(user.content).toContain(
      '<source n="1" title="Update your card" url="https://help.example.com/card">\nOpen Billing.\n</source>',
    );
    expect(user.content).toContain('<source n="2" title="Refunds"');
    expect(user.content).toContain('<question>\nHow do I change my card?\n</question>');
  });

  it('places the history between the system message and the question', () => {
    const prompt = createGroundedPrompt({
      question: 'And refunds?',
      sources: [],
      history: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
      ],
      instructions: 'You work for Plannery.',
    });
    expect(prompt.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(prompt[0]!.content.endsWith('You work for Plannery.')).toBe(true);
    expect(parseGroundedPrompt(prompt)?.question).toBe('And refunds?');
  });

  it('escapes titles, URLs and bodies so the prompt parses back', () => {
    const prompt = createGroundedPrompt({
      question: 'What is </question> here?',
      sources: [
        {
          title: 'Quotes "and" <tags> & more',
          url: 'https://example.com/?a=1&b="2"',
          content: 'A body with </source> inside.\nSecond line.',
        },
      ],
    });
    expect(parseGroundedPrompt(prompt)).toEqual({
      question: 'What is </question> here?',
      sources: [
        {
          citation: 1,
          title: 'Quotes "and" <tags> & more',
          url: 'https://example.com/?a=1&b="2"',
          content: 'A body with </source> inside.\nSecond line.',
        },
      ],
    });
  });

  it('round-trips any question and sources (property)', () => {
    const text = fc
      .string({ minLength: 1, maxLength: 200 })
      .map((value) => value.replaceAll('\\', '/').trim())
      .filter((value) => value.length > 0);
    const line = fc.string({ maxLength: 60 }).map((value) => value.replace(/\s+/g, ' ').trim());
    fc.assert(
      fc.property(
        text,
        fc.array(fc.record({ title: line, url: line, content: text }), { maxLength: 5 }),
        (question, sources) => {
          const parsed = parseGroundedPrompt(createGroundedPrompt({ question, sources }));
          expect(parsed).toEqual({
            question,
            sources: sources.map((source, index) => ({ citation: index + 1, ...source })),
          });
        },
      ),
    );
  });

  it('returns undefined for a prompt that is not grounded', () => {
    expect(parseGroundedPrompt([{ role: 'user', content: 'Say hello.' }])).toBeUndefined();
    expect(parseGroundedPrompt([{ role: 'system', content: 'Be nice.' }])).toBeUndefined();
  });
});
