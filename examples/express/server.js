// @ts-check
// Churn in an Express 5 app: the handler is mounted under /churn, before any body parser.
import { fileURLToPath } from 'node:url';
import { createChurnHandler } from '@churn/server';
import { toExpressHandler } from '@churn/server/express';
import express from 'express';

const port = Number(process.env.PORT ?? 3000);
/** The embedded data (PGlite) lives next to this file unless CHURN_DATA_DIR says otherwise. */
const dataDir = process.env.CHURN_DATA_DIR ?? fileURLToPath(new URL('./.churn', import.meta.url));

const app = express();
// 1. Churn first: it reads the raw request body itself (webhook signatures, size limits).
app.use('/churn', toExpressHandler(createChurnHandler({ basePath: '/churn', dataDir })));
// 2. Your own routes and parsers after it.
app.use(express.json());
app.get('/', (_request, response) => {
  response.json({ app: 'express', churn: '/churn/api', health: '/churn/healthz' });
});

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`Express example listening on http://127.0.0.1:${port} (Churn at /churn/api)`);
});
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
