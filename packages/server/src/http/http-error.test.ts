import { ChurnError } from '@churn/core';
import { describe, expect, it } from 'vitest';
import { HttpError } from './http-error.js';

describe('HttpError', () => {
  it('is a ChurnError that carries its own JSON response', async () => {
    const error = new HttpError(429, 'rate_limited', 'Too many requests: wait a minute.', {
      headers: { 'retry-after': '60' },
    });
    expect(ChurnError.isInstance(error)).toBe(true);
    expect(HttpError.isHttpError(error)).toBe(true);
    const response = error.getResponse();
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('60');
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({
      error: { code: 'rate_limited', message: 'Too many requests: wait a minute.' },
    });
  });

  it('keeps the cause out of the response', async () => {
    const error = new HttpError(502, 'provider_error', 'Stripe did not answer.', {
      cause: new Error('socket hang up at 10.0.0.3'),
    });
    expect(error.cause).toBeInstanceOf(Error);
    expect(await error.getResponse().text()).not.toContain('10.0.0.3');
  });

  it('refuses a status that is not an error', () => {
    expect(() => new HttpError(200, 'internal', 'x')).toThrow(RangeError);
    expect(() => new HttpError(600, 'internal', 'x')).toThrow(RangeError);
  });

  it('tells a plain ChurnError from an HttpError', () => {
    expect(HttpError.isHttpError(new ChurnError('not_found', 'x'))).toBe(false);
    expect(HttpError.isHttpError(new Error('x'))).toBe(false);
  });
});
