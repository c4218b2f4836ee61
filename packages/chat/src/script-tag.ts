/**
 * The script-tag build (`dist/churn-chat.js`): registers `<churn-chat>` and, when its own
 * script tag carries `data-tenant-key`, adds a working widget to the page:
 *
 * ```html
 * <script src="https://chat.example.com/churn-chat.js" data-tenant-key="pk_..."></script>
 * ```
 *
 * `data-server` (default: the script's origin), `data-customer-token`, `data-lang`,
 * `data-position`, `data-persist`, `data-greeting`, `data-stripe-js-url` and `data-open` map
 * to the element's attributes; the script's `nonce` is passed on (for the Stripe script tag).
 * A page that already holds a `<churn-chat>` element only gets the registration.
 */
import { ChurnChat } from './churn-chat/churn-chat.js';
import { defineChurnChat } from './define.js';
import { setLazyModuleBase } from './lazy/load-lazy-modules.js';

const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : null;
setLazyModuleBase(script?.src || document.baseURI);
defineChurnChat();

const attributes: Record<string, string> = {
  tenantKey: 'tenant-key',
  server: 'server',
  customerToken: 'customer-token',
  lang: 'lang',
  dir: 'dir',
  position: 'position',
  persist: 'persist',
  greeting: 'greeting',
  stripeJsUrl: 'stripe-js-url',
};

function start(): void {
  if (!script?.dataset.tenantKey || document.querySelector('churn-chat')) return;
  const element = document.createElement('churn-chat') as ChurnChat;
  for (const [key, attribute] of Object.entries(attributes)) {
    const value = script.dataset[key];
    if (value) element.setAttribute(attribute, value);
  }
  if (!script.dataset.server && script.src) {
    element.setAttribute('server', new URL(script.src).origin);
  }
  if (script.dataset.open !== undefined && script.dataset.open !== 'false') {
    element.setAttribute('open', '');
  }
  if (script.nonce) element.nonce = script.nonce;
  document.body.append(element);
}

if (document.body) start();
else document.addEventListener('DOMContentLoaded', start, { once: true });

export { ChurnChat };
