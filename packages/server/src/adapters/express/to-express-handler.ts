import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChurnLogger } from '../../http/error-to-response.js';
import { type FetchHandler, handleNodeRequest } from '../node/handle-node-request.js';

/** Settings of {@link toExpressHandler}. */
export interface ExpressHandlerOptions {
  /** Where unexpected errors and misconfigurations are logged. Default `console`. */
  logger?: ChurnLogger;
}

/**
 * The Express request this adapter reads: a Node request plus Express's `originalUrl`.
 * Typed structurally so the adapter works with Express 4 and 5 without their types.
 */
export type ExpressLikeRequest = IncomingMessage & { originalUrl?: string };

/** An Express middleware (Express 4 and 5). */
export type ExpressMiddleware = (
  request: ExpressLikeRequest,
  response: ServerResponse,
  next: (error?: unknown) => void,
) => void;

const bodyConsumedMessage =
  'The request body was already parsed: mount the Churn handler before express.json() (or express.urlencoded(), express.raw(), body-parser), or apply those parsers only to your own routes. Churn needs the raw body, for example to verify webhook signatures.';

/**
 * Reshapes the Churn handler into Express middleware, for Express 4 and 5. The Web request
 * gets the full URL (`originalUrl`), so mount it under the path given to
 * `createChurnHandler({ basePath })`. It answers every request it receives (it never calls
 * `next`), and it must come before any body parser.
 *
 * @example
 * const app = express();
 * app.use('/churn', toExpressHandler(createChurnHandler({ basePath: '/churn' })));
 * app.use(express.json()); // your routes' parser, after Churn
 */
export function toExpressHandler(
  handler: FetchHandler,
  options: ExpressHandlerOptions = {},
): ExpressMiddleware {
  const warned = { bodyConsumed: false };
  return (request, response) => {
    void handleNodeRequest(handler, request, response, {
      path: request.originalUrl ?? request.url,
      bodyConsumedMessage,
      logger: options.logger,
      warned,
    });
  };
}
