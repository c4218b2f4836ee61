import { Lexer, type Token } from 'marked';
import { z } from 'zod';
import { ValidationError } from '../../errors/index.js';
import { countTokens } from './count-tokens.js';

/** Size settings of the chunker, in `cl100k_base` tokens. */
export interface ChunkingOptions {
  /** Largest chunk, overlap included. Default 400. */
  maxTokens?: number;
  /** Tokens of the previous chunk repeated at the start of the next one in the same section. Default 50. */
  overlapTokens?: number;
}

/** The defaults: about 400 tokens a chunk, about 50 of them repeated from the chunk before. */
export const defaultChunkingOptions: Required<ChunkingOptions> = {
  maxTokens: 400,
  overlapTokens: 50,
};

/** What {@link chunkDocument} takes. */
export interface ChunkDocumentOptions extends ChunkingOptions {
  /** Markdown (the default; HTML is converted to Markdown by ingestion first) or plain text. */
  content: string;
  format?: 'markdown' | 'text';
}

/** One piece of a document, ready to embed. */
export interface TextChunk {
  /** Position in the document, from 0. */
  index: number;
  /** The chunk text: a slice of the document, overlap included. */
  content: string;
  /** Exact `cl100k_base` token count of `content`. */
  tokenCount: number;
  /** Markdown headings from the top of the document down to this chunk's section (no document title). */
  headingPath: string[];
  /** Characters at the start of `content` repeated from the previous chunk; `content.slice(overlapLength)` is new. */
  overlapLength: number;
  /** Offsets of the new part (`content.slice(overlapLength)`) in {@link ChunkedDocument.text}. */
  start: number;
  end: number;
}

/** A heading found in the document, in order. */
export interface DocumentHeading {
  depth: number;
  text: string;
}

/** The result of {@link chunkDocument}. */
export interface ChunkedDocument {
  /** The text the offsets refer to: the input with line endings normalised to `\n`. */
  text: string;
  chunks: TextChunk[];
  headings: DocumentHeading[];
}

const chunkingOptionsSchema = z
  .object({
    maxTokens: z
      .number()
      .int('must be a whole number of tokens')
      .min(16, 'must be at least 16 tokens')
      .max(8191, 'must be at most 8191 tokens (the input limit of text-embedding-3-small)')
      .optional(),
    overlapTokens: z
      .number()
      .int('must be a whole number of tokens')
      .min(0, 'must be 0 or more')
      .optional(),
  })
  .superRefine((value, context) => {
    const maxTokens = value.maxTokens ?? defaultChunkingOptions.maxTokens;
    const overlapTokens = value.overlapTokens ?? defaultChunkingOptions.overlapTokens;
    if (overlapTokens > Math.floor(maxTokens / 2)) {
      context.addIssue({
        code: 'custom',
        path: ['overlapTokens'],
        message: `must be at most half of maxTokens (${Math.floor(maxTokens / 2)}), got ${overlapTokens}`,
      });
    }
  });

/**
 * Checks chunking settings and fills in the defaults.
 * @throws ValidationError listing every wrong setting.
 */
export function resolveChunkingOptions(options: ChunkingOptions = {}): Required<ChunkingOptions> {
  const parsed = chunkingOptionsSchema.safeParse(options);
  if (!parsed.success) throw ValidationError.fromZod('chunking options', parsed.error);
  return {
    maxTokens: parsed.data.maxTokens ?? defaultChunkingOptions.maxTokens,
    overlapTokens: parsed.data.overlapTokens ?? defaultChunkingOptions.overlapTokens,
  };
}

interface Span {
  start: number;
  end: number;
}

interface Block extends Span {
  heading?: DocumentHeading;
}

interface Unit extends Span {
  tokens: number;
  /** Came from a heading line: a section holding only these is merged into the next one. */
  heading: boolean;
}

interface Section {
  headingPath: string[];
  units: Unit[];
}

