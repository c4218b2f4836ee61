// @ts-check
// Churn in a Hono 4 app served by @hono/node-server. Use app.all (not app.mount): the handler
// routes on the full URL.
import { fileURLToPath } from 'node:url';
import { createChurnHandler } from '@churn/server';
import { toHonoHandler } from '@churn/server/hono';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const port = Number(process.env.PORT ?? 3000);
/** The embedded data (PGlite) lives next to this file unless CHURN_DATA_DIR says otherwise. */
const dataDir = process.env.CHURN_DATA_DIR ?? fileURLToPath(new URL('./.churn', import.meta.url));

const app = new Hono();
const churn = toHonoHandler(createChurnHandler({ basePath: '/churn', dataDir }));
app.all('/churn', churn);
app.all('/churn/*', churn);
app.get('/', (c) => c.json({ app: 'hono', churn: '/churn/api', health: '/churn/healthz' }));

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => {
  console.log(`Hono example listening on http://127.0.0.1:${port} (Churn at /churn/api)`);
});
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
