import { countTokens as countCl100kTokens } from 'gpt-tokenizer/encoding/cl100k_base';

/**
 * Treat special-token look-alikes (`<|endoftext|>`) in documents as plain text:
 * documentation may legitimately mention them, and they must never be refused.
 */
const plainText = { disallowedSpecial: new Set<string>() };

/**
 * The encoding the chunker counts with: `cl100k_base`, the one of OpenAI
 * `text-embedding-3-small` (and `-large`, `ada-002`), so a chunk's token count is
 * what the embedding endpoint bills and limits.
 */
export const chunkingEncoding = 'cl100k_base';

/**
 * Exact number of `cl100k_base` tokens in `text`. Special-token markers are
 * counted as the ordinary text they are in a document.
 */
export function countTokens(text: string): number {
  return countCl100kTokens(text, plainText);
}
