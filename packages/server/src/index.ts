export {
  type ChurnFetchHandler,
  type ChurnHandlerOptions,
  type ChurnHandlerState,
  createChurnHandler,
} from './handler/create-churn-handler.js';
export * from './http/index.js';
export * from './identity/index.js';
export * from './storage/index.js';
export * from './tenants/index.js';
