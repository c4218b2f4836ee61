const marker = Symbol.for('churn.error');

/**
 * Every error code the SDK raises. The server maps codes (never classes) to HTTP
 * statuses, so adding a code here is part of the public contract.
 */
export type ChurnErrorCode =
  | 'validation_failed'
  | 'invalid_transition'
  | 'not_found'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'quota_exceeded'
  | 'payload_too_large'
  | 'provider_error'
  | 'payment_failed'
  | 'ingest_failed'
  | 'timeout'
  | 'aborted'
  | 'configuration'
  | 'internal';

export interface ChurnErrorOptions {
  cause?: unknown;
}

/**
 * The one base class of every error the SDK throws on purpose. Recognise it with
 * {@link ChurnError.isInstance} rather than `instanceof`: two copies of the package
 * in one process (a common bundling accident) still agree through the marker.
 */
export class ChurnError extends Error {
  readonly [marker] = true;
  readonly code: ChurnErrorCode;

  constructor(code: ChurnErrorCode, message: string, options: ChurnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChurnError';
    this.code = code;
  }

  static isInstance(error: unknown): error is ChurnError {
    return typeof error === 'object' && error !== null && marker in error;
  }

  /** A plain, serialisable view with no stack and no cause: safe to send to a client. */
  toJSON(): { code: ChurnErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}
