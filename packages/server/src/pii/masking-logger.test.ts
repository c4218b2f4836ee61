import { describe, expect, it } from 'vitest';
import { createMaskingLogger } from './masking-logger.js';

describe('createMaskingLogger', () => {
  it('masks the message and every string in the details, errors included, without changing them', () => {
    const lines: { message: string; details?: Record<string, unknown> }[] = [];
    const logger = createMaskingLogger({
      error: (message, details) => void lines.push({ message, ...(details ? { details } : {}) }),
      warn: (message, details) => void lines.push({ message, ...(details ? { details } : {}) }),
    });
    const error = new Error('Card 4242 4242 4242 4242 was declined for ada@example.com', {
      cause: new Error('phone +1 (555) 123-4567'),
    });
    const details = { tenantId: 't1', error, nested: { emails: ['bob@example.org'] }, count: 3 };
    logger.error('Reply failed for ada@example.com', details);
    logger.warn('No details');

    expect(lines[0]!.message).toBe('Reply failed for [EMAIL_1]');
    const logged = lines[0]!.details as {
      error: Error;
      nested: { emails: string[] };
      count: number;
      tenantId: string;
    };
    expect(logged.error).toBeInstanceOf(Error);
    expect(logged.error.message).toBe('Card [CARD_1] was declined for [EMAIL_1]');
    expect(logged.error.stack).not.toContain('ada@example.com');
    expect((logged.error.cause as Error).message).toBe('phone [PHONE_1]');
    expect(logged.nested.emails).toEqual(['[EMAIL_1]']);
    expect(logged.count).toBe(3);
    expect(logged.tenantId).toBe('t1');
    expect(lines[1]).toEqual({ message: 'No details' });
    // The caller's objects are untouched.
    expect(error.message).toContain('ada@example.com');
    expect(details.nested.emails).toEqual(['bob@example.org']);
  });
});
