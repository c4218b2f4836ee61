import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isJsonContentType, readBody, readJsonBody, readTextBody } from './read-body.js';

function post(body: BodyInit | null, headers: HeadersInit = {}): Request {
  return new Request('http://localhost/api', {
    method: 'POST',
    body,
    headers,
    duplex: 'half',
  } as RequestInit);
}

function streamOf(chunks: Uint8Array[]): {
  stream: ReadableStream<Uint8Array>;
  cancelled: () => boolean;
} {
  let cancelled = false;
  let index = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[index++];
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

describe('readBody', () => {
  it('reads the exact bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        expect(await readBody(post(bytes))).toEqual(bytes);
      }),
    );
  });

  it('refuses a declared length over the limit before reading', async () => {
    const { stream, cancelled } = streamOf([new Uint8Array(10)]);
    const request = post(stream, { 'content-length': '11' });
    const error = await rejection(readBody(request, { limit: 10 }));
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(cancelled()).toBe(false);
  });

  it('cuts a streamed body off as soon as it passes the limit', async () => {
    const { stream, cancelled } = streamOf([
      new Uint8Array(6),
      new Uint8Array(6),
      new Uint8Array(6),
    ]);
    const error = await rejection(readBody(post(stream), { limit: 10 }));
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(String(error.message)).toContain('10 bytes');
    expect(cancelled()).toBe(true);
  });

  it('accepts a body exactly at the limit', async () => {
    expect((await readBody(post(new Uint8Array(10)), { limit: 10 })).byteLength).toBe(10);
  });

  it('says so when the body was already read', async () => {
    const request = post('{}');
    await request.text();
    expect(await rejection(readBody(request))).toMatchObject({
      status: 500,
      code: 'configuration',
    });
  });

  it('keeps text byte for byte, BOM and all', async () => {
    const text = '\uFEFF{ "a" :\t"Zoë 😀" }\r\n';
    expect(await readTextBody(post(text))).toBe(text);
  });
});

describe('readJsonBody', () => {
  it('parses JSON and validates it with a schema', async () => {
    const schema = z.object({ text: z.string(), count: z.number().int() });
    const request = post('{"text":"hi","count":2}', { 'content-type': 'application/json' });
    const body: { text: string; count: number } = await readJsonBody(request, { schema });
    expect(body).toEqual({ text: 'hi', count: 2 });
  });

  it('lists every schema issue', async () => {
    const schema = z.object({ text: z.string(), count: z.number() });
    const request = post('{"count":"2"}', { 'content-type': 'application/json' });
    const error = await rejection(readJsonBody(request, { schema, subject: 'message' }));
    expect(error).toMatchObject({ code: 'validation_failed' });
    expect((error.issues as { path: string[] }[]).map((issue) => issue.path)).toEqual([
      ['text'],
      ['count'],
    ]);
    expect(String(error.message)).toMatch(/^Invalid message: /);
  });

  it('answers 415 when the content type is not JSON', async () => {
    const error = await rejection(readJsonBody(post('a=1', { 'content-type': 'text/plain' })));
    expect(error).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect(String(error.message)).toContain('content-type: application/json');
  });

  it('answers 400 with the parser message when the JSON is broken', async () => {
    const error = await rejection(
      readJsonBody(post('{"a":', { 'content-type': 'application/json' })),
    );
    expect(error).toMatchObject({ code: 'validation_failed' });
    expect(String(error.message)).toContain('is not valid JSON');
  });

  it('answers 413 above the limit', async () => {
    const request = post(JSON.stringify({ a: 'x'.repeat(100) }), {
      'content-type': 'application/json',
    });
    expect(await rejection(readJsonBody(request, { limit: 50 }))).toMatchObject({ status: 413 });
  });
});

describe('isJsonContentType', () => {
  it.each([
    ['application/json', true],
    ['Application/JSON; charset=utf-8', true],
    ['application/merge-patch+json', true],
    ['text/json', false],
    ['application/jsonp', false],
    ['', false],
    [null, false],
  ])('%s -> %s', (contentType, expected) => {
    expect(isJsonContentType(contentType)).toBe(expected);
  });
});
