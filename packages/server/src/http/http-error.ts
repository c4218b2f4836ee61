import { ChurnError, type ChurnErrorCode } from '@churn/core';

/** Settings of an {@link HttpError}. */
export interface HttpErrorOptions {
  /** Extra response headers, for example `allow` on a 405 or `retry-after` on a 429. */
  headers?: HeadersInit;
  /** The underlying error, kept for logs and never sent to the client. */
  cause?: unknown;
}

/**
 * An error that knows its HTTP answer: a status, a {@link ChurnErrorCode} and a message
 * written for the caller ("what was wrong and how to fix it"). Throw it anywhere below a
 * route; {@link errorToResponse} turns it into `{ error: { code, message } }` with its
 * status and headers. It is a {@link ChurnError}, so `ChurnError.isInstance` recognises it.
 *
 * @example
 * throw new HttpError(404, 'not_found', 'No conversation "c_1": check the id.');
 */
export class HttpError extends ChurnError {
  /** The HTTP status of the answer (400-599). */
  readonly status: number;
  /** Extra headers of the answer. */
  readonly headers: Headers;

  constructor(
    status: number,
    code: ChurnErrorCode,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`HttpError status must be an integer from 400 to 599, got ${status}.`);
    }
    this.name = 'HttpError';
    this.status = status;
    this.headers = new Headers(options.headers);
  }

  /** Whether `error` is an {@link HttpError}, even from another copy of this package. */
  static isHttpError(error: unknown): error is HttpError {
    return (
      ChurnError.isInstance(error) &&
      typeof (error as { status?: unknown }).status === 'number' &&
      (error as { headers?: unknown }).headers instanceof Headers
    );
  }

  /** The JSON response this error stands for: its status, its headers and `{ error: { code, message } }`. */
  getResponse(): Response {
    const headers = new Headers(this.headers);
    headers.set('content-type', 'application/json; charset=utf-8');
    return new Response(JSON.stringify({ error: this.toJSON() }), {
      status: this.status,
      headers,
    });
  }
}
