import type { CardType } from '../../entities/enums.js';
import type { ValidationIssue } from '../../errors/validation-error.js';

/**
 * What a sandbox test card does, after Stripe's test cards:
 * - `succeeds`: saves and charges.
 * - `charge-fails`: saves, but every charge is declined (Stripe's 4000 0000 0000 0341).
 * - `setup-declined`: declined when saved (4000 0000 0000 0002).
 * - `authenticate-on-setup`: saving needs authentication, later off-session charges succeed
 *   (4000 0025 0000 3155).
 * - `authenticate-always`: saving and every charge need authentication (4000 0027 6000 3184).
 */
export type SandboxCardBehaviour =
  | 'succeeds'
  | 'charge-fails'
  | 'setup-declined'
  | 'authenticate-on-setup'
  | 'authenticate-always';

/** One card the sandbox accepts. */
export interface SandboxTestCard {
  number: string;
  brand: CardType;
  behaviour: SandboxCardBehaviour;
  /** What it is for, for the demo form's help text. */
  description: string;
}

/** The cards the sandbox accepts (Stripe's numbers, same behaviour). Any other number is refused. */
export const sandboxTestCards: readonly SandboxTestCard[] = [
  {
    number: '4242424242424242',
    brand: 'visa',
    behaviour: 'succeeds',
    description: 'Visa: succeeds',
  },
  {
    number: '5555555555554444',
    brand: 'mastercard',
    behaviour: 'succeeds',
    description: 'Mastercard: succeeds',
  },
  {
    number: '378282246310005',
    brand: 'amex',
    behaviour: 'succeeds',
    description: 'American Express: succeeds',
  },
  {
    number: '6011111111111117',
    brand: 'discover',
    behaviour: 'succeeds',
    description: 'Discover: succeeds',
  },
  {
    number: '4000000000000341',
    brand: 'visa',
    behaviour: 'charge-fails',
    description: 'Saves, but charges are declined',
  },
  {
    number: '4000000000000002',
    brand: 'visa',
    behaviour: 'setup-declined',
    description: 'Declined (generic_decline)',
  },
  {
    number: '4000002500003155',
    brand: 'visa',
    behaviour: 'authenticate-on-setup',
    description: 'Needs authentication when saved',
  },
  {
    number: '4000002760003184',
    brand: 'visa',
    behaviour: 'authenticate-always',
    description: 'Needs authentication every time',
  },
];

/** True when the digits pass the Luhn checksum (every card number does). */
export function passesLuhn(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index--) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The card details the demo form collects. */
export interface SandboxCardInput {
  /** Spaces and dashes are allowed, like `4242 4242 4242 4242`. */
  number: string;
  expMonth: number;
  /** Two or four digits. */
  expYear: number;
  cvc: string;
}

/**
 * Checks card details like a card form would: the number (digits, length, Luhn, a sandbox test
 * card), the expiry (a real month, not in the past at `now`) and the CVC (3 digits, 4 for Amex).
 * Messages never repeat the number.
 */
export function validateSandboxCard(
  card: SandboxCardInput,
  now: Date,
): { issues: ValidationIssue[]; testCard?: SandboxTestCard; expYear: number } {
  const issues: ValidationIssue[] = [];
  const digits = typeof card.number === 'string' ? card.number.replace(/[\s-]/g, '') : '';
  let testCard: SandboxTestCard | undefined;
  if (!/^\d{13,19}$/.test(digits)) {
    issues.push({ path: ['card', 'number'], message: 'must be 13 to 19 digits' });
  } else if (!passesLuhn(digits)) {
    issues.push({
      path: ['card', 'number'],
      message: 'is not a valid card number (check digit does not match): check for a typo',
    });
  } else {
    testCard = sandboxTestCards.find((candidate) => candidate.number === digits);
    if (testCard === undefined) {
      issues.push({
        path: ['card', 'number'],
        message:
          'is not a sandbox test card: the sandbox never takes real cards; use 4242 4242 4242 4242',
      });
    }
  }
  const expYear =
    Number.isInteger(card.expYear) && card.expYear >= 0 && card.expYear < 100
      ? 2000 + card.expYear
      : card.expYear;
  if (!Number.isInteger(card.expMonth) || card.expMonth < 1 || card.expMonth > 12) {
    issues.push({ path: ['card', 'expMonth'], message: 'must be a month from 1 to 12' });
  } else if (!Number.isInteger(expYear) || expYear < 1000 || expYear > 9999) {
    issues.push({ path: ['card', 'expYear'], message: 'must be a year like 2030 or 30' });
  } else {
    const currentIndex = now.getUTCFullYear() * 12 + now.getUTCMonth() + 1;
    if (expYear * 12 + card.expMonth < currentIndex) {
      issues.push({
        path: ['card', 'expYear'],
        message: 'the card has expired: use a future expiry date',
      });
    }
  }
  const cvcLength = testCard?.brand === 'amex' ? 4 : 3;
  if (typeof card.cvc !== 'string' || !new RegExp(`^\\d{${cvcLength}}$`).test(card.cvc)) {
    issues.push({
      path: ['card', 'cvc'],
      message: `must be ${cvcLength} digits${cvcLength === 4 ? ' (American Express)' : ''}`,
    });
  }
  return testCard === undefined ? { issues, expYear } : { issues, testCard, expYear };
}
