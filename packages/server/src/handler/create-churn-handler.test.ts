import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../http/http-error.js';
import { jsonResponse } from '../http/json-response.js';
import { type ChurnHandlerState, createChurnHandler } from './create-churn-handler.js';

/** A fresh data folder: /healthz opens the embedded PGlite storage there. */
function temporaryDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'churn-handler-'));
}

describe('createChurnHandler', () => {
  it('runs on embedded defaults: /healthz once storage is ready, the /api index, JSON 404s', async () => {
    const handler = createChurnHandler({ dataDir: temporaryDataDir() });
    const health = await handler(new Request('http://localhost/healthz'));
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const index = await handler(new Request('http://localhost/api'));
    expect(index.status).toBe(200);
    expect(await index.json()).toMatchObject({
      name: '@churn/server',
      basePath: '',
      routes: expect.arrayContaining([
        { method: 'GET', path: '/healthz', description: expect.any(String) },
      ]),
    });

    const missing = await handler(new Request('http://localhost/api/nothing'));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
  }, 60_000); // opens embedded PostgreSQL in a fresh folder

  it('answers 405 with allow for a known path and a wrong method', async () => {
    const response = await createChurnHandler()(
      new Request('http://localhost/healthz', { method: 'DELETE' }),
    );
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect((await response.json()).error.code).toBe('method_not_allowed');
  });

  it('lives under its base path', async () => {
    const handler = createChurnHandler({ basePath: '/churn/', dataDir: temporaryDataDir() });
    expect((await handler(new Request('http://localhost/churn/healthz'))).status).toBe(200);
    expect((await handler(new Request('http://localhost/healthz'))).status).toBe(404);
    const index = (await (await handler(new Request('http://localhost/churn/api'))).json()) as {
      routes: { path: string }[];
    };
    expect(index.routes.map((route) => route.path)).toContain('/churn/api');
  }, 60_000); // opens embedded PostgreSQL in a fresh folder

  it('keeps data in ./.churn by default, or the folder given', async () => {
    const seen: ChurnHandlerState[] = [];
    const probe = {
      method: 'GET' as const,
      path: '/api/state',
      handler: ({ state }: { state: ChurnHandlerState }) => {
        seen.push(state);
        return jsonResponse({});
      },
    };
    await createChurnHandler({ routes: [probe] })(new Request('http://localhost/api/state'));
    await createChurnHandler({ routes: [probe], dataDir: 'tmp/data' })(
      new Request('http://localhost/api/state'),
    );
    expect(seen.map((state) => state.dataDir)).toEqual([resolve('.churn'), resolve('tmp/data')]);
  });

  it('runs extra routes with params, the request id, and maps what they throw', async () => {
    const handler = createChurnHandler({
      routes: [
        {
          method: 'GET',
          path: '/api/things/:id',
          handler: ({ params, requestId }) => jsonResponse({ id: params.id, requestId }),
        },
        {
          method: 'GET',
          path: '/api/teapot',
          handler: () => {
            throw new HttpError(409, 'conflict', 'Already brewing.');
          },
        },
      ],
    });
    const thing = await handler(
      new Request('http://localhost/api/things/t%2F1', { headers: { 'x-request-id': 'abc-1' } }),
    );
    expect(await thing.json()).toEqual({ id: 't/1', requestId: 'abc-1' });
    expect(thing.headers.get('x-request-id')).toBe('abc-1');

    const conflict = await handler(new Request('http://localhost/api/teapot'));
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toEqual({
      error: { code: 'conflict', message: 'Already brewing.' },
    });
    expect(conflict.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('adds the request id to responses with immutable headers', async () => {
    const immutable = Response.redirect('http://localhost/elsewhere', 302);
    const handler = createChurnHandler({
      routes: [{ method: 'GET', path: '/api/redirect', handler: () => immutable }],
    });
    const response = await handler(new Request('http://localhost/api/redirect'));
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('http://localhost/elsewhere');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
