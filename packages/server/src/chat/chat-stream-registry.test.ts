import { createMemoryChatStreamRegistry } from './chat-stream-registry.js';
import { chatStreamRegistrySuite } from './chat-stream-registry-suite.js';

chatStreamRegistrySuite('in process', async (settings) => createMemoryChatStreamRegistry(settings));
