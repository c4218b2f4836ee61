export {
  createOpenApiDocument,
  type DocumentedRoute,
  documentationOf,
  type OpenApiDocument,
  type OpenApiDocumentOptions,
  type OpenApiDocumentResult,
  openApiPath,
  routeKey,
  toJsonSchema,
} from './create-openapi-document.js';
export { openApiRoute } from './openapi-route.js';
export { renderHttpApiDocs } from './render-http-api-docs.js';
export { routeDocumentation } from './route-documentation.js';
