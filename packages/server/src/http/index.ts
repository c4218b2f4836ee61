export {
  type ChurnLogger,
  consoleLogger,
  type ErrorBody,
  type ErrorToResponseOptions,
  errorToResponse,
  statusByErrorCode,
} from './error-to-response.js';
export {
  createEventStream,
  type EventStreamOptions,
  type EventStreamWriter,
  eventStreamHeaders,
  formatServerSentEvent,
  type ServerSentEvent,
} from './event-stream.js';
export { HttpError, type HttpErrorOptions } from './http-error.js';
export { jsonResponse } from './json-response.js';
export {
  defaultBodyLimit,
  isJsonContentType,
  type ReadBodyOptions,
  type ReadJsonBodyOptions,
  readBody,
  readJsonBody,
  readTextBody,
} from './read-body.js';
export { getRequestId, requestIdHeader } from './request-id.js';
export {
  type HttpMethod,
  normalizeBasePath,
  type Route,
  type RouteCaller,
  type RouteContext,
  type RouteHandler,
  type RouteMatch,
  type RouteOpenApi,
  type RouteOpenApiResponse,
  Router,
} from './router.js';
