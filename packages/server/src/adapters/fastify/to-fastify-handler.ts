import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ChurnLogger } from '../../http/error-to-response.js';
import { type FetchHandler, handleNodeRequest } from '../node/handle-node-request.js';

/** Settings of {@link toFastifyHandler} and {@link toFastifyPlugin}. */
export interface FastifyHandlerOptions {
  /** Where unexpected errors and misconfigurations are logged. Default `console`. */
  logger?: ChurnLogger;
}

const bodyConsumedMessage =
  "The request body was already parsed by Fastify's content-type parser: register Churn with `fastify.register(toFastifyPlugin(handler), { prefix })`, which keeps the body as a raw stream, instead of putting toFastifyHandler on a route of your own.";

/**
 * A Fastify route handler that answers with the Churn handler. It takes the reply over
 * (`reply.hijack()`) and writes to Node's response directly. Fastify parses JSON bodies
 * before route handlers run, so prefer {@link toFastifyPlugin}, which turns that off for
 * Churn's routes; use this only on routes whose content-type parser leaves the body unread.
 */
export function toFastifyHandler(
  handler: FetchHandler,
  options: FastifyHandlerOptions = {},
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const warned = { bodyConsumed: false };
  return async (request, reply) => {
    reply.hijack();
    await handleNodeRequest(handler, request.raw, reply.raw, {
      path: request.raw.url,
      bodyConsumedMessage,
      logger: options.logger,
      warned,
    });
  };
}

/**
 * A Fastify plugin that answers every path below its prefix with the Churn handler. Inside
 * the plugin (and only there: it is encapsulated) every content type is left unparsed, so
 * the handler reads the raw body, byte for byte. Use the same prefix as the handler's
 * `basePath`.
 *
 * @example
 * await fastify.register(toFastifyPlugin(createChurnHandler({ basePath: '/churn' })), {
 *   prefix: '/churn',
 * });
 */
export function toFastifyPlugin(
  handler: FetchHandler,
  options: FastifyHandlerOptions = {},
): FastifyPluginAsync {
  const route = toFastifyHandler(handler, options);
  return async (instance) => {
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', (_request, _payload, done) => {
      // Leave the payload unread: the handler reads `request.raw` itself.
      done(null);
    });
    instance.all('/', route);
    instance.all('/*', route);
  };
}
