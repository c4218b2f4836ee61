export {
  type NextJsFetchHandler,
  type NextJsRouteHandlers,
  toNextJsHandler,
} from './to-next-js-handler.js';
