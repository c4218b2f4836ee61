import { describeAbTests } from '../ab-tests/ab-test-suite.js';
import { describeAnalytics } from '../analytics/analytics-suite.js';
import { describeFeedback } from '../feedback/feedback-suite.js';
import { usePostgresTestStorage } from '../storage/postgres-test-storage.js';
import { describeEscalations } from './escalation-suite.js';

// Real PostgreSQL (DATABASE_URL, or the local server CI runs): unreachable is a failure, never
// a skip. Each suite works in a schema of its own, dropped at the end.
const openStorage = usePostgresTestStorage();

describeFeedback('PostgreSQL', openStorage);
describeEscalations('PostgreSQL', openStorage);
describeAnalytics('PostgreSQL', openStorage);
describeAbTests('PostgreSQL', openStorage);
