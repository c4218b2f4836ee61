import type { MarkdownModule, PaymentModule, TranslationsModule } from './load-lazy-modules.js';

/**
 * The script-tag build's loaders: `churn-chat.js` is a classic script (so that it can read
 * `document.currentScript`), which cannot hold chunks, but can `import()` ES modules. The
 * chunks are built next to it as `churn-chat-markdown.js`, `churn-chat-payment.js` and
 * `churn-chat-translations.js`.
 */
let base = '';

/** Sets the URL the chunks are loaded relative to (the script's own URL). */
export function setLazyModuleBase(url: string): void {
  base = url;
}

function load<T>(file: string): Promise<T> {
  const url = new URL(file, base || globalThis.location?.href).href;
  return import(/* @vite-ignore */ url) as Promise<T>;
}

/** Loads the Markdown renderer. */
export function loadMarkdownModule(): Promise<MarkdownModule> {
  return load<MarkdownModule>('churn-chat-markdown.js');
}

/** Loads the card step (Stripe and the sandbox form). */
export function loadPaymentModule(): Promise<PaymentModule> {
  return load<PaymentModule>('churn-chat-payment.js');
}

/** Loads the built-in translations besides English. */
export function loadTranslationsModule(): Promise<TranslationsModule> {
  return load<TranslationsModule>('churn-chat-translations.js');
}
