export {
  type ExpressHandlerOptions,
  type ExpressLikeRequest,
  type ExpressMiddleware,
  toExpressHandler,
} from './to-express-handler.js';
