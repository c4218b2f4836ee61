import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { UIMessageChunk } from './ui-message-chunk.js';
import { formatUIMessageChunk } from './ui-message-chunk.js';
import { UIMessageStreamEncoder } from './ui-message-stream-encoder.js';

describe('UIMessageStreamEncoder', () => {
  let written: UIMessageChunk[];
  let encoder: UIMessageStreamEncoder;

  beforeEach(() => {
    vi.useFakeTimers();
    written = [];
    encoder = new UIMessageStreamEncoder({
      write: (chunk) => written.push(chunk),
      flushIntervalMs: 30,
      flushChars: 20,
    });
  });
  afterEach(() => vi.useRealTimers());

  it('writes the protocol in order and coalesces deltas until the interval passes', () => {
    encoder.start('m1', { conversationId: 'c1' });
    for (const token of ['To ', 'change ', 'it']) encoder.text(token);
    expect(written.map((chunk) => chunk.type)).toEqual(['start', 'start-step', 'text-start']);
    vi.advanceTimersByTime(30);
    expect(written.at(-1)).toEqual({ type: 'text-delta', id: 'm1-text-1', delta: 'To change it' });
    encoder.text(' now.');
    encoder.finish('stop', { conversationId: 'c1', confidence: 0.8 });
    expect(written.slice(4)).toEqual([
      { type: 'text-delta', id: 'm1-text-1', delta: ' now.' },
      { type: 'text-end', id: 'm1-text-1' },
      { type: 'finish-step' },
      {
        type: 'finish',
        finishReason: 'stop',
        messageMetadata: { conversationId: 'c1', confidence: 0.8 },
      },
    ]);
    expect(encoder.ended).toBe(true);
    encoder.text('late');
    expect(written.length).toBe(8);
  });

  it('flushes at once past flushChars, and before a source or a data part', () => {
    encoder.start('m2');
    encoder.text('a'.repeat(25));
    expect(written.at(-1)).toEqual({ type: 'text-delta', id: 'm2-text-1', delta: 'a'.repeat(25) });
    encoder.text('see [1]');
    encoder.source({ sourceId: 'doc#0', url: 'https://help.example.com/a', title: 'A' });
    encoder.data({ type: 'data-confidence', data: { score: 0.5, escalate: false } });
    expect(written.slice(-3).map((chunk) => chunk.type)).toEqual([
      'text-delta',
      'source-url',
      'data-confidence',
    ]);
  });

  it('ends a stopped message with abort and a failed one with error, keeping the text', () => {
    encoder.start('m3');
    encoder.text('partial');
    encoder.abort();
    expect(written.slice(2).map((chunk) => chunk.type)).toEqual([
      'text-start',
      'text-delta',
      'text-end',
      'finish-step',
      'abort',
    ]);
    const failed: UIMessageChunk[] = [];
    const other = new UIMessageStreamEncoder({ write: (chunk) => failed.push(chunk) });
    other.start('m4');
    other.error('Sorry.');
    expect(failed).toEqual([
      { type: 'start', messageId: 'm4' },
      { type: 'start-step' },
      { type: 'finish-step' },
      { type: 'error', errorText: 'Sorry.' },
    ]);
  });

  it('formats chunks as SSE data lines', () => {
    expect(formatUIMessageChunk({ type: 'text-delta', id: 't', delta: 'a\nb' })).toBe(
      'data: {"type":"text-delta","id":"t","delta":"a\\nb"}\n\n',
    );
    expect(formatUIMessageChunk('[DONE]')).toBe('data: [DONE]\n\n');
  });
});
