import { assertEqual, describe, it } from '../../test/harness.js';
import { readUIMessageStream } from './read-ui-message-stream.js';
import { readServerSentEvents, ServerSentEventParser } from './server-sent-event-parser.js';

function streamOf(pieces: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces)
        controller.enqueue(typeof piece === 'string' ? encoder.encode(piece) : piece);
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const data: string[] = [];
  for await (const event of readServerSentEvents(stream)) data.push(event.data);
  return data;
}

describe('ServerSentEventParser', () => {
  it('joins lines split across pieces at any point', () => {
    const text = 'data: {"a":1}\n\ndata: {"b":2}\n\n';
    for (let cut = 1; cut < text.length; cut += 1) {
      const parser = new ServerSentEventParser();
      const events = [
        ...parser.push(text.slice(0, cut)),
        ...parser.push(text.slice(cut)),
        ...parser.end(),
      ];
      assertEqual(
        events.map((event) => event.data),
        ['{"a":1}', '{"b":2}'],
        `cut at ${cut}`,
      );
    }
  });

  it('accepts CRLF, CR and LF line ends, even a CRLF split in two', () => {
    const parser = new ServerSentEventParser();
    const events = [
      ...parser.push('data: one\r'),
      ...parser.push('\n\r\ndata: two\r\rdata: three\n\n'),
    ];
    assertEqual(
      events.map((event) => event.data),
      ['one', 'two', 'three'],
    );
  });

  it('joins multi-line data, skips comments and reads event and id fields', () => {
    const parser = new ServerSentEventParser();
    const events = parser.push(': keep-alive\nevent: note\nid: 7\ndata: first\ndata:second\n\n');
    assertEqual(events, [{ event: 'note', data: 'first\nsecond', id: '7' }]);
  });

  it('delivers a last event that has no blank line after it', () => {
    const parser = new ServerSentEventParser();
    assertEqual(parser.push('data: tail'), []);
    assertEqual(
      parser.end().map((event) => event.data),
      ['tail'],
    );
  });

  it('decodes a multi-byte character split between network chunks', async () => {
    const bytes = new TextEncoder().encode('data: café 👍\n\n');
    const pieces = [...bytes].map((byte) => new Uint8Array([byte]));
    assertEqual(await collect(streamOf(pieces)), ['café 👍']);
  });
});

describe('readUIMessageStream', () => {
  it('reads chunks until [DONE] and skips lines that are not chunks', async () => {
    const types: string[] = [];
    const end = await readUIMessageStream(
      streamOf([
        'data: {"type":"start","messageId":"m1"}\n\n',
        'data: not json\n\n',
        'data: {"type":"text-delta","id":"t","delta":"Hi"}\n\n',
        'data: {"type":"mystery-part"}\n\n',
        'data: {"type":"text-delta","id":"t"}\n\n',
        'data: [DONE]\n\n',
        'data: {"type":"finish"}\n\n',
      ]),
      (chunk) => types.push(chunk.type),
    );
    assertEqual(end, 'done');
    assertEqual(types, ['start', 'text-delta']);
  });

  it("reports 'closed' when the body ends without [DONE]", async () => {
    const end = await readUIMessageStream(streamOf(['data: {"type":"start"}\n\n']), () => {});
    assertEqual(end, 'closed');
  });
});
