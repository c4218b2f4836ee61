import { describeAdapterConformance, type MountedServer } from '@churn/testing/conformance';
import Fastify, { type FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { adapterConformanceOptions } from '../../../test/fixtures/adapter-conformance.js';
import { createChurnHandler } from '../../handler/create-churn-handler.js';
import { toFastifyHandler, toFastifyPlugin } from './to-fastify-handler.js';

async function start(app: FastifyInstance): Promise<MountedServer> {
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
  };
}

describeAdapterConformance(
  'Fastify 5',
  async (handler, { basePath }) => {
    const app = Fastify({ forceCloseConnections: true });
    // The app's own JSON route keeps Fastify's default parser: the plugin is encapsulated.
    app.post('/own-route', async (request) => ({ parsed: request.body }));
    await app.register(toFastifyPlugin(handler), { prefix: basePath });
    return start(app);
  },
  {
    ...adapterConformanceOptions,
    mountAfterBodyParser: async (handler) => {
      const app = Fastify({ forceCloseConnections: true });
      app.all('/*', toFastifyHandler(handler));
      return start(app);
    },
    bodyParserMessage: /already parsed by Fastify's content-type parser: register Churn with/,
  },
);

describe('toFastifyPlugin', () => {
  it('passes bodies of any content type, or none, through unread', async () => {
    const received: { contentType: string | null; text: string }[] = [];
    const app = Fastify();
    await app.register(
      toFastifyPlugin(
        createChurnHandler({
          routes: [
            {
              method: 'POST',
              path: '/api/raw',
              handler: async ({ request }) => {
                received.push({
                  contentType: request.headers.get('content-type'),
                  text: await request.text(),
                });
                return new Response(null, { status: 204 });
              },
            },
          ],
        }),
      ),
    );
    const server = await start(app);
    try {
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
        const response = await fetch(`${server.url}/api/raw`, {
          method: 'POST',
          headers: contentType ? { 'content-type': contentType } : {},
          body: new TextEncoder().encode('a=1&b= 2\n'),
        });
        expect(response.status).toBe(204);
      }
      expect(received).toEqual([
        { contentType: 'text/plain', text: 'a=1&b= 2\n' },
        { contentType: 'application/x-www-form-urlencoded', text: 'a=1&b= 2\n' },
        { contentType: null, text: 'a=1&b= 2\n' },
      ]);
    } finally {
      await server.close();
    }
  });
});
