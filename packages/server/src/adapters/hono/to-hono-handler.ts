import type { Context } from 'hono';
import { errorToResponse } from '../../http/error-to-response.js';
import { HttpError } from '../../http/http-error.js';

/** A Web-standard fetch handler, as returned by `createChurnHandler`. */
export type HonoFetchHandler = (request: Request) => Promise<Response>;

const bodyConsumedMessage =
  "The request body was already read by a Hono middleware (c.req.json(), a validator): register Churn's route before that middleware, or scope the middleware to your own routes.";

/**
 * Reshapes the Churn handler into a Hono route handler: Hono already speaks Web `Request`
 * and `Response`, so it passes `c.req.raw` through untouched (full URL, raw body, signal).
 * Register it with `app.all`, not `app.mount` (which strips the prefix from the URL), under
 * the handler's `basePath`.
 *
 * @example
 * const app = new Hono();
 * app.all('/churn/*', toHonoHandler(createChurnHandler({ basePath: '/churn' })));
 */
export function toHonoHandler(handler: HonoFetchHandler): (context: Context) => Promise<Response> {
  let warned = false;
  return async (context) => {
    const request = context.req.raw;
    if (request.bodyUsed) {
      if (!warned) {
        warned = true;
        console.error(`[churn] ${bodyConsumedMessage}`);
      }
      return errorToResponse(new HttpError(500, 'configuration', bodyConsumedMessage), {
        logger: { error: () => undefined, warn: () => undefined },
      });
    }
    return handler(request);
  };
}
