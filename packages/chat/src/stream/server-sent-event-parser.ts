/** One event of a `text/event-stream`. */
export interface ServerSentEvent {
  /** The `event:` field, `message` when absent. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The `id:` field, when present. */
  id?: string;
}

/**
 * A small incremental parser for Server-Sent Events (the WHATWG `text/event-stream` format).
 * Feed it decoded text in pieces of any size: lines split across pieces, `\r\n`, `\r` and
 * `\n` line ends, comments (`:`), multi-line `data:` fields and a missing final blank line
 * are all handled.
 */
export class ServerSentEventParser {
  #buffer = '';
  #data: string[] = [];
  #event = '';
  #id: string | undefined;
  #pendingCarriageReturn = false;

  /** Parses `text` and returns the events it completed. */
  push(text: string): ServerSentEvent[] {
    const events: ServerSentEvent[] = [];
    let input = text;
    if (this.#pendingCarriageReturn && input.startsWith('\n')) input = input.slice(1);
    this.#pendingCarriageReturn = false;
    this.#buffer += input;
    let start = 0;
    for (let index = 0; index < this.#buffer.length; index += 1) {
      const character = this.#buffer[index];
      if (character !== '\n' && character !== '\r') continue;
      const line = this.#buffer.slice(start, index);
      if (character === '\r') {
        if (index + 1 === this.#buffer.length) this.#pendingCarriageReturn = true;
        else if (this.#buffer[index + 1] === '\n') index += 1;
      }
      start = index + 1;
      const event = this.#line(line);
      if (event) events.push(event);
    }
    this.#buffer = this.#buffer.slice(start);
    return events;
  }

  /** Ends the stream: a last event without its blank line is still delivered. */
  end(): ServerSentEvent[] {
    const events: ServerSentEvent[] = [];
    if (this.#buffer.length > 0) {
      const event = this.#line(this.#buffer);
      if (event) events.push(event);
      this.#buffer = '';
    }
    const last = this.#dispatch();
    if (last) events.push(last);
    return events;
  }

  #line(line: string): ServerSentEvent | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\u0000')) this.#id = value;
    return undefined;
  }

  #dispatch(): ServerSentEvent | undefined {
    if (this.#data.length === 0) {
      this.#event = '';
      return undefined;
    }
    const event: ServerSentEvent = {
      event: this.#event || 'message',
      data: this.#data.join('\n'),
      ...(this.#id === undefined ? {} : { id: this.#id }),
    };
    this.#data = [];
    this.#event = '';
    return event;
  }
}

/**
 * Reads a byte stream as Server-Sent Events. Multi-byte characters split across network
 * chunks are decoded correctly (a streaming `TextDecoder`).
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new ServerSentEventParser();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    reader.releaseLock();
  }
}
