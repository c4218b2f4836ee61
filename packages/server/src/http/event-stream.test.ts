import { ChurnError } from '@churn/core';
import { describe, expect, it, vi } from 'vitest';
import { createEventStream, formatServerSentEvent } from './event-stream.js';

const decoder = new TextDecoder();

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}

describe('formatServerSentEvent', () => {
  it('writes name, id, retry and one data line per line', () => {
    expect(
      formatServerSentEvent({ event: 'text-delta', id: '7', retry: 1500, data: 'a\nb\r\nc' }),
    ).toBe('event: text-delta\nid: 7\nretry: 1500\ndata: a\ndata: b\ndata: c\n\n');
  });

  it('sends objects as JSON and keeps fields on one line', () => {
    expect(formatServerSentEvent({ event: 'x\ny', data: { n: 1 } })).toBe(
      'event: x y\ndata: {"n":1}\n\n',
    );
  });
});

describe('createEventStream', () => {
  it('sets the streaming headers', () => {
    const response = createEventStream(() => undefined);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
  });

  it('hands each event over as its own chunk, as soon as it is sent', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const response = createEventStream(async (writer) => {
      await writer.send({ event: 'first', data: 1 });
      await gate;
      await writer.send({ event: 'second', data: 2 });
    });
    const reader = response.body!.getReader();
    // The producer is still waiting: the first event must already be readable.
    expect(decoder.decode((await reader.read()).value)).toBe('event: first\ndata: 1\n\n');
    release();
    expect(decoder.decode((await reader.read()).value)).toBe('event: second\ndata: 2\n\n');
    expect((await reader.read()).done).toBe(true);
  });

  it('waits for the consumer (backpressure)', async () => {
    let sent = 0;
    const response = createEventStream(async (writer) => {
      for (let index = 0; index < 100; index++) {
        await writer.send({ data: index });
        sent++;
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toBeLessThanOrEqual(2);
    const text = await response.text();
    expect(sent).toBe(100);
    expect(text.match(/^data: /gm)).toHaveLength(100);
  });

  it('stops the producer when the request aborts', async () => {
    const request = new AbortController();
    let producerSignal: AbortSignal | undefined;
    let lastResult: boolean | undefined;
    const response = createEventStream(
      async (writer) => {
        producerSignal = writer.signal;
        await writer.send({ data: 'one' });
        await untilAborted(writer.signal);
        lastResult = await writer.send({ data: 'two' });
      },
      { signal: request.signal },
    );
    const reader = response.body!.getReader();
    await reader.read();
    request.abort();
    await vi.waitFor(() => expect(lastResult).toBe(false));
    expect(producerSignal?.aborted).toBe(true);
    expect((await reader.read()).done).toBe(true);
  });

  it('aborts the producer when the consumer cancels', async () => {
    let signal: AbortSignal | undefined;
    const response = createEventStream(async (writer) => {
      signal = writer.signal;
      await writer.send({ data: 'one' });
      await untilAborted(writer.signal);
    });
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    expect(signal?.aborted).toBe(true);
  });

  it('ends with a safe error event when the producer throws', async () => {
    const churn = createEventStream(() => {
      throw new ChurnError('timeout', 'The model took too long.');
    });
    expect(await churn.text()).toBe(
      'event: error\ndata: {"code":"timeout","message":"The model took too long."}\n\n',
    );

    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const unexpected = createEventStream(() => {
        throw new Error('secret stack detail');
      });
      const text = await unexpected.text();
      expect(text).toContain('"code":"internal"');
      expect(text).not.toContain('secret');
      expect(logged).toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
  });

  it('sends keep-alive comments while idle', async () => {
    let finish!: () => void;
    const response = createEventStream(
      () =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
      { heartbeatMs: 10 },
    );
    const reader = response.body!.getReader();
    expect(decoder.decode((await reader.read()).value)).toBe(': keep-alive\n\n');
    finish();
  });
});
