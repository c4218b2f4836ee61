export {
  type ChurnFetchHandler,
  type ChurnHandlerOptions,
  type ChurnHandlerState,
  createChurnHandler,
} from './create-churn-handler.js';
