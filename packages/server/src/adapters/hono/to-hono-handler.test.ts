import type { Server } from 'node:http';
import { describeAdapterConformance } from '@churn/testing/conformance';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import {
  adapterConformanceOptions,
  listenOnLocalhost,
} from '../../../test/fixtures/adapter-conformance.js';
import { toHonoHandler } from './to-hono-handler.js';

function serveOnLocalhost(app: Hono) {
  return listenOnLocalhost(createAdaptorServer({ fetch: app.fetch }) as Server);
}

describeAdapterConformance(
  'Hono 4',
  (handler, { basePath }) => {
    const app = new Hono();
    app.all(`${basePath}/*`, toHonoHandler(handler));
    return serveOnLocalhost(app);
  },
  {
    ...adapterConformanceOptions,
    mountAfterBodyParser: (handler) => {
      const app = new Hono();
      app.use(async (context, next) => {
        if (context.req.header('content-type')?.includes('json')) await context.req.json();
        await next();
      });
      app.all('/*', toHonoHandler(handler));
      return serveOnLocalhost(app);
    },
    bodyParserMessage: /already read by a Hono middleware/,
  },
);
