import { join } from 'node:path';
import { createChurnHandler } from '@churn/server';
import { toNextJsHandler } from '@churn/server/next';

/**
 * Churn under /api/churn: its API answers at /api/churn/api/... and its health check at
 * /api/churn/healthz. The embedded data lives in this example's `.churn` folder (or
 * CHURN_DATA_DIR).
 */
const handler = createChurnHandler({
  basePath: '/api/churn',
  dataDir: process.env.CHURN_DATA_DIR ?? join(process.cwd(), '.churn'),
});

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = toNextJsHandler(handler);
// The embedded defaults write to disk and answers stream: Node.js runtime, never cached.
export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';
