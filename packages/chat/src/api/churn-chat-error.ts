/** What kind of problem a {@link ChurnChatError} is. */
export type ChurnChatErrorCode =
  | 'configuration'
  | 'network'
  | 'http'
  | 'stream'
  | 'aborted'
  | 'payment'
  | 'payment-declined'
  | 'unknown';

const marker = Symbol.for('churn.chat.error');

/**
 * The one error the widget reports (in `churn-error` events and in its state). Recognised by
 * a `Symbol.for` marker, so two copies of the package agree.
 */
export class ChurnChatError extends Error {
  readonly [marker] = true;
  override readonly name = 'ChurnChatError';
  /** The kind of problem. */
  readonly code: ChurnChatErrorCode;
  /** The HTTP status, for `http` errors. */
  readonly status: number | undefined;
  /** The server's own error code (`{ error: { code } }`), when it sent one. */
  readonly serverCode: string | undefined;

  constructor(
    code: ChurnChatErrorCode,
    message: string,
    details: { status?: number; serverCode?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.status = details.status;
    this.serverCode = details.serverCode;
  }

  /** Whether `value` is a ChurnChatError, from any copy of the package. */
  static is(value: unknown): value is ChurnChatError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}

/** Turns anything thrown into a ChurnChatError (network failures, aborts, bugs). */
export function toChurnChatError(error: unknown): ChurnChatError {
  if (ChurnChatError.is(error)) return error;
  if (error instanceof DOMException && error.name === 'AbortError') {
    return new ChurnChatError('aborted', 'The request was cancelled.', { cause: error });
  }
  if (error instanceof TypeError) {
    return new ChurnChatError('network', 'The chat server could not be reached.', { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ChurnChatError('unknown', message, { cause: error });
}
