export type { EmulatorFault, EmulatorRequest, FaultOptions } from './emulator-server.js';
export {
  defaultOpenAIEmulatorReply,
  emulatedEmbedding,
  type OpenAIEmulator,
  type OpenAIEmulatorChatRequest,
  type OpenAIEmulatorOptions,
  type OpenAIEmulatorReply,
  type OpenAIEmulatorToolCall,
  startOpenAIEmulator,
} from './openai-emulator.js';
export {
  matchesPineconeFilter,
  type PineconeEmulator,
  type PineconeEmulatorOptions,
  type PineconeEmulatorRecord,
  startPineconeEmulator,
} from './pinecone-emulator.js';
