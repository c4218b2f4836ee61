/**
 * Why a card was refused, in the provider-neutral words the conversation uses. Stripe's
 * `decline_code`s are folded into these (`lost_card`, `stolen_card`, `fraudulent` become
 * `card_declined` on purpose: Stripe advises never telling the customer a card was flagged).
 */
export const paymentFailureReasons = [
  'card_declined',
  'insufficient_funds',
  'expired_card',
  'incorrect_cvc',
  'incorrect_number',
  'processing_error',
  'authentication_required',
  'authentication_failed',
  'no_payment_method',
] as const;

/** One of {@link paymentFailureReasons}. */
export type PaymentFailureReason = (typeof paymentFailureReasons)[number];

/** A refused card: the reason, the provider's codes, and a message for the customer. */
export interface PaymentFailure {
  reason: PaymentFailureReason;
  /** The provider's error code, like `card_declined` or `setup_intent_authentication_failure`. */
  code?: string;
  /** The issuer's reason, like `generic_decline` or `insufficient_funds`, when the provider gives one. */
  declineCode?: string;
  /** Plain words for the customer: what happened and what to do next. Never contains card data. */
  message: string;
}

/** The message of each reason, written for the customer. */
export const paymentFailureMessages: Readonly<Record<PaymentFailureReason, string>> = {
  card_declined: 'Your bank declined the card. Try another card or contact your bank.',
  insufficient_funds:
    'The card has insufficient funds. Try another card, or contact your bank and try again.',
  expired_card: 'The card has expired. Check the expiry date or use another card.',
  incorrect_cvc:
    'The security code (CVC) is incorrect. Check the 3 or 4 digits on the card and try again.',
  incorrect_number: 'The card number is incorrect. Check it and try again.',
  processing_error:
    'Something went wrong while processing the card. Try again in a moment, or use another card.',
  authentication_required:
    'Your bank needs you to confirm this card. Complete the check your bank shows, or use another card.',
  authentication_failed: 'Your bank could not confirm the card. Try again, or use another card.',
  no_payment_method: 'There is no card on file to charge. Add a card first.',
};

const reasonByCode: Readonly<Record<string, PaymentFailureReason>> = {
  card_declined: 'card_declined',
  expired_card: 'expired_card',
  incorrect_cvc: 'incorrect_cvc',
  invalid_cvc: 'incorrect_cvc',
  incorrect_number: 'incorrect_number',
  invalid_number: 'incorrect_number',
  invalid_expiry_month: 'expired_card',
  invalid_expiry_year: 'expired_card',
  processing_error: 'processing_error',
  authentication_required: 'authentication_required',
  invoice_payment_intent_requires_action: 'authentication_required',
  payment_intent_authentication_failure: 'authentication_failed',
  setup_intent_authentication_failure: 'authentication_failed',
  invoice_no_customer_line_items: 'no_payment_method',
  invoice_no_payment_method_types: 'no_payment_method',
  resource_missing: 'no_payment_method',
};

const reasonByDeclineCode: Readonly<Record<string, PaymentFailureReason>> = {
  insufficient_funds: 'insufficient_funds',
  expired_card: 'expired_card',
  incorrect_cvc: 'incorrect_cvc',
  invalid_cvc: 'incorrect_cvc',
  incorrect_number: 'incorrect_number',
  invalid_number: 'incorrect_number',
  processing_error: 'processing_error',
  authentication_required: 'authentication_required',
};

/**
 * Turns a provider's error code and decline code into a {@link PaymentFailure} with plain words.
 * The decline code wins when it is more precise (`card_declined` + `insufficient_funds` says
 * insufficient funds); unknown codes read as a bank decline.
 *
 * @example
 * describePaymentFailure({ code: 'card_declined', declineCode: 'generic_decline' }).message
 * // 'Your bank declined the card. Try another card or contact your bank.'
 */
export function describePaymentFailure(codes: {
  code?: string | null | undefined;
  declineCode?: string | null | undefined;
}): PaymentFailure {
  const code = codes.code ?? undefined;
  const declineCode = codes.declineCode ?? undefined;
  const reason =
    (declineCode !== undefined ? reasonByDeclineCode[declineCode] : undefined) ??
    (code !== undefined ? reasonByCode[code] : undefined) ??
    'card_declined';
  return {
    reason,
    ...(code !== undefined ? { code } : {}),
    ...(declineCode !== undefined ? { declineCode } : {}),
    message: paymentFailureMessages[reason],
  };
}
