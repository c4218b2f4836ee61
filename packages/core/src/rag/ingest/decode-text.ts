import { Parser } from 'htmlparser2';
import { SkipError } from './skip-reason.js';

/** The formats ingestion understands. */
export type TextFormat = 'markdown' | 'html' | 'text';

function labelFromBom(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  return undefined;
}

/** The `charset` parameter of a Content-Type header, if any. */
export function charsetFromContentType(contentType: string | null | undefined): string | undefined {
  if (!contentType) return undefined;
  for (const parameter of contentType.split(';').slice(1)) {
    const [name, ...rest] = parameter.split('=');
    if (name?.trim().toLowerCase() === 'charset') {
      const value = rest
        .join('=')
        .trim()
        .replace(/^["']|["']$/g, '');
      if (value) return value;
    }
  }
  return undefined;
}

/** `<meta charset>` or `<meta http-equiv="content-type">` within the first 1024 bytes, read with the HTML parser. */
function charsetFromHtmlPrefix(bytes: Uint8Array): string | undefined {
  const prefix = new TextDecoder('latin1').decode(bytes.subarray(0, 1024));
  let found: string | undefined;
  const parser = new Parser({
    onopentag(name, attributes) {
      if (found || name !== 'meta') return;
      if (attributes.charset) found = attributes.charset.trim();
      else if (attributes['http-equiv']?.toLowerCase() === 'content-type') {
        found = charsetFromContentType(attributes.content);
      }
    },
  });
  parser.write(prefix);
  parser.end();
  return found;
}

/** WHATWG windows-1252 for bytes 0x80-0x9F (ISO-8859-1 and ASCII labels decode this way too). */
const windows1252High = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152,
  0x8d, 0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122,
  0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/**
 * Decodes windows-1252 by the WHATWG table. Node 20's TextDecoder maps 0x80-0x9F to
 * C1 controls instead (curly quotes, the euro sign and dashes would be lost).
 */
function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  for (let start = 0; start < bytes.length; start += 8192) {
    const codes = Array.from(bytes.subarray(start, start + 8192), (byte) =>
      byte >= 0x80 && byte < 0xa0 ? (windows1252High[byte - 0x80] ?? byte) : byte,
    );
    out += String.fromCharCode(...codes);
  }
  return out;
}

/** Control characters other than tab, line feed, form feed and carriage return. */
function controlCharacterCount(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (
      (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d) ||
      code === 0x7f
    ) {
      count++;
    }
  }
  return count;
}

/**
 * Decodes a fetched or read document: the charset comes from a byte-order mark,
 * then the Content-Type header, then (HTML) a `<meta>` in the first 1024 bytes,
 * else UTF-8. Decoding is strict: a byte invalid in that charset skips the
 * document with reason `encoding` instead of storing replacement characters.
 *
 * @throws SkipError `encoding` (unknown charset, invalid bytes), `not-text` (NUL
 *   bytes: a binary file), `malformed` (mostly control characters).
 */
export function decodeText(
  bytes: Uint8Array,
  options: { contentType?: string | null; format: TextFormat },
): string {
  const declared =
    labelFromBom(bytes) ??
    charsetFromContentType(options.contentType) ??
    (options.format === 'html' ? charsetFromHtmlPrefix(bytes) : undefined);
  const label = declared ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch (error) {
    throw new SkipError('encoding', `Unknown charset "${label}": save the document as UTF-8.`, {
      cause: error,
    });
  }
  let text: string;
  try {
    text = decoder.encoding === 'windows-1252' ? decodeWindows1252(bytes) : decoder.decode(bytes);
  } catch (error) {
    const name = decoder.encoding === 'utf-8' ? 'UTF-8' : decoder.encoding;
    throw new SkipError(
      'encoding',
      `The bytes are not valid ${name}${declared ? '' : ' (no charset was declared, so UTF-8 was assumed)'}: declare the right charset or save the document as UTF-8.`,
      { cause: error },
    );
  }
  assertReadableText(text);
  return text;
}

/**
 * Refuses text that is not readable: NUL characters (a binary file) or more than
 * 1% control characters.
 *
 * @throws SkipError `not-text` or `malformed`.
 */
export function assertReadableText(text: string): void {
  if (text.includes('\u0000')) {
    throw new SkipError('not-text', 'The content holds NUL bytes: it is a binary file, not text.');
  }
  if (controlCharacterCount(text) > Math.max(8, text.length * 0.01)) {
    throw new SkipError(
      'malformed',
      'The content is mostly control characters, not readable text.',
    );
  }
}
