import { ChurnError, type ChurnErrorCode, ValidationError } from '@churn/core';
import { describe, expect, it, vi } from 'vitest';
import { type ChurnLogger, errorToResponse, statusByErrorCode } from './error-to-response.js';
import { HttpError } from './http-error.js';

function recordingLogger(): ChurnLogger & { lines: [string, Record<string, unknown>?][] } {
  const lines: [string, Record<string, unknown>?][] = [];
  return {
    lines,
    error: (message, details) => lines.push([message, details]),
    warn: (message, details) => lines.push([message, details]),
  };
}

describe('errorToResponse', () => {
  it.each(Object.entries(statusByErrorCode) as [ChurnErrorCode, number][])(
    'maps ChurnError %s to %i with { error: { code, message } }',
    async (code, status) => {
      const logger = recordingLogger();
      const response = errorToResponse(new ChurnError(code, `A ${code} happened.`), { logger });
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const body = (await response.json()) as { error: Record<string, unknown> };
      expect(body.error.code).toBe(code);
      expect(body.error.message).toBe(`A ${code} happened.`);
      if (status >= 500) {
        expect(body.error.errorId).toMatch(/^[0-9a-f-]{36}$/);
        expect(logger.lines[0]?.[1]?.errorId).toBe(body.error.errorId);
      } else {
        expect(body.error.errorId).toBeUndefined();
        expect(logger.lines).toEqual([]);
      }
    },
  );

  it('lists validation issues', async () => {
    const response = errorToResponse(
      new ValidationError('Customer', [{ path: ['email'], message: 'must be an email' }]),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 'validation_failed',
        message: 'Invalid Customer: email: must be an email',
        issues: [{ path: ['email'], message: 'must be an email' }],
      },
    });
  });

  it('answers an HttpError with its own status and headers', async () => {
    const response = errorToResponse(
      new HttpError(405, 'method_not_allowed', 'Use GET.', { headers: { allow: 'GET' } }),
      { requestId: 'request-1' },
    );
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(response.headers.get('x-request-id')).toBe('request-1');
    expect(await response.json()).toEqual({
      error: { code: 'method_not_allowed', message: 'Use GET.' },
    });
  });

  it.each([
    ['an Error', new Error('password=hunter2 at db.internal:5432')],
    ['a string', 'password=hunter2'],
    ['an object', { secret: 'hunter2' }],
    ['undefined', undefined],
  ])('answers %s with a generic 500 and logs it under an error id', async (_, thrown) => {
    const logger = recordingLogger();
    const response = errorToResponse(thrown, { logger, requestId: 'request-2' });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('stack');
    const body = JSON.parse(text) as { error: { code: string; message: string; errorId: string } };
    expect(body.error.code).toBe('internal');
    expect(body.error.message).toMatch(/went wrong on our side/);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]?.[1]).toMatchObject({
      errorId: body.error.errorId,
      requestId: 'request-2',
      error: thrown,
    });
  });

  it('logs to the console by default', () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      errorToResponse(new Error('boom'));
      expect(logged).toHaveBeenCalledTimes(1);
      expect(String(logged.mock.calls[0]?.[0])).toContain('[churn]');
    } finally {
      logged.mockRestore();
    }
  });
});
