/** Every text the widget shows or announces; override any of them with the `strings` property. */
export interface ChurnChatStrings {
  openChat: string;
  closeChat: string;
  defaultTitle: string;
  defaultGreeting: string;
  conversationLabel: string;
  messageLabel: string;
  messagePlaceholder: string;
  send: string;
  stop: string;
  typing: string;
  statusOnline: string;
  statusThinking: string;
  statusReconnecting: string;
  statusOffline: string;
  you: string;
  assistant: string;
  stopped: string;
  interrupted: string;
  sendFailed: string;
  retry: string;
  errorGeneric: string;
  sources: string;
  lowConfidence: string;
  talkToPerson: string;
  escalated: string;
  feedbackQuestion: string;
  thumbsUp: string;
  thumbsDown: string;
  feedbackCommentLabel: string;
  feedbackSubmit: string;
  feedbackThanks: string;
  newReply: string;
  identityRequired: string;
  paymentTitle: string;
  paymentSubmit: string;
  paymentProcessing: string;
  paymentSucceeded: string;
  paymentDeclined: string;
  paymentFailed: string;
  paymentExpired: string;
  paymentLoading: string;
  demoNotice: string;
  cardNumber: string;
  cardExpiry: string;
  cardCvc: string;
  cardNumberInvalid: string;
  cardExpiryInvalid: string;
  cardCvcInvalid: string;
  opensInNewTab: string;
}

const english: ChurnChatStrings = {
  openChat: 'Open chat',
  closeChat: 'Close chat',
  defaultTitle: 'Support',
  defaultGreeting: 'Hi! How can we help you today?',
  conversationLabel: 'Conversation',
  messageLabel: 'Your message',
  messagePlaceholder: 'Write a message…',
  send: 'Send',
  stop: 'Stop',
  typing: 'Writing an answer…',
  statusOnline: 'Online',
  statusThinking: 'Writing…',
  statusReconnecting: 'Reconnecting…',
  statusOffline: 'Offline',
  you: 'You',
  assistant: 'Assistant',
  stopped: 'Stopped.',
  interrupted: 'Connection lost. Reconnecting…',
  sendFailed: 'Not sent.',
  retry: 'Try again',
  errorGeneric: 'Something went wrong. Please try again in a moment.',
  sources: 'Sources',
  lowConfidence: "I'm not completely sure about this answer. A person from our team can help.",
  talkToPerson: 'Talk to a person',
  escalated: 'A person from our team will take over this conversation and reply here.',
  feedbackQuestion: 'Was this helpful?',
  thumbsUp: 'Helpful',
  thumbsDown: 'Not helpful',
  feedbackCommentLabel: 'Tell us more (optional)',
  feedbackSubmit: 'Send feedback',
  feedbackThanks: 'Thank you for your feedback.',
  newReply: 'New reply',
  identityRequired: 'Please sign in to your account to manage billing.',
  paymentTitle: 'Update your card',
  paymentSubmit: 'Save card',
  paymentProcessing: 'Saving your card…',
  paymentSucceeded: 'Your card has been updated. Thank you!',
  paymentDeclined: 'The card was declined. Please try another card.',
  paymentFailed: 'The card could not be saved. Please try again.',
  paymentExpired: 'This card form has expired. Ask again to update your card.',
  paymentLoading: 'Loading the secure card form…',
  demoNotice: 'DEMO: sandbox mode, no real card is charged.',
  cardNumber: 'Card number',
  cardExpiry: 'Expiry (MM/YY)',
  cardCvc: 'Security code (CVC)',
  cardNumberInvalid: 'Check the card number.',
  cardExpiryInvalid: 'Check the expiry date.',
  cardCvcInvalid: 'Check the security code.',
  opensInNewTab: '(opens in a new tab)',
};

/** The English strings, always in the main bundle. */
export const englishStrings: ChurnChatStrings = english;

/** The primary language subtag: `fr-CA` → `fr`. */
export function primaryLanguage(language: string | undefined): string {
  return (language ?? '').toLowerCase().split(/[-_]/)[0] || 'en';
}

/**
 * The strings for a language from `translations` (`fr-CA` falls back to `fr`, an unknown
 * language to English), with `overrides` on top. The other built-in languages live in
 * `churn-chat-translations.ts`, loaded only when the page is not in English.
 */
export function resolveChurnChatStrings(
  language: string | undefined,
  overrides: Partial<ChurnChatStrings> = {},
  translations: Readonly<Record<string, Partial<ChurnChatStrings>>> = {},
): ChurnChatStrings {
  return { ...english, ...translations[primaryLanguage(language)], ...overrides };
}

const rightToLeftLanguages = new Set(['ar', 'he', 'fa', 'ur', 'ps', 'yi', 'dv', 'ku', 'sd']);

/** Whether a language is written right to left. */
export function isRightToLeftLanguage(language: string | undefined): boolean {
  const primary = (language ?? '').toLowerCase().split(/[-_]/)[0] ?? '';
  return rightToLeftLanguages.has(primary);
}
