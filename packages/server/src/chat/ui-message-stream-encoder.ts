import type {
  ChatMessageMetadata,
  DataUIMessageChunk,
  UIFinishReason,
  UIMessageChunk,
} from './ui-message-chunk.js';

/** Settings of {@link UIMessageStreamEncoder}. */
export interface UIMessageStreamEncoderOptions {
  /** Receives every chunk, in order. Text deltas arrive coalesced. */
  write: (chunk: UIMessageChunk) => void;
  /**
   * Text deltas are held at most this long (milliseconds) before they are written as one
   * `text-delta` chunk. Default 30: below what a reader notices, and one write instead of
   * one per token.
   */
  flushIntervalMs?: number;
  /** Held text is written at once when it reaches this many characters. Default 512. */
  flushChars?: number;
}

/**
 * Writes one assistant message as AI SDK UI message stream chunks, in the order the
 * protocol wants (`start`, `start-step`, `text-start`, `text-delta`..., `text-end`,
 * `finish-step`, then `finish`, `abort` or `error`), and coalesces text deltas: a model
 * that streams one token at a time produces one write every `flushIntervalMs` (or every
 * `flushChars`), not one per token. Any other chunk (a source, a data part) first flushes
 * the held text, so the order the model produced is kept.
 */
export class UIMessageStreamEncoder {
  readonly #write: (chunk: UIMessageChunk) => void;
  readonly #flushIntervalMs: number;
  readonly #flushChars: number;
  #textId: string | undefined;
  #textCount = 0;
  #held = '';
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stepOpen = false;
  #ended = false;
  #messageId = '';

  constructor(options: UIMessageStreamEncoderOptions) {
    this.#write = options.write;
    this.#flushIntervalMs = options.flushIntervalMs ?? 30;
    this.#flushChars = options.flushChars ?? 512;
  }

  /** Whether `finish`, `abort` or `error` has been written. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Opens the message (`start`) and its first step (`start-step`). */
  start(messageId: string, messageMetadata?: ChatMessageMetadata): void {
    this.#messageId = messageId;
    this.#emit({
      type: 'start',
      messageId,
      ...(messageMetadata === undefined ? {} : { messageMetadata }),
    });
    this.#emit({ type: 'start-step' });
    this.#stepOpen = true;
  }

  /** Adds text to the message's current text part (opened on the first delta). */
  text(delta: string): void {
    if (this.#ended || delta.length === 0) return;
    if (this.#textId === undefined) {
      this.#textCount += 1;
      this.#textId = `${this.#messageId}-text-${this.#textCount}`;
      this.#emit({ type: 'text-start', id: this.#textId });
    }
    this.#held += delta;
    if (this.#held.length >= this.#flushChars) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.#flushIntervalMs);
  }

  /** Writes the held text now, as one `text-delta`. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#held.length === 0 || this.#textId === undefined) return;
    const delta = this.#held;
    this.#held = '';
    this.#emit({ type: 'text-delta', id: this.#textId, delta });
  }

  /** A cited source (`source-url`). */
  source(source: { sourceId: string; url: string; title?: string }): void {
    this.flush();
    this.#emit({ type: 'source-url', ...source });
  }

  /** A data part (`data-confidence`, `data-escalation`...). */
  data(chunk: DataUIMessageChunk): void {
    this.flush();
    this.#emit(chunk);
  }

  /** Closes the open text part, if any (`text-end`). */
  endText(): void {
    this.flush();
    if (this.#textId === undefined) return;
    this.#emit({ type: 'text-end', id: this.#textId });
    this.#textId = undefined;
  }

  /** Ends the message normally: `text-end`, `finish-step`, `finish`. */
  finish(finishReason: UIFinishReason, messageMetadata?: ChatMessageMetadata): void {
    this.#close();
    this.#emit({
      type: 'finish',
      finishReason,
      ...(messageMetadata === undefined ? {} : { messageMetadata }),
    });
    this.#ended = true;
  }

  /** Ends a message that was stopped: what was produced stays, then `abort`. */
  abort(): void {
    this.#close();
    this.#emit({ type: 'abort' });
    this.#ended = true;
  }

  /** Ends a message that failed: what was produced stays, then `error`. */
  error(errorText: string): void {
    this.#close();
    this.#emit({ type: 'error', errorText });
    this.#ended = true;
  }

  #close(): void {
    this.endText();
    if (this.#stepOpen) {
      this.#emit({ type: 'finish-step' });
      this.#stepOpen = false;
    }
  }

  #emit(chunk: UIMessageChunk): void {
    if (this.#ended) return;
    this.#write(chunk);
  }
}
