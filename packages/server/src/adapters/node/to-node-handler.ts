import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChurnLogger } from '../../http/error-to-response.js';
import { type FetchHandler, handleNodeRequest } from './handle-node-request.js';

/** Settings of {@link toNodeHandler}. */
export interface NodeHandlerOptions {
  /** Where unexpected errors and misconfigurations are logged. Default `console`. */
  logger?: ChurnLogger;
}

/** A `node:http` request listener that always settles (it never rejects). */
export type NodeRequestListener = (
  request: IncomingMessage,
  response: ServerResponse,
) => Promise<void>;

/**
 * Reshapes the Churn handler into a `node:http` (or `node:https`) request listener. The
 * body reaches the handler untouched, the answer streams with backpressure, and a client
 * that disconnects aborts `request.signal`.
 *
 * @example
 * import { createServer } from 'node:http';
 * createServer(toNodeHandler(createChurnHandler())).listen(3000);
 */
export function toNodeHandler(
  handler: FetchHandler,
  options: NodeHandlerOptions = {},
): NodeRequestListener {
  const warned = { bodyConsumed: false };
  return (request, response) =>
    handleNodeRequest(handler, request, response, { logger: options.logger, warned });
}
