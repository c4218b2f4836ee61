import { createPGliteStorage } from '../storage/postgres-storage.js';
import { describeFeedback } from './feedback-suite.js';

describeFeedback('in-memory PGlite', () => createPGliteStorage());
