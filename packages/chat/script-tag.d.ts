/**
 * `@churn/chat/churn-chat.js` is the script-tag build: loading it registers
 * `<churn-chat>` and starts a launcher from the script tag's `data-*` attributes.
 * Its lazy chunks (`churn-chat-markdown.js`, `churn-chat-payment.js`,
 * `churn-chat-translations.js`) are loaded by it from beside it. None exports
 * anything: import them for their side effect only. Typed element classes live in
 * `@churn/chat` and `@churn/chat/define`.
 */
export {};
