import { describe, expect, test, vi } from 'vitest';
import { AdminApiClient } from './admin-api-client.js';
import { AdminApiError } from './admin-api-error.js';

function tokens(accessToken: string, refreshToken: string) {
  return {
    accessToken,
    tokenType: 'Bearer',
    expiresIn: 900,
    expiresAt: new Date(Date.now() + 900_000).toISOString(),
    refreshToken,
    refreshExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    adminUser: { id: 'u1', tenantId: 't1', name: 'Alex', email: 'a@x', role: 'admin' },
  };
}

function memoryStore() {
  const values = new Map<string, string>();
  return {
    values,
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
    removeItem: (key: string) => void values.delete(key),
  };
}

describe('AdminApiClient', () => {
  test('signs in, keeps the refresh token in the store only, sends the access token', async () => {
    const calls: { url: string; authorization: string | null }[] = [];
    const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      calls.push({ url, authorization: new Headers(init?.headers).get('authorization') });
      if (url.endsWith('/api/auth/sign-in')) return Response.json(tokens('at1', 'rt1'));
      return Response.json({ ok: true });
    });
    const store = memoryStore();
    const client = new AdminApiClient({ server: 'https://api.example.com/', fetch, store });
    await client.signIn({ tenantId: 't1', email: 'a@x', password: 'pw' });
    expect([...store.values.entries()]).toEqual([['churn-admin.refresh-token', 'rt1']]);
    await client.get('/api/customers', { q: 'ada', severity: '', cursor: undefined, limit: 25 });
    expect(calls[1]).toEqual({
      url: 'https://api.example.com/api/customers?q=ada&limit=25',
      authorization: 'Bearer at1',
    });
    client.session.clear();
  });

  test('throws the server’s error message and code', async () => {
    const fetch = async () =>
      Response.json(
        { error: { code: 'forbidden', message: 'This needs the "keys:read" permission.' } },
        { status: 403 },
      );
    const client = new AdminApiClient({ server: '', fetch });
    const error = await client.get('/api/keys').catch((caught: unknown) => caught);
    expect(AdminApiError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      status: 403,
      code: 'forbidden',
      message: 'This needs the "keys:read" permission.',
    });
  });

  test('a non-JSON failure keeps the status line', async () => {
    const fetch = async () =>
      new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' });
    const client = new AdminApiClient({ server: '', fetch });
    await expect(client.get('/api/tenant')).rejects.toMatchObject({
      status: 502,
      code: 'http_502',
      message: 'The server answered 502 Bad Gateway.',
    });
  });

  test('on a 401 it refreshes once (one request for concurrent calls) and retries', async () => {
    let refreshes = 0;
    const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      const authorization = new Headers(init?.headers).get('authorization');
      if (url.endsWith('/api/auth/sign-in')) return Response.json(tokens('old', 'rt1'));
      if (url.endsWith('/api/auth/refresh')) {
        refreshes += 1;
        expect(JSON.parse(String(init?.body))).toEqual({ refreshToken: 'rt1' });
        return Response.json(tokens('new', 'rt2'));
      }
      if (authorization !== 'Bearer new')
        return Response.json(
          { error: { code: 'unauthorized', message: 'expired' } },
          { status: 401 },
        );
      return Response.json({ value: url });
    });
    const store = memoryStore();
    const client = new AdminApiClient({ server: '', fetch, store });
    await client.signIn({ tenantId: 't1', email: 'a@x', password: 'pw' });
    const results = await Promise.all([
      client.get<{ value: string }>('/api/a'),
      client.get<{ value: string }>('/api/b'),
    ]);
    expect(results.map((result) => result.value)).toEqual(['/api/a', '/api/b']);
    expect(refreshes).toBe(1);
    expect(store.getItem('churn-admin.refresh-token')).toBe('rt2');
    client.session.clear();
  });

  test('a refused refresh signs out and tells the listeners', async () => {
    const fetch = async (input: RequestInfo | URL) => {
      const url = String(input);
      if (url.endsWith('/api/auth/sign-in')) return Response.json(tokens('at', 'rt'));
      if (url.endsWith('/api/auth/refresh'))
        return Response.json(
          { error: { code: 'unauthorized', message: 'reused' } },
          { status: 401 },
        );
      return Response.json(
        { error: { code: 'unauthorized', message: 'The access token expired.' } },
        { status: 401 },
      );
    };
    const store = memoryStore();
    const client = new AdminApiClient({ server: '', fetch, store });
    const changes = vi.fn();
    await client.signIn({ tenantId: 't1', email: 'a@x', password: 'pw' });
    client.onSessionChange(changes);
    await expect(client.get('/api/tenant')).rejects.toMatchObject({
      status: 401,
      message: 'The access token expired.',
    });
    expect(client.signedIn).toBe(false);
    expect(store.values.size).toBe(0);
    expect(changes).toHaveBeenCalled();
  });

  test('the events URL carries the access token (EventSource sends no headers)', async () => {
    const fetch = async () => Response.json(tokens('at 1', 'rt'));
    const client = new AdminApiClient({ server: 'https://api.example.com', fetch });
    await client.signIn({ tenantId: 't1', email: 'a@x', password: 'pw' });
    expect(client.eventsUrl()).toBe('https://api.example.com/api/admin/events?access_token=at+1');
    client.session.clear();
  });
});
