import { describe, expect, it } from 'vitest';
import { ChurnError } from './churn-error.js';
import { InvalidTransitionError } from './invalid-transition-error.js';
import { ValidationError } from './validation-error.js';

describe('ChurnError', () => {
  it('is recognised by its marker, even across copies of the package', () => {
    const error = new ValidationError('Customer', [
      { path: ['email'], message: 'must be an email' },
    ]);
    expect(ChurnError.isInstance(error)).toBe(true);
    expect(ChurnError.isInstance(new Error('plain'))).toBe(false);
    expect(ChurnError.isInstance(null)).toBe(false);
    // A structurally separate copy carries the same global symbol.
    const foreign = Object.assign(new Error('x'), {
      [Symbol.for('churn.error')]: true,
      code: 'internal',
    });
    expect(ChurnError.isInstance(foreign)).toBe(true);
  });

  it('serialises to code and message only: no stack, no cause', () => {
    const error = new ChurnError('provider_error', 'OpenAI answered 500.', {
      cause: new Error('secret detail'),
    });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'provider_error',
      message: 'OpenAI answered 500.',
    });
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('lists every validation problem with its field path', () => {
    const error = new ValidationError('PaymentMethod', [
      { path: ['expiryMonth'], message: 'must be between 1 and 12' },
      { path: ['cards', 0, 'lastFourDigits'], message: 'must be exactly 4 digits' },
    ]);
    expect(error.code).toBe('validation_failed');
    expect(error.message).toBe(
      'Invalid PaymentMethod: expiryMonth: must be between 1 and 12; cards[0].lastFourDigits: must be exactly 4 digits',
    );
  });

  it('names the machine, the state and the event of an illegal transition', () => {
    const error = new InvalidTransitionError('ChatSession', 'completed', 'payment-requested');
    expect(error.code).toBe('invalid_transition');
    expect(error.message).toContain('"completed"');
    expect(error.message).toContain('"payment-requested"');
  });
});
