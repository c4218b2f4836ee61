/**
 * A JSON response: `content-type: application/json; charset=utf-8` and the given status
 * (default 200) and headers.
 *
 * @example
 * return jsonResponse({ status: 'ok' });
 */
export function jsonResponse(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set('content-type', 'application/json; charset=utf-8');
  return new Response(JSON.stringify(body), { ...init, headers });
}
