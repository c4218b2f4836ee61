/** The header that carries a request's id, in and out. */
export const requestIdHeader = 'x-request-id';

const acceptable = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id of a request: the caller's `x-request-id` when it is a short, safe token (so a
 * proxy's id follows the request through the logs), otherwise a fresh UUID. Anything else
 * the caller sends is ignored rather than echoed, so it cannot inject into logs or headers.
 */
export function getRequestId(request: Request): string {
  const incoming = request.headers.get(requestIdHeader);
  return incoming && acceptable.test(incoming) ? incoming : crypto.randomUUID();
}
