import { createPGliteStorage } from '../storage/postgres-storage.js';
import { describeSandboxRecovery } from './recovery-sandbox-suite.js';

describeSandboxRecovery('in-memory PGlite', () => createPGliteStorage());
