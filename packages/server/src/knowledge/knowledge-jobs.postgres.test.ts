import { usePostgresTestStorage } from '../storage/postgres-test-storage.js';
import { describeKnowledgeJobResume } from './knowledge-jobs-suite.js';

// Real PostgreSQL (DATABASE_URL, or the local server CI runs): unreachable is a failure, never
// a skip. The suite works in a schema of its own, dropped at the end.
describeKnowledgeJobResume('PostgreSQL', usePostgresTestStorage());
