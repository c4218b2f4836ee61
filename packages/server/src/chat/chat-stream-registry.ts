import { ChurnError } from '@churn/core';

/** Which stream: one active reply per conversation of a tenant. */
export interface ChatStreamKey {
  tenantId: string;
  conversationId: string;
}

/** The producer's side of an active stream. */
export interface ChatStreamWriter {
  /** Aborts when the reply is stopped, or runs past the registry's time limit. */
  readonly signal: AbortSignal;
  /**
   * Appends one event payload (the `data:` of an SSE event). Answers `false` when the
   * stream's buffer is full: the producer should stop generating.
   */
  append(data: string): boolean;
  /** Ends the stream: readers get what is buffered, then the end. The key is free again. */
  close(): void;
}

/**
 * Where replies in progress live, so that a reply can be stopped from any request and a
 * dropped connection can resume it: every payload is buffered from the start until the
 * reply ends. The in-process {@link createMemoryChatStreamRegistry} is the default;
 * `createRedisChatStreamRegistry` (Redis Streams + pub/sub) shares stop and resume between
 * several instances.
 */
export interface ChatStreamRegistry {
  /**
   * Starts the stream of a conversation's next reply. Throws `conflict` when a reply of
   * that conversation is still streaming, and `rate_limited` when the registry is full.
   */
  open(key: ChatStreamKey): Promise<ChatStreamWriter>;
  /**
   * Reads the active stream of a conversation from its first payload, then follows it
   * live until it ends; `undefined` when no reply is streaming. Stop iterating to leave.
   */
  read(key: ChatStreamKey): Promise<AsyncIterable<string> | undefined>;
  /** Whether a reply of the conversation is streaming now. */
  isActive(key: ChatStreamKey): Promise<boolean>;
  /** Stops the active reply of a conversation; answers whether there was one. */
  stop(key: ChatStreamKey): Promise<boolean>;
  /** How many replies are streaming now. */
  activeCount(): number;
}

/** Settings of {@link createMemoryChatStreamRegistry}. */
export interface MemoryChatStreamRegistrySettings {
  /** Most replies streaming at once; more are refused with `rate_limited`. Default 10000. */
  maxActiveStreams?: number;
  /** Most bytes buffered per reply (for resuming). Default 1 MiB. */
  maxBufferedBytes?: number;
  /** A reply still running after this long (milliseconds) is aborted. Default 5 minutes. */
  maxDurationMs?: number;
}

interface Entry {
  chunks: string[];
  bytes: number;
  closed: boolean;
  abortController: AbortController;
  timer: ReturnType<typeof setTimeout>;
  /** Resolves the readers waiting for the next payload. */
  wake: (() => void) | undefined;
  changed: Promise<void> | undefined;
}

/** The `conflict` of {@link ChatStreamRegistry.open}: every registry throws this one. */
export function streamConflictError(): ChurnError {
  return new ChurnError(
    'conflict',
    'A reply in this conversation is still streaming: wait for it to finish, resume it (GET /api/chat/:id/stream) or stop it (POST /api/conversations/:id/stop) first.',
  );
}

function keyOf(key: ChatStreamKey): string {
  return `${key.tenantId}\u0000${key.conversationId}`;
}

function waitForChange(entry: Entry): Promise<void> {
  entry.changed ??= new Promise<void>((resolve) => {
    entry.wake = resolve;
  });
  return entry.changed;
}

function notify(entry: Entry): void {
  const wake = entry.wake;
  entry.wake = undefined;
  entry.changed = undefined;
  wake?.();
}

async function* readEntry(entry: Entry): AsyncGenerator<string> {
  let cursor = 0;
  for (;;) {
    while (cursor < entry.chunks.length) {
      yield entry.chunks[cursor]!;
      cursor += 1;
    }
    if (entry.closed) return;
    await waitForChange(entry);
  }
}

/**
 * The in-process {@link ChatStreamRegistry}: a map of active replies, each with the
 * payloads written so far (one array shared by every reader, each with its own cursor,
 * so a slow reader never slows the producer or the other readers). Bounded in count,
 * bytes and time. A reply's buffer is dropped as soon as it ends and its last reader
 * has left; resuming after the end answers nothing (the stored message has it all).
 */
export function createMemoryChatStreamRegistry(
  settings: MemoryChatStreamRegistrySettings = {},
): ChatStreamRegistry {
  const maxActiveStreams = settings.maxActiveStreams ?? 10_000;
  const maxBufferedBytes = settings.maxBufferedBytes ?? 1024 * 1024;
  const maxDurationMs = settings.maxDurationMs ?? 5 * 60_000;
  const entries = new Map<string, Entry>();

  return {
    async open(key) {
      const id = keyOf(key);
      if (entries.has(id)) throw streamConflictError();
      if (entries.size >= maxActiveStreams) {
        throw new ChurnError(
          'rate_limited',
          'This server is streaming as many replies as it can: try again in a few seconds.',
        );
      }
      const abortController = new AbortController();
      const timer = setTimeout(() => {
        abortController.abort(
          new ChurnError('timeout', `The reply took longer than ${maxDurationMs} ms.`),
        );
      }, maxDurationMs);
      timer.unref?.();
      const entry: Entry = {
        chunks: [],
        bytes: 0,
        closed: false,
        abortController,
        timer,
        wake: undefined,
        changed: undefined,
      };
      entries.set(id, entry);
      return {
        signal: abortController.signal,
        append(data) {
          if (entry.closed) return false;
          if (entry.bytes + data.length > maxBufferedBytes) return false;
          entry.chunks.push(data);
          entry.bytes += data.length;
          notify(entry);
          return true;
        },
        close() {
          if (entry.closed) return;
          entry.closed = true;
          clearTimeout(entry.timer);
          if (entries.get(id) === entry) entries.delete(id);
          notify(entry);
        },
      };
    },
    async read(key) {
      const entry = entries.get(keyOf(key));
      return entry ? readEntry(entry) : undefined;
    },
    async isActive(key) {
      return entries.has(keyOf(key));
    },
    async stop(key) {
      const entry = entries.get(keyOf(key));
      if (!entry || entry.abortController.signal.aborted) return false;
      entry.abortController.abort(new ChurnError('aborted', 'The reply was stopped.'));
      return true;
    },
    activeCount() {
      return entries.size;
    },
  };
}
