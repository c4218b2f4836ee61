import { ChurnError, type ChurnErrorCode } from '@churn/core';
import { HttpError } from './http-error.js';

/** Where the server writes what it must not tell the client. */
export interface ChurnLogger {
  error(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
}

/** The default logger: `console`, one line per event. */
export const consoleLogger: ChurnLogger = {
  error(message, details) {
    console.error(`[churn] ${message}`, ...(details ? [details] : []));
  },
  warn(message, details) {
    console.warn(`[churn] ${message}`, ...(details ? [details] : []));
  },
};

/** The HTTP status of each {@link ChurnErrorCode}. Adding a code to the core means adding it here. */
export const statusByErrorCode: Readonly<Record<ChurnErrorCode, number>> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  unsupported_media_type: 415,
  conflict: 409,
  invalid_transition: 409,
  payload_too_large: 413,
  ingest_failed: 422,
  // A card refused by the bank (Stripe answers 402 Payment Required too).
  payment_failed: 402,
  rate_limited: 429,
  quota_exceeded: 429,
  // The client went away: nobody reads this answer, but logs should not call it a 5xx.
  aborted: 499,
  internal: 500,
  configuration: 500,
  provider_error: 502,
  timeout: 504,
};

/** Settings of {@link errorToResponse}. */
export interface ErrorToResponseOptions {
  /** Where unexpected errors are logged. Default: {@link consoleLogger}. */
  logger?: ChurnLogger;
  /** The request's id, added to the log line and the response's `x-request-id`. */
  requestId?: string;
}

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: {
    code: ChurnErrorCode;
    message: string;
    /** Set on 5xx answers: quote it to find the log line. */
    errorId?: string;
    /** Set by validation errors: every problem with its field path. */
    issues?: { path: (string | number)[]; message: string }[];
  };
}

const genericMessage =
  'Something went wrong on our side. Try again; if it keeps happening, report the error id.';

/**
 * Maps anything thrown below a route to its HTTP answer, and is the only place that does:
 *
 * - an {@link HttpError} answers with its own status, headers and message;
 * - any other `ChurnError` answers with the status of its `code` ({@link statusByErrorCode})
 *   and its own safe JSON (`code`, `message`, and `issues` for validation errors);
 * - anything else is unexpected: it is logged with a fresh error id, and the client gets
 *   500 with a generic message and that id. Its message and stack never leave the server.
 *
 * 5xx answers always carry an `errorId` that appears in the log line.
 */
export function errorToResponse(error: unknown, options: ErrorToResponseOptions = {}): Response {
  const logger = options.logger ?? consoleLogger;
  let status: number;
  let body: ErrorBody;
  let headers: Headers;

  if (HttpError.isHttpError(error)) {
    status = error.status;
    headers = new Headers(error.headers);
    body = { error: { ...error.toJSON() } };
  } else if (ChurnError.isInstance(error)) {
    status = statusByErrorCode[error.code] ?? 500;
    headers = new Headers();
    body = { error: { ...error.toJSON() } };
  } else {
    const errorId = crypto.randomUUID();
    logger.error('Unexpected error while handling a request.', {
      errorId,
      requestId: options.requestId,
      error,
    });
    status = 500;
    headers = new Headers();
    body = { error: { code: 'internal', message: genericMessage, errorId } };
  }

  if (status >= 500 && body.error.errorId === undefined) {
    const errorId = crypto.randomUUID();
    body.error.errorId = errorId;
    logger.error(body.error.message, { errorId, requestId: options.requestId, error });
  }
  headers.set('content-type', 'application/json; charset=utf-8');
  headers.set('cache-control', 'no-store');
  if (options.requestId) headers.set('x-request-id', options.requestId);
  return new Response(JSON.stringify(body), { status, headers });
}
