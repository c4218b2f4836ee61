import { assert, assertEqual, describe, it } from '../../test/harness.js';
import { isValidCvc, normaliseCardNumber, parseExpiry, passesLuhn } from './card-validation.js';

describe('card validation', () => {
  it('passes Stripe test cards and fails a changed digit', () => {
    for (const number of [
      '4242424242424242',
      '4000000000000002',
      '5555555555554444',
      '378282246310005',
    ]) {
      assert(passesLuhn(number), number);
    }
    assert(!passesLuhn('4242424242424241'));
    assert(!passesLuhn('4242'));
    assert(!passesLuhn('4242abcd42424242'));
  });

  it('normalises spaces and dashes', () => {
    assertEqual(normaliseCardNumber('4242 4242-4242 4242'), '4242424242424242');
  });

  it('reads MM/YY and MM/YYYY and refuses past or malformed dates', () => {
    const now = new Date(2026, 4, 15);
    assertEqual(parseExpiry('05/26', now), { month: 5, year: 2026 });
    assertEqual(parseExpiry('12 / 2031', now), { month: 12, year: 2031 });
    assertEqual(parseExpiry('04/26', now), undefined);
    assertEqual(parseExpiry('13/30', now), undefined);
    assertEqual(parseExpiry('1230', now), undefined);
  });

  it('accepts 3 or 4 digit security codes', () => {
    assert(isValidCvc('123') && isValidCvc('1234'));
    assert(!isValidCvc('12') && !isValidCvc('12a'));
  });
});
