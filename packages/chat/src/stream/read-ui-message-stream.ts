import {
  toUIMessageChunk,
  type UIMessageChunk,
  uiMessageStreamDone,
} from '../api/ui-message-chunk.js';
import { readServerSentEvents } from './server-sent-event-parser.js';

/** What one read of a UI message stream ended with. */
export type UIMessageStreamEnd = 'done' | 'closed';

/**
 * Reads a Vercel AI SDK UI message stream (SSE, one JSON chunk per `data:` line, ending with
 * `data: [DONE]`) and calls `onChunk` for each chunk. Lines that are not JSON or not a known
 * chunk are skipped. Resolves `'done'` after `[DONE]`, `'closed'` when the body ended without
 * it (the connection dropped: resume); rejects when reading fails (network loss).
 */
export async function readUIMessageStream(
  body: ReadableStream<Uint8Array>,
  onChunk: (chunk: UIMessageChunk) => void,
): Promise<UIMessageStreamEnd> {
  for await (const event of readServerSentEvents(body)) {
    if (event.data === uiMessageStreamDone) return 'done';
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.data);
    } catch {
      continue;
    }
    const chunk = toUIMessageChunk(parsed);
    if (chunk) onChunk(chunk);
  }
  return 'closed';
}
