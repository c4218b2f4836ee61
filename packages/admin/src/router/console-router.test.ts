import { describe, expect, test } from 'vitest';
import { consoleBasePath, matchRoute } from './console-router.js';

describe('matchRoute', () => {
  test.each([
    ['', { page: 'home' }],
    ['customers', { page: 'customers' }],
    ['customers/', { page: 'customers' }],
    ['customers/cus_1', { page: 'customer', id: 'cus_1' }],
    ['customers/a%2Fb', { page: 'customer', id: 'a/b' }],
    ['rules', { page: 'rules' }],
    ['conversations', { page: 'conversations' }],
    ['conversations/conv_9', { page: 'conversations', id: 'conv_9' }],
    ['escalations', { page: 'escalations' }],
    ['metrics', { page: 'metrics' }],
    ['knowledge', { page: 'knowledge' }],
    ['knowledge/documents/doc_1', { page: 'document', id: 'doc_1' }],
    ['settings', { page: 'settings' }],
    ['customers/cus_1/extra', { page: 'not-found', path: 'customers/cus_1/extra' }],
    ['nope', { page: 'not-found', path: 'nope' }],
  ])('%s', (path, route) => {
    expect(matchRoute(path)).toEqual(route);
  });
});

describe('consoleBasePath', () => {
  test('is the folder above the scripts’ assets folder, wherever the console is mounted', () => {
    expect(consoleBasePath('https://example.com/admin/assets/console-ABC.js')).toBe('/admin/');
    expect(consoleBasePath('https://example.com/churn/ops/assets/chunk-X.js')).toBe('/churn/ops/');
    expect(consoleBasePath('https://example.com/assets/console-ABC.js')).toBe('/');
  });

  test('falls back to /admin/ when not loaded from a build (source, tests)', () => {
    expect(consoleBasePath('file:///work/packages/admin/src/router/console-router.ts')).toBe(
      '/admin/',
    );
  });
});