/** Exactly JavaScript's `\s`, without a regular expression (this runs per character). */
function isWhitespaceCode(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

function isWhitespaceAt(text: string, index: number): boolean {
  return index >= 0 && index < text.length && isWhitespaceCode(text.charCodeAt(index));
}

/** Narrows `[start, end)` to its first and last non-whitespace characters; empty when all blank. */
function trimSpan(text: string, start: number, end: number): Span | undefined {
  let from = start;
  let to = end;
  while (from < to && isWhitespaceAt(text, from)) from++;
  while (to > from && isWhitespaceAt(text, to - 1)) to--;
  return from < to ? { start: from, end: to } : undefined;
}

/** Non-blank pieces of `[start, end)` between the matches of `separator` (a global pattern of whitespace). */
function splitSpan(text: string, start: number, end: number, separator: RegExp): Span[] {
  const slice = text.slice(start, end);
  const parts: Span[] = [];
  let cursor = 0;
  separator.lastIndex = 0;
  for (let match = separator.exec(slice); match !== null; match = separator.exec(slice)) {
    if (match[0].length === 0) {
      separator.lastIndex++;
      continue;
    }
    const part = trimSpan(text, start + cursor, start + match.index);
    if (part) parts.push(part);
    cursor = match.index + match[0].length;
  }
  const last = trimSpan(text, start + cursor, end);
  if (last) parts.push(last);
  return parts;
}

/** Plain text and the fallback for Markdown: paragraphs separated by blank lines. */
function paragraphBlocks(text: string): Block[] {
  return splitSpan(text, 0, text.length, /\n[^\S\n]*\n/g);
}

type TokenWithChildren = Token & { tokens?: Token[]; text?: string };

/** The visible text of a heading's inline tokens: `**Cards** and \`x\`` becomes `Cards and x`. */
function inlineText(tokens: Token[] | undefined, fallback: string): string {
  if (!tokens) return fallback;
  let out = '';
  for (const token of tokens as TokenWithChildren[]) {
    if (token.tokens && token.tokens.length > 0) out += inlineText(token.tokens, '');
    else if (typeof token.text === 'string') out += token.text;
  }
  return out.replace(/\s+/g, ' ').trim() || fallback.trim();
}

function headingText(source: string): string {
  try {
    return inlineText(Lexer.lexInline(source, { gfm: true }), source);
  } catch {
    return source.replace(/\s+/g, ' ').trim();
  }
}

function markdownBlocks(text: string): Block[] {
  let tokens: Token[];
  try {
    // Block structure only: inline lexing (links, emphasis) is most of marked's
    // time and only headings need it.
    tokens = new Lexer({ gfm: true }).blockTokens(text);
  } catch {
    return paragraphBlocks(text);
  }
  const blocks: Block[] = [];
  let cursor = 0;
  for (const token of tokens) {
    // Top-level raws tile the (normalised) source; if they ever do not, fall back
    // to paragraphs rather than lose a word.
    if (!text.startsWith(token.raw, cursor)) return paragraphBlocks(text);
    const start = cursor;
    cursor += token.raw.length;
    const span = trimSpan(text, start, cursor);
    if (!span) continue;
    if (token.type === 'heading') {
      const heading = token as TokenWithChildren & { depth: number };
      blocks.push({
        ...span,
        heading: {
          depth: heading.depth,
          text: headingText(typeof heading.text === 'string' ? heading.text : ''),
        },
      });
    } else {
      blocks.push(span);
    }
  }
  if (cursor !== text.length) return paragraphBlocks(text);
  return blocks;
}

/** Blocks that touch with no whitespace between would split a word: join them. */
function mergeTouchingBlocks(blocks: Block[]): Block[] {
  const merged: Block[] = [];
  for (const block of blocks) {
    const previous = merged.at(-1);
    if (previous && previous.end === block.start) {
      previous.end = block.end;
    } else {
      merged.push({ ...block });
    }
  }
  return merged;
}

/**
 * Separators tried in turn to break a block bigger than a chunk: blank lines,
 * lines, sentence ends, then any whitespace. A run of non-whitespace is never broken.
 */
const separators: readonly RegExp[] = [/\n[^\S\n]*\n/g, /\n/g, /(?<=[.!?;:])\s+/g, /\s+/g];

function splitOversized(text: string, span: Span, budget: number, level: number): Unit[] {
  const separator = separators[level];
  if (separator === undefined) {
    // A single word longer than a chunk: the one indivisible unit.
    return [{ ...span, tokens: countTokens(text.slice(span.start, span.end)), heading: false }];
  }
  const parts = splitSpan(text, span.start, span.end, separator);
  if (parts.length <= 1) return splitOversized(text, span, budget, level + 1);
  const units: Unit[] = [];
  for (const part of parts) {
    const tokens = countTokens(text.slice(part.start, part.end));
    if (tokens <= budget) units.push({ ...part, tokens, heading: false });
    else units.push(...splitOversized(text, part, budget, level + 1));
  }
  return units;
}

interface PendingSection {
  headingPath: string[];
  blocks: Block[];
}

function buildSections(blocks: Block[]): PendingSection[] {
  const sections: PendingSection[] = [];
  const stack: DocumentHeading[] = [];
  let current: PendingSection = { headingPath: [], blocks: [] };
  for (const block of blocks) {
    if (block.heading) {
      const depth = block.heading.depth;
      while (stack.length > 0 && (stack.at(-1)?.depth ?? 0) >= depth) stack.pop();
      stack.push(block.heading);
      const headingPath = stack.map((heading) => heading.text);
      if (current.blocks.every((entry) => entry.heading)) {
        // Nothing but headings so far (or nothing): they introduce this section.
        current.headingPath = headingPath;
      } else {
        sections.push(current);
        current = { headingPath, blocks: [] };
      }
    }
    current.blocks.push(block);
  }
  if (current.blocks.length > 0) sections.push(current);
  return sections;
}

/** Measures a section's blocks, splitting the ones bigger than a chunk. */
function unitsOf(text: string, section: PendingSection, maxTokens: number): Section {
  const units: Unit[] = [];
  for (const block of section.blocks) {
    const tokens = countTokens(text.slice(block.start, block.end));
    if (tokens <= maxTokens) {
      units.push({ start: block.start, end: block.end, tokens, heading: !!block.heading });
    } else {
      units.push(...splitOversized(text, block, maxTokens, 0));
    }
  }
  return { headingPath: section.headingPath, units };
}

/** Where the overlap starts: the longest word-aligned tail of `previous` within `overlapTokens`. */
function findOverlap(
  text: string,
  previous: Span,
  overlapTokens: number,
): { start: number; tokens: number } | undefined {
  // Walk back word by word, estimating each word (with its leading space) on its
  // own, then measure the tail exactly and step forward while it is too long.
  const wordStarts: number[] = [];
  let estimate = 0;
  let position = previous.end;
  while (position > previous.start) {
    let wordEnd = position;
    while (wordEnd > previous.start && isWhitespaceAt(text, wordEnd - 1)) wordEnd--;
    let wordStart = wordEnd;
    while (wordStart > previous.start && !isWhitespaceAt(text, wordStart - 1)) wordStart--;
    if (wordStart === wordEnd) break;
    estimate += countTokens(text.slice(Math.max(previous.start, wordStart - 1), wordEnd));
    if (estimate > overlapTokens) break;
    wordStarts.push(wordStart);
    position = wordStart;
  }
  for (let index = wordStarts.length - 1; index >= 0; index--) {
    const start = wordStarts[index] as number;
    const tokens = countTokens(text.slice(start, previous.end));
    if (tokens <= overlapTokens) return { start, tokens };
  }
  return undefined;
}

function joinCost(text: string, from: number, to: number): number {
  return text.slice(from, to).includes('\n') ? 1 : 0;
}

function packSection(
  text: string,
  section: Section,
  settings: Required<ChunkingOptions>,
  chunks: TextChunk[],
): void {
  const { units } = section;
  let previous: Span | undefined;
  let index = 0;
  while (index < units.length) {
    const first = units[index] as Unit;
    let contentStart = first.start;
    let budget = settings.maxTokens;
    if (previous && settings.overlapTokens > 0) {
      const overlap = findOverlap(text, previous, settings.overlapTokens);
      if (overlap) {
        const cost = overlap.tokens + joinCost(text, previous.end, first.start);
        if (first.tokens <= settings.maxTokens - cost) {
          contentStart = overlap.start;
          budget = settings.maxTokens - cost;
        }
      }
    }
    let next = index + 1;
    let estimate = first.tokens;
    while (next < units.length) {
      const unit = units[next] as Unit;
      const added = joinCost(text, (units[next - 1] as Unit).end, unit.start) + unit.tokens;
      if (estimate + added > budget) break;
      estimate += added;
      next++;
    }
    // The estimate ignores merges across joins: measure exactly and back off.
    let content = text.slice(contentStart, (units[next - 1] as Unit).end);
    let tokenCount = countTokens(content);
    while (tokenCount > settings.maxTokens) {
      if (next - 1 > index) next--;
      else if (contentStart !== first.start) contentStart = first.start;
      else break; // one indivisible word bigger than a chunk
      content = text.slice(contentStart, (units[next - 1] as Unit).end);
      tokenCount = countTokens(content);
    }
    const end = (units[next - 1] as Unit).end;
    chunks.push({
      index: chunks.length,
      content,
      tokenCount,
      headingPath: [...section.headingPath],
      overlapLength: first.start - contentStart,
      start: first.start,
      end,
    });
    previous = { start: first.start, end };
    index = next;
  }
}

/**
 * Splits a document into token-bounded, heading-aware chunks.
 *
 * - Structure comes from marked's lexer: a heading starts a new section and every
 *   chunk carries its heading path. A section holding only headings joins the next.
 * - Blocks (paragraphs, lists, tables, code blocks) are packed whole while they fit;
 *   a block bigger than a chunk is split at blank lines, then lines, then sentence
 *   ends, then whitespace. Nothing is ever split inside a word, so the only chunk
 *   that may exceed `maxTokens` is one made of a single word longer than a chunk
 *   (and it carries no overlap).
 * - Consecutive chunks of one section share about `overlapTokens` tokens: the
 *   word-aligned tail of the previous chunk, marked by `overlapLength`.
 * - `tokenCount` is exact (`cl100k_base`).
 *
 * @throws ValidationError when the size settings are wrong.
 */
export function chunkDocument(options: ChunkDocumentOptions): ChunkedDocument {
  const settings = resolveChunkingOptions({
    maxTokens: options.maxTokens,
    overlapTokens: options.overlapTokens,
  });
  const text = options.content.replace(/\r\n?/g, '\n');
  const blocks = mergeTouchingBlocks(
    options.format === 'text' ? paragraphBlocks(text) : markdownBlocks(text),
  );
  const headings = blocks.flatMap((block) => (block.heading ? [block.heading] : []));
  const chunks: TextChunk[] = [];
  for (const section of buildSections(blocks)) {
    const first = section.blocks[0] as Block;
    const last = section.blocks.at(-1) as Block;
    // Most sections fit in one chunk: one count of the whole, no per-block counts.
    const content = text.slice(first.start, last.end);
    const tokenCount = countTokens(content);
    if (tokenCount <= settings.maxTokens) {
      chunks.push({
        index: chunks.length,
        content,
        tokenCount,
        headingPath: [...section.headingPath],
        overlapLength: 0,
        start: first.start,
        end: last.end,
      });
      continue;
    }
    packSection(text, unitsOf(text, section, settings.maxTokens), settings, chunks);
  }
  return { text, chunks, headings };
}
