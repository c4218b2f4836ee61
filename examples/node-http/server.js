// @ts-check
// Churn on plain node:http: the whole server is the handler (API at /api, health at /healthz).
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createChurnHandler } from '@churn/server';
import { toNodeHandler } from '@churn/server/node';

const port = Number(process.env.PORT ?? 3000);
/** The embedded data (PGlite) lives next to this file unless CHURN_DATA_DIR says otherwise. */
const dataDir = process.env.CHURN_DATA_DIR ?? fileURLToPath(new URL('./.churn', import.meta.url));

const server = createServer(toNodeHandler(createChurnHandler({ dataDir })));
server.listen(port, '127.0.0.1', () => {
  console.log(`node:http example listening on http://127.0.0.1:${port} (Churn at /api)`);
});
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
