import { createPGliteStorage } from '../storage/postgres-storage.js';
import { describeIntegrationsSuite } from './integrations-suite.js';

describeIntegrationsSuite('in-memory PGlite', () => createPGliteStorage());
