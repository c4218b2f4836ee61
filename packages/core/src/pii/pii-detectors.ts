/**
 * The kinds of personal data {@link maskPii} finds, in priority order: when two matches
 * overlap, the one whose kind comes first wins (an IBAN is not also read as a phone number).
 */
export const piiKinds = ['EMAIL', 'IBAN', 'CARD', 'SSN', 'NINO', 'PHONE', 'ADDRESS'] as const;

/** One of {@link piiKinds}; the placeholder's prefix (`[EMAIL_1]`). */
export type PiiKind = (typeof piiKinds)[number];

/** A piece of personal data found in a text: `[start, end)` in UTF-16 code units. */
export interface PiiMatch {
  kind: PiiKind;
  start: number;
  end: number;
  value: string;
}

/** Digits of a string, separators dropped. */
function digitsOf(value: string): string {
  return value.replace(/\D/g, '');
}

/** The Luhn check of a card number (digits only). */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let digit = digits.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return false;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** The ISO 13616 check of an IBAN (spaces allowed): the rearranged number mod 97 is 1. */
export function passesIbanCheck(value: string): boolean {
  const iban = value.replace(/\s/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const character of rearranged) {
    const code = character.charCodeAt(0);
    const digits = code >= 65 ? String(code - 55) : character;
    for (const digit of digits) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

interface Detector {
  kind: PiiKind;
  pattern: RegExp;
  accept?: (value: string) => boolean;
  /**
   * Greedy patterns can run into the next number (`+44 20 7946 0958 1052`): when the
   * whole match is rejected, shorter prefixes ending before a space are tried.
   */
  shrink?: boolean;
}

const streetSuffixes =
  'Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Close|Crescent|Square|Sq|Parkway|Pkwy|Highway|Hwy';

/**
 * The detectors. Each pattern finds candidates; `accept` checks what a pattern cannot
 * (a checksum, a digit count). Documented in docs/operations.md ("PII masking").
 */
const detectors: readonly Detector[] = [
  {
    kind: 'EMAIL',
    pattern:
      /[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g,
  },
  {
    // Two letters, two check digits, then 11 to 30 letters/digits, optionally in groups of four.
    kind: 'IBAN',
    pattern: /\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,4})?\b/g,
    accept: passesIbanCheck,
  },
  {
    // 13 to 19 digits, optionally grouped by single spaces or dashes, Luhn-valid.
    kind: 'CARD',
    pattern: /(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])/g,
    accept: (value) => {
      const digits = digitsOf(value);
      return digits.length >= 13 && digits.length <= 19 && passesLuhn(digits);
    },
    shrink: true,
  },
  {
    // US Social Security number, dashed or spaced; never 000/666/9xx, 00 or 0000 groups.
    kind: 'SSN',
    pattern: /(?<![\w-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\w-])/g,
  },
  {
    // UK National Insurance number: two prefix letters (not D, F, I, Q, U, V; second not O;
    // not BG, GB, KN, NK, NT, TN, ZZ), six digits (pairs may be spaced), suffix A to D.
    kind: 'NINO',
    pattern:
      /\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/gi,
  },
  {
    // International (`+44 20 7946 0958`, `0044 ...`) or grouped national numbers
    // (`(555) 123-4567`, `020 7946 0958`): 7 to 15 digits. A bare run of digits without
    // `+` is an order number, not a phone; an ISO date is a date; digits after a letter or
    // a dash belong to an id (a UUID's all-digit groups), not a phone.
    kind: 'PHONE',
    pattern:
      /(?<![\w+-])(?:\+|00)?(?:\(\d{1,4}\)|\d{1,5})(?:[ .-]?(?:\(\d{1,4}\)|\d{1,5})){1,6}(?![\w-])/g,
    accept: (value) => {
      const digits = digitsOf(value);
      if (digits.length < 7 || digits.length > 15) return false;
      if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
      return value.startsWith('+') || value.startsWith('00') || /[ .()-]/.test(value);
    },
    shrink: true,
  },
  {
    // A street line in English style: a house number, one to four capitalised words, a
    // street type (`221B Baker Street`, `1600 Pennsylvania Ave`).
    kind: 'ADDRESS',
    pattern: new RegExp(
      `\\b\\d{1,5}[A-Za-z]?,? (?:[A-Z][A-Za-z'-]* ){1,4}(?:${streetSuffixes})\\b`,
      'g',
    ),
  },
];

function acceptedPrefix(detector: Detector, value: string): string | undefined {
  const accept = detector.accept;
  if (!accept || accept(value)) return value;
  if (!detector.shrink) return undefined;
  for (let end = value.length - 1; end > 0; end -= 1) {
    if (value[end] === ' ' && /\d/.test(value[end - 1]!)) {
      const prefix = value.slice(0, end);
      if (accept(prefix)) return prefix;
    }
  }
  return undefined;
}

/**
 * Every piece of personal data in `text`, left to right, without overlaps (on overlap the
 * kind earlier in {@link piiKinds} wins, then the earlier and longer match).
 */
export function findPii(text: string): PiiMatch[] {
  const candidates: (PiiMatch & { priority: number })[] = [];
  detectors.forEach((detector, priority) => {
    for (const match of text.matchAll(detector.pattern)) {
      const value = acceptedPrefix(detector, match[0]);
      if (value === undefined) continue;
      const start = match.index;
      candidates.push({ kind: detector.kind, start, end: start + value.length, value, priority });
    }
  });
  candidates.sort(
    (left, right) =>
      left.priority - right.priority ||
      left.start - right.start ||
      right.end - right.start - (left.end - left.start),
  );
  const chosen: PiiMatch[] = [];
  for (const candidate of candidates) {
    const overlaps = chosen.some(
      (match) => candidate.start < match.end && match.start < candidate.end,
    );
    if (!overlaps) {
      chosen.push({
        kind: candidate.kind,
        start: candidate.start,
        end: candidate.end,
        value: candidate.value,
      });
    }
  }
  return chosen.sort((left, right) => left.start - right.start);
}
