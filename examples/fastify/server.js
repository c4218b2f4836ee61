// @ts-check
// Churn in a Fastify 5 app: the plugin keeps Fastify's parsers away from Churn's routes only.
import { fileURLToPath } from 'node:url';
import { createChurnHandler } from '@churn/server';
import { toFastifyPlugin } from '@churn/server/fastify';
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 3000);
/** The embedded data (PGlite) lives next to this file unless CHURN_DATA_DIR says otherwise. */
const dataDir = process.env.CHURN_DATA_DIR ?? fileURLToPath(new URL('./.churn', import.meta.url));

const fastify = Fastify();
await fastify.register(toFastifyPlugin(createChurnHandler({ basePath: '/churn', dataDir })), {
  prefix: '/churn',
});
fastify.get('/', async () => ({ app: 'fastify', churn: '/churn/api', health: '/churn/healthz' }));

await fastify.listen({ port, host: '127.0.0.1' });
console.log(`Fastify example listening on http://127.0.0.1:${port} (Churn at /churn/api)`);
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => void fastify.close().then(() => process.exit(0)));
}
