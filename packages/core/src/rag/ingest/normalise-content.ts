import { createHash } from 'node:crypto';

/**
 * The canonical form of a document's text, stored and hashed: Unicode NFC, `\n`
 * line endings, no byte-order mark, no trailing spaces, at most one blank line in
 * a row, trimmed. Re-fetching a page that differs only in these ways changes nothing.
 */
export function normaliseContent(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(/[^\S\n]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** SHA-256 (hex) of the normalised content: what re-ingestion compares. */
export function hashContent(normalisedContent: string): string {
  return createHash('sha256').update(normalisedContent, 'utf8').digest('hex');
}
