/**
 * The heavy parts, loaded on first use as separate chunks: the Markdown renderer (marked), the
 * card step (Stripe, the demo form) and the translations. The script-tag build swaps this file for `load-lazy-modules.script-tag.ts`,
 * which loads the same modules as files next to `churn-chat.js`.
 */
export type MarkdownModule = typeof import('../markdown/render-markdown.js');
export type PaymentModule = typeof import('../payment/payment-module.js');
export type TranslationsModule = typeof import('../i18n/churn-chat-translations.js');

/** Loads the Markdown renderer. */
export function loadMarkdownModule(): Promise<MarkdownModule> {
  return import('../markdown/render-markdown.js');
}

/** Loads the card step (Stripe and the sandbox form). */
export function loadPaymentModule(): Promise<PaymentModule> {
  return import('../payment/payment-module.js');
}

/** Loads the built-in translations besides English. */
export function loadTranslationsModule(): Promise<TranslationsModule> {
  return import('../i18n/churn-chat-translations.js');
}

/** Where the script-tag build finds its chunks; nothing to do in the module build. */
export function setLazyModuleBase(_base: string): void {}
