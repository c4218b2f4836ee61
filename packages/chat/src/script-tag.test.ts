import { answerChunks, FakeChurnServer } from '../test/fake-churn-server.js';
import { assert, assertEqual, describe, it, nextEvent, waitFor } from '../test/harness.js';
import type { ChurnChat } from './churn-chat/churn-chat.js';

/** Loads the built script-tag file the way a website does. Run `pnpm build` first. */
function loadScriptTag(attributes: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/dist/churn-chat.js';
    for (const [name, value] of Object.entries(attributes)) script.setAttribute(name, value);
    script.onload = () => resolve();
    script.onerror = () =>
      reject(
        new Error('dist/churn-chat.js is missing: run `pnpm --filter @churn/chat build` first.'),
      );
    document.body.append(script);
  });
}

describe('dist/churn-chat.js (script tag)', () => {
  it('starts a working widget from its own data-* attributes and loads its chunks lazily', async () => {
    const server = new FakeChurnServer();
    server.answers.push({ chunks: answerChunks('Use **Billing** [1].') });
    const realFetch = window.fetch;
    window.fetch = server.fetch;
    try {
      await loadScriptTag({
        'data-tenant-key': 'pk_script_tag',
        'data-server': 'https://chat.example.com',
        'data-lang': 'en',
        'data-persist': 'none',
      });
      const element = await waitFor(
        () => document.querySelector<ChurnChat>('churn-chat'),
        'element added',
      );
      assertEqual(element.getAttribute('tenant-key'), 'pk_script_tag');
      assertEqual(element.getAttribute('server'), 'https://chat.example.com');
      const root = element.shadowRoot as ShadowRoot;
      await waitFor(() => root.querySelector('.title')?.textContent === 'Acme Support', 'branding');
      assertEqual(server.requests[0]?.headers.get('authorization'), 'Bearer pk_script_tag');
      assert(
        !performance
          .getEntriesByType('resource')
          .some((entry) => entry.name.includes('churn-chat-markdown')),
        'markdown not loaded up front',
      );
      const received = nextEvent(element, 'churn-message-receive');
      await element.send('How do I pay?');
      await received;
      await waitFor(
        () => root.querySelector('.bubble strong')?.textContent === 'Billing',
        'markdown rendered',
      );
      assert(
        performance
          .getEntriesByType('resource')
          .some((entry) => entry.name.endsWith('/dist/churn-chat-markdown.js')),
        'markdown chunk loaded next to the script',
      );
    } finally {
      window.fetch = realFetch;
    }
  });
});
