import { usePostgresTestStorage } from '../storage/postgres-test-storage.js';
import { describeSandboxRecovery } from './recovery-sandbox-suite.js';

// Real PostgreSQL (DATABASE_URL, or the local server CI runs): unreachable is a failure, never
// a skip. The run works in a schema of its own, dropped at the end.
describeSandboxRecovery('PostgreSQL', usePostgresTestStorage('churn_recovery'));
