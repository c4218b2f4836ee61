export {
  type FetchHandler,
  handleNodeRequest,
  isBodyConsumed,
  type NodeBridgeOptions,
  toWebRequest,
  writeWebResponse,
} from './handle-node-request.js';
export {
  type NodeHandlerOptions,
  type NodeRequestListener,
  toNodeHandler,
} from './to-node-handler.js';
