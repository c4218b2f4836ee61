import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeAdapterConformance, type MountedServer } from '@churn/testing/conformance';
import next from 'next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adapterConformanceOptions,
  listenOnLocalhost,
} from '../../../test/fixtures/adapter-conformance.js';
import { toNextJsHandler } from './to-next-js-handler.js';

/*
 * A real Next.js app (test/fixtures/next-app: App Router, `app/api/[...path]/route.ts` and
 * `app/churn/api/[...path]/route.ts`, both `toNextJsHandler`) is built with `next build`
 * (about 30 s on two cores, skipped while the build is newer than its sources) and served
 * by Next's own production server in this process (`next({ dev: false })`), so requests go
 * through Next's real request and response path over a socket. The route files take the
 * handler under test from a global, because Next compiles them separately.
 */

type FetchHandler = (request: Request) => Promise<Response>;

const appDir = fileURLToPath(new URL('../../../test/fixtures/next-app/', import.meta.url));
const adapterDir = dirname(fileURLToPath(import.meta.url));
const handlers: Record<string, FetchHandler[]> = { '': [], '/churn': [] };
(globalThis as { __churnConformanceHandlers?: typeof handlers }).__churnConformanceHandlers =
  handlers;

function newestChange(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(
    stats.mtimeMs,
    ...readdirSync(path)
      .filter((entry) => entry !== '.next' && entry !== 'node_modules')
      .map((entry) => newestChange(join(path, entry))),
  );
}

function buildIfStale(): void {
  let built = 0;
  try {
    built = statSync(join(appDir, '.next', 'BUILD_ID')).mtimeMs;
  } catch {
    // Never built.
  }
  if (built > Math.max(newestChange(appDir), newestChange(adapterDir))) return;
  const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next');
  const result = spawnSync(process.execPath, [nextBin, 'build'], {
    cwd: appDir,
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`next build failed:\n${result.stdout}\n${result.stderr}`);
  }
}

let nextServer: MountedServer;
let closeNext: () => Promise<void>;

beforeAll(async () => {
  buildIfStale();
  const app = next({ dev: false, dir: appDir, quiet: true });
  await app.prepare();
  const handle = app.getRequestHandler();
  nextServer = await listenOnLocalhost(
    createServer((request, response) => void handle(request, response)),
  );
  closeNext = async () => {
    await nextServer.close();
    await app.close();
  };
}, 180_000);

afterAll(async () => {
  await closeNext?.();
});

describeAdapterConformance(
  'Next.js 15 (next build + next start, in-process)',
  async (handler, { basePath }) => {
    const stack = handlers[basePath];
    if (!stack) throw new Error(`The Next.js fixture has no route folder for "${basePath}".`);
    stack.push(handler);
    return {
      url: nextServer.url,
      close: async () => {
        stack.splice(stack.lastIndexOf(handler), 1);
      },
    };
  },
  adapterConformanceOptions,
);

describe('toNextJsHandler', () => {
  it('exports the same handler for every method Next.js routes', async () => {
    const seen: string[] = [];
    const routes = toNextJsHandler(async (request) => {
      seen.push(request.method);
      return new Response(null, { status: 204 });
    });
    const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
    for (const method of methods) {
      const response = await routes[method](new Request('http://localhost/api', { method }));
      expect(response.status).toBe(204);
    }
    expect(seen).toEqual([...methods]);
  });
});
