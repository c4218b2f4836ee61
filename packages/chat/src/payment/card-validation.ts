/** Whether `digits` passes the Luhn checksum (card numbers). */
export function passesLuhn(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
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

/** A card number without spaces or dashes. */
export function normaliseCardNumber(value: string): string {
  return value.replace(/[\s-]/g, '');
}

/** Reads `MM/YY` or `MM/YYYY`; `undefined` when malformed or in the past. */
export function parseExpiry(
  value: string,
  now: Date = new Date(),
): { month: number; year: number } | undefined {
  const match = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(value);
  if (!match) return undefined;
  const month = Number(match[1]);
  let year = Number(match[2]);
  if (year < 100) year += 2000;
  if (month < 1 || month > 12) return undefined;
  const current = now.getFullYear() * 12 + now.getMonth();
  if (year * 12 + (month - 1) < current) return undefined;
  return { month, year };
}

/** Whether a security code looks right (3 or 4 digits). */
export function isValidCvc(value: string): boolean {
  return /^\d{3,4}$/.test(value.trim());
}
