import { createPGliteStorage } from '../storage/postgres-storage.js';
import { describeRetentionSuite } from './retention-suite.js';

describeRetentionSuite('in-memory PGlite', () => createPGliteStorage());
