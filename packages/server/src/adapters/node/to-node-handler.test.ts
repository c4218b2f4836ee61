import { createServer } from 'node:http';
import { describeAdapterConformance } from '@churn/testing/conformance';
import {
  adapterConformanceOptions,
  listenOnLocalhost,
} from '../../../test/fixtures/adapter-conformance.js';
import { toNodeHandler } from './to-node-handler.js';

describeAdapterConformance(
  'node:http',
  (handler) => listenOnLocalhost(createServer(toNodeHandler(handler))),
  {
    ...adapterConformanceOptions,
    // A plain node:http server has no body parser; this one reads the body first on purpose.
    mountAfterBodyParser: (handler) => {
      const listener = toNodeHandler(handler);
      return listenOnLocalhost(
        createServer((request, response) => {
          const chunks: Buffer[] = [];
          request.on('data', (chunk: Buffer) => chunks.push(chunk));
          request.on('end', () => void listener(request, response));
        }),
      );
    },
  },
);
