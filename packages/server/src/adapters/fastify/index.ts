export {
  type FastifyHandlerOptions,
  toFastifyHandler,
  toFastifyPlugin,
} from './to-fastify-handler.js';
