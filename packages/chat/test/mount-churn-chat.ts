import type { ChurnChat } from '../src/churn-chat/churn-chat.js';
import '../src/define.js';
import { FakeChurnServer } from './fake-churn-server.js';
import { waitFor } from './harness.js';

export interface Mounted {
  element: ChurnChat;
  server: FakeChurnServer;
  root: ShadowRoot;
  $: <E extends Element = HTMLElement>(selector: string) => E | null;
  $$: <E extends Element = HTMLElement>(selector: string) => E[];
}

/** Adds a `<churn-chat>` talking to a fresh fake server, and waits for its branding. */
export async function mountChurnChat(
  attributes: Record<string, string> = {},
  prepare: (server: FakeChurnServer, element: ChurnChat) => void = () => {},
): Promise<Mounted> {
  const server = new FakeChurnServer();
  const element = document.createElement('churn-chat');
  element.setAttribute('tenant-key', 'pk_test_1');
  element.setAttribute('server', 'https://chat.example.com');
  element.setAttribute('persist', 'none');
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.fetch = server.fetch;
  prepare(server, element);
  document.body.append(element);
  await element.updateComplete;
  const root = element.shadowRoot;
  if (!root) throw new Error('no shadow root');
  if (server.config.name) {
    await waitFor(
      () => root.querySelector('.title')?.textContent === server.config.name,
      'branding',
    );
  }
  return {
    element,
    server,
    root,
    $: (selector) => root.querySelector(selector),
    $$: <E extends Element = HTMLElement>(selector: string) => [
      ...root.querySelectorAll<E>(selector),
    ],
  };
}

/** Types a message in the composer and presses Enter. */
export async function typeAndSend(mounted: Mounted, text: string): Promise<void> {
  const input = mounted.$<HTMLTextAreaElement>('textarea.input');
  if (!input) throw new Error('no composer');
  input.value = text;
  input.dispatchEvent(
    new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }),
  );
  await mounted.element.updateComplete;
}

/** Removes every widget and the page state tests leave behind. */
export function cleanUp(): void {
  for (const element of document.querySelectorAll('churn-chat')) element.remove();
  sessionStorage.clear();
  localStorage.clear();
}
