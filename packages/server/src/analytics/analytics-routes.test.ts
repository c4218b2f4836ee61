import { createPGliteStorage } from '../storage/postgres-storage.js';
import { describeAnalytics } from './analytics-suite.js';

describeAnalytics('in-memory PGlite', () => createPGliteStorage());
