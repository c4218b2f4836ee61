import { createServer } from 'node:http';
import { describeAdapterConformance } from '@churn/testing/conformance';
import express from 'express';
import express4 from 'express4';
import {
  adapterConformanceOptions,
  listenOnLocalhost,
} from '../../../test/fixtures/adapter-conformance.js';
import { toExpressHandler } from './to-express-handler.js';

const bodyParserMessage = /already parsed: mount the Churn handler before express\.json\(\)/;

for (const [name, createApp] of [
  ['Express 5', express],
  ['Express 4', express4],
] as const) {
  describeAdapterConformance(
    name,
    (handler, { basePath }) => {
      const app = createApp();
      // An app-level route and parser after Churn's: they must not interfere.
      if (basePath === '') app.use(toExpressHandler(handler));
      else app.use(basePath, toExpressHandler(handler));
      app.use(express.json());
      return listenOnLocalhost(createServer(app));
    },
    {
      ...adapterConformanceOptions,
      mountAfterBodyParser: (handler) => {
        const app = createApp();
        app.use(createApp.json());
        app.use(toExpressHandler(handler));
        return listenOnLocalhost(createServer(app));
      },
      bodyParserMessage,
    },
  );
}
