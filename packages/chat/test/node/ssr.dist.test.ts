// Importing the built package on a server (SSR, a Node build step) must not touch `window`
// or `document`: the module has no side effects and defers everything to the browser.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = new URL('../../dist/', import.meta.url);

describe('@churn/chat in Node (built output)', () => {
  it('is built', () => {
    expect(existsSync(fileURLToPath(new URL('index.js', dist)))).toBe(true);
  });

  it('imports without a window and exposes the classes', async () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    const module = await import(new URL('index.js', dist).href);
    expect(typeof module.ChurnChat).toBe('function');
    expect(typeof module.ChurnChatController).toBe('function');
    expect(module.churnApiRoutes.conversationMessages('c 1')).toBe(
      '/api/conversations/c%201/messages',
    );
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    expect(typeof (globalThis as { document?: unknown }).document).toBe('undefined');
  });

  it('registers nothing and throws nothing when the define module runs on a server', async () => {
    await expect(import(new URL('define.js', dist).href)).resolves.toBeDefined();
  });

  it('drives the headless controller in Node against a fetch that streams', async () => {
    const { ChurnApiClient, ChurnChatController } = await import(new URL('index.js', dist).href);
    const body = [
      { type: 'start', messageId: 'm1' },
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'Hello from Node' },
      { type: 'text-end', id: 't' },
      { type: 'finish' },
    ]
      .map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`)
      .join('');
    const fetch = async (url: string) =>
      url.endsWith('/api/conversations')
        ? Response.json({ id: 'c1' })
        : new Response(`${body}data: [DONE]\n\n`, {
            headers: { 'content-type': 'text/event-stream' },
          });
    const chat = new ChurnChatController({
      client: new ChurnApiClient({ tenantKey: 'pk_1', server: 'http://x', fetch }),
    });
    await chat.send('hi');
    expect(chat.state.messages.at(-1)?.text).toBe('Hello from Node');
  });
});
