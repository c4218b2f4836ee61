const marker = Symbol.for('churn.admin.api-error');

/**
 * A refused or failed API call. `message` is the server's own `error.message` (it says how to
 * fix the problem), `code` its `error.code`; a network failure has status 0 and code `network`.
 */
export class AdminApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly [marker] = true;

  constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AdminApiError';
    this.status = status;
    this.code = code;
  }

  /** Whether `value` is an AdminApiError, even from another copy of this module. */
  static isInstance(value: unknown): value is AdminApiError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}

/** The text to show for any error: the server's message, or a plain one. */
export function errorMessage(error: unknown): string {
  if (AdminApiError.isInstance(error)) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Try again.';
}

/** Reads `{ error: { code, message } }` from a failed response, whatever it holds. */
export async function toAdminApiError(response: Response): Promise<AdminApiError> {
  let code = `http_${response.status}`;
  let message = `The server answered ${response.status} ${response.statusText}.`.replace(' .', '.');
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string' && body.error.message) message = body.error.message;
  } catch {
    // Not JSON (a proxy's error page): keep the status line.
  }
  if (response.status === 404 && code === `http_404`) {
    message = `${message} This server may not have this console route yet: update @churn/server.`;
  }
  return new AdminApiError(response.status, code, message);
}
