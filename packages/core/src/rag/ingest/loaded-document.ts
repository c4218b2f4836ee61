import { type DocType, docTypes } from '../../entities/enums.js';
import type { TextFormat } from './decode-text.js';
import { htmlToMarkdown } from './html-to-markdown.js';
import { SkipError } from './skip-reason.js';

/** A document as a loader produced it, before normalising, chunking and embedding. */
export interface LoadedDocument {
  /** http(s) URL of a page, `file://` URL of a file, `raw:<id>` of a string. */
  sourceUrl: string;
  title?: string;
  /** Markdown, or plain text when `format` is `text`. */
  content: string;
  format: 'markdown' | 'text';
  lastUpdated?: Date;
  docType?: DocType;
  category?: string;
}

/** What a loader reports: a document to store, or something it skipped. */
export type LoaderEvent =
  | { type: 'document'; document: LoadedDocument }
  | { type: 'skipped'; location: string; error: SkipError };

/** Where loaders send their events; awaiting it gives back-pressure. */
export type LoaderSink = (event: LoaderEvent) => Promise<void>;

/** How a loader ended. */
export interface LoadOutcome {
  /**
   * True when the loader saw the whole source: no limit reached and no transient
   * failure. Only then are stored documents it did not see removed.
   */
  complete: boolean;
}

/** `---` YAML-style front matter of a Markdown file: simple `key: value` lines only. */
function splitFrontMatter(text: string): { body: string; fields: Map<string, string> } {
  const fields = new Map<string, string>();
  const normalised = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!normalised.startsWith('---\n')) return { body: normalised, fields };
  const lines = normalised.split('\n');
  const close = lines.findIndex((line, index) => index > 0 && (line === '---' || line === '...'));
  if (close === -1) return { body: normalised, fields };
  for (const line of lines.slice(1, close)) {
    const separator = line.indexOf(':');
    if (separator <= 0) continue;
    const key = line.slice(0, separator).trim().toLowerCase().replace(/[-_]/g, '');
    const value = line
      .slice(separator + 1)
      .trim()
      .replace(/^(["'])(.*)\1$/, '$2');
    if (value) fields.set(key, value);
  }
  return { body: lines.slice(close + 1).join('\n'), fields };
}

function asDocType(value: string | undefined): DocType | undefined {
  const lower = value?.toLowerCase();
  return docTypes.find((type) => type === lower);
}

/** Converts decoded text to a {@link LoadedDocument}, plus the page's links and robots directives. */
export function documentFromText(
  text: string,
  format: TextFormat,
  sourceUrl: string,
): { document: LoadedDocument; links: string[]; robots: { noindex: boolean; nofollow: boolean } } {
  let document: LoadedDocument;
  let links: string[] = [];
  let robots = { noindex: false, nofollow: false };
  if (format === 'html') {
    const converted = htmlToMarkdown(text, /^https?:/.test(sourceUrl) ? sourceUrl : undefined);
    document = { sourceUrl, content: converted.markdown, format: 'markdown' };
    if (converted.title) document.title = converted.title;
    links = converted.links;
    robots = converted.robots;
  } else if (format === 'markdown') {
    const { body, fields } = splitFrontMatter(text);
    document = { sourceUrl, content: body, format: 'markdown' };
    const title = fields.get('title');
    if (title) document.title = title;
    const docType = asDocType(fields.get('doctype'));
    if (docType) document.docType = docType;
    const category = fields.get('category')?.toLowerCase();
    if (category && /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/.test(category)) document.category = category;
  } else {
    document = { sourceUrl, content: text, format: 'text' };
  }
  if (!document.content.trim()) {
    throw new SkipError(
      'empty',
      format === 'html'
        ? 'No text is left once scripts, styles, navigation and other boilerplate are removed.'
        : 'The document is empty.',
    );
  }
  return { document, links, robots };
}

/** The format of a file or URL path by its extension, or undefined when unsupported. */
export function formatFromExtension(path: string): TextFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.md') || lower.endsWith('.markdown')) return 'markdown';
  if (lower.endsWith('.html') || lower.endsWith('.htm')) return 'html';
  if (lower.endsWith('.txt') || lower.endsWith('.text')) return 'text';
  return undefined;
}
