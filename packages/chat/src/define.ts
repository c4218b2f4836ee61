import { ChurnChat } from './churn-chat/churn-chat.js';

/**
 * Registers `<churn-chat>` (this module has that side effect; `@churn/chat` itself has none).
 * Registering twice is harmless: the first definition stays.
 */
export function defineChurnChat(tagName = 'churn-chat'): void {
  if (typeof customElements === 'undefined' || customElements.get(tagName)) return;
  customElements.define(tagName, tagName === 'churn-chat' ? ChurnChat : class extends ChurnChat {});
}

defineChurnChat();

export { ChurnChat };
