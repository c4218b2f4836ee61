import { describe, expect, it } from 'vitest';
import { HttpError } from './http-error.js';
import { normalizeBasePath, type Route, Router } from './router.js';

const ok = () => new Response('ok');
const route = (method: Route['method'], path: string): Route => ({ method, path, handler: ok });

describe('normalizeBasePath', () => {
  it.each([
    [undefined, ''],
    ['', ''],
    ['/', ''],
    ['churn', '/churn'],
    ['/churn/', '/churn'],
    ['//a/b//', '/a/b'],
  ])('normalises %s to "%s"', (input, expected) => {
    expect(normalizeBasePath(input)).toBe(expected);
  });
});

describe('Router', () => {
  const conversations = route('GET', '/api/conversations/:id');
  const messages = route('POST', '/api/conversations/:id/messages');
  const files = route('GET', '/files/*');
  const router = new Router({
    basePath: '/churn',
    routes: [route('GET', '/api'), conversations, messages, files],
  });

  it('matches literal paths and decodes parameters', () => {
    expect(router.match('GET', '/churn/api/conversations/c%201')).toEqual({
      kind: 'found',
      route: conversations,
      params: { id: 'c 1' },
    });
    expect(router.match('POST', '/churn/api/conversations/c_1/messages')).toMatchObject({
      route: messages,
      params: { id: 'c_1' },
    });
  });

  it('matches the rest of a path with *', () => {
    expect(router.match('GET', '/churn/files/a/b%2Fc.txt')).toMatchObject({
      route: files,
      params: { '*': 'a/b/c.txt' },
    });
  });

  it('ignores trailing and doubled slashes', () => {
    expect(router.match('GET', '/churn/api/')).toMatchObject({ kind: 'found' });
    expect(router.match('GET', '/churn//api')).toMatchObject({ kind: 'found' });
  });

  it('answers only under its base path', () => {
    expect(router.match('GET', '/api')).toEqual({ kind: 'not-found' });
    expect(router.match('GET', '/churnish/api')).toEqual({ kind: 'not-found' });
  });

  it('lets HEAD fall back to GET', () => {
    expect(router.match('HEAD', '/churn/api')).toMatchObject({ kind: 'found' });
  });

  it('tells a wrong method from a missing path', () => {
    expect(router.match('DELETE', '/churn/api/conversations/c_1')).toEqual({
      kind: 'method-not-allowed',
      allowed: ['GET', 'HEAD'],
    });
    expect(router.match('GET', '/churn/api/nothing')).toEqual({ kind: 'not-found' });
  });

  it('does not match a malformed escape', () => {
    expect(router.match('GET', '/churn/api/conversations/%E0%A4%A')).toEqual({
      kind: 'not-found',
    });
  });

  it('throws 404 and 405 HttpErrors from resolve', () => {
    const missing = (() => {
      try {
        router.resolve('GET', '/churn/api/nothing');
      } catch (error) {
        return error;
      }
    })();
    expect(HttpError.isHttpError(missing) && missing.status).toBe(404);
    expect((missing as Error).message).toContain('GET /churn/api lists it');

    const wrongMethod = (() => {
      try {
        router.resolve('PUT', '/churn/api');
      } catch (error) {
        return error;
      }
    })() as HttpError;
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.code).toBe('method_not_allowed');
    expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD');
  });

  it('refuses malformed route paths', () => {
    expect(() => new Router().add(route('GET', '/a/*/b'))).toThrow(/last segment/);
    expect(() => new Router().add(route('GET', '/a/:1x'))).toThrow(/parameter name/);
  });
});
