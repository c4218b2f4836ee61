import { createPGliteStorage } from '../storage/postgres-storage.js';
import { describeAbTests } from './ab-test-suite.js';

describeAbTests('in-memory PGlite', () => createPGliteStorage());
