import { createPGliteStorage } from '../storage/postgres-storage.js';
import { describeEscalations } from './escalation-suite.js';

describeEscalations('in-memory PGlite', () => createPGliteStorage());
