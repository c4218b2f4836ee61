import type { LanguageModelV1Message } from '../../language-model/v1/index.js';

/**
 * Version of the grounded prompt format. The offline language model reads
 * prompts in this format back; change both together and bump the version.
 */
export const groundedPromptVersion = 1;

/**
 * The exact sentence the model is told to answer when the sources do not
 * contain the answer. The answer step recognises it (and close variants) as a
 * "not found" answer: low confidence, escalation suggested.
 */
export const notFoundAnswer = "I couldn't find this in the docs.";

/** One numbered source of a grounded prompt. */
export interface GroundedPromptSource {
  /** The number the model cites as `[n]`, from 1. */
  citation: number;
  title: string;
  url: string;
  content: string;
}

/** What {@link createGroundedPrompt} needs. */
export interface CreateGroundedPromptOptions {
  question: string;
  /** Sources in citation order: the first is `[1]`. */
  sources: { title: string; url: string; content: string }[];
  /** Earlier turns of the conversation, oldest first, placed before the question. */
  history?: LanguageModelV1Message[];
  /** Extra instructions appended to the system message (tone, product name). */
  instructions?: string;
}

/** The system message of every grounded prompt (format version 1). */
export const groundedSystemPrompt = [
  'You are a support assistant. Answer the customer question using only the numbered sources in the <sources> block of the last user message.',
  'Cite every statement with the number of its source in square brackets, like [1] or [2][3], right after the sentence it supports.',
  'Never cite a number that is not in the sources. Do not use outside knowledge and do not guess.',
  `If the sources do not contain the answer, reply with exactly: ${notFoundAnswer}`,
  'Keep the answer short: one to four sentences, plain words.',
].join('\n');

function escapeAttribute(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\s+/g, ' ')
    .trim();
}

function unescapeAttribute(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** A body may not close its own block: `</source>` inside content becomes `<\/source>`. */
function escapeBody(value: string, tag: string): string {
  return value.replaceAll(`</${tag}>`, `<\\/${tag}>`).trim();
}

function unescapeBody(value: string, tag: string): string {
  return value.replaceAll(`<\\/${tag}>`, `</${tag}>`);
}

/**
 * Builds the messages of a grounded answer (format version 1): a system message
 * with the rules (cite as `[n]`, say {@link notFoundAnswer} when the sources do
 * not answer), the history, then one user message:
 *
 * ```text
 * <sources>
 * <source n="1" title="Update your card" url="https://help.example.com/cards">
 * To change the card, open Billing and choose Update card.
 * </source>
 * </sources>
 *
 * <question>
 * How do I change my card?
 * </question>
 * ```
 *
 * Attribute values are escaped like XML attributes and a literal `</source>` or
 * `</question>` inside a body is written `<\/source>`, so
 * {@link parseGroundedPrompt} reads back exactly what was written.
 */
export function createGroundedPrompt(
  options: CreateGroundedPromptOptions,
): LanguageModelV1Message[] {
  const blocks = options.sources.map(
    (source, index) =>
      `<source n="${index + 1}" title="${escapeAttribute(source.title)}" url="${escapeAttribute(source.url)}">\n${escapeBody(source.content, 'source')}\n</source>`,
  );
  const user = [
    'Answer the question from these sources only, citing them as [n].',
    '',
    '<sources>',
    ...blocks,
    '</sources>',
    '',
    '<question>',
    escapeBody(options.question, 'question'),
    '</question>',
  ].join('\n');
  const system = options.instructions
    ? `${groundedSystemPrompt}\n${options.instructions.trim()}`
    : groundedSystemPrompt;
  return [
    { role: 'system', content: system },
    ...(options.history ?? []),
    { role: 'user', content: user },
  ];
}

/** A grounded prompt read back: the question and its numbered sources. */
export interface ParsedGroundedPrompt {
  question: string;
  sources: GroundedPromptSource[];
}

const sourcePattern = /<source n="(\d+)" title="([^"]*)" url="([^"]*)">\n?([\s\S]*?)\n?<\/source>/g;

/**
 * Reads the question and sources out of the last user message of a prompt in
 * the grounded format; `undefined` when the last user message is not one.
 */
export function parseGroundedPrompt(
  prompt: readonly LanguageModelV1Message[],
): ParsedGroundedPrompt | undefined {
  const last = [...prompt].reverse().find((message) => message.role === 'user');
  if (!last) return undefined;
  const questionMatch = /<question>\n?([\s\S]*?)\n?<\/question>/.exec(last.content);
  const sourcesStart = last.content.indexOf('<sources>');
  if (!questionMatch || sourcesStart === -1) return undefined;
  const sourcesEnd = last.content.indexOf('</sources>', sourcesStart);
  const block = last.content.slice(sourcesStart, sourcesEnd === -1 ? undefined : sourcesEnd);
  const sources: GroundedPromptSource[] = [];
  for (const match of block.matchAll(sourcePattern)) {
    sources.push({
      citation: Number(match[1]),
      title: unescapeAttribute(match[2]!),
      url: unescapeAttribute(match[3]!),
      content: unescapeBody(match[4]!, 'source'),
    });
  }
  return { question: unescapeBody(questionMatch[1]!, 'question').trim(), sources };
}
