import { createPGliteStorage } from '../storage/postgres-storage.js';
import { describeChatApi } from './chat-api-suite.js';

describeChatApi('in-memory PGlite', () => createPGliteStorage());
