import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createChurnHandler } from '../handler/create-churn-handler.js';
import { memoryLogger } from '../tenants/tenant-test-helpers.js';
import { resolveAdminDist } from './console-files.js';

// A built app as a fixture: the real @churn/admin dist has the same shape.
const root = mkdtempSync(join(tmpdir(), 'churn-console-'));
mkdirSync(join(root, 'assets'));
// As scripts/write-index-html.mjs writes it: absolute URLs under /admin/, the API on this origin.
writeFileSync(
  join(root, 'index.html'),
  [
    '<!doctype html><html lang="en" data-server=""><title>Churn console</title>',
    '<link rel="stylesheet" href="/admin/assets/console-64BCH3ET.css" />',
    '<script type="module" src="/admin/assets/index-Bc9xQ2aZ.js"></script>',
    '<link rel="icon" href="https://cdn.example.com/assets/icon.svg" /></html>',
  ].join(''),
);
writeFileSync(join(root, 'assets', 'index-Bc9xQ2aZ.js'), 'console.log("console")');
writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
const secretFile = join(tmpdir(), 'churn-console-secret.txt');
writeFileSync(secretFile, 'secret');

const dataDir = mkdtempSync(join(tmpdir(), 'churn-console-data-'));
const options = { dataDir, logger: memoryLogger(), rateLimits: { enabled: false } as const };
const handler = createChurnHandler({ ...options, console: { root } });
const mounted = createChurnHandler({
  ...options,
  basePath: '/churn',
  console: { path: '/ops', root },
});
const ops = createChurnHandler({ ...options, console: { path: '/ops', root } });
const missing = createChurnHandler({ ...options, console: { root: join(root, 'nope') } });
const off = createChurnHandler({ ...options, console: false });

afterAll(async () => {
  for (const each of [handler, mounted, ops, missing, off]) await each.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(secretFile, { force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

const get = (target: typeof handler, path: string) =>
  target(new Request(`http://localhost${path}`));

describe('the console’s static files', () => {
  it('serves index.html with a strict CSP, and hashed assets with a long cache', async () => {
    const index = await get(handler, '/admin/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const csp = index.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    // A tenant's https logo shows in the branding preview; scripts stay on this origin.
    expect(csp).toContain("img-src 'self' data: https:");
    expect(csp).toContain("connect-src 'self';");
    expect(await index.text()).toContain('<title>Churn console</title>');

    const asset = await get(handler, '/admin/assets/index-Bc9xQ2aZ.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const icon = await get(handler, '/admin/favicon.svg');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers deep links with index.html, redirects the bare path, 404s missing files', async () => {
    const deep = await get(handler, '/admin/customers/cust_1');
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('Churn console');
    const bare = await get(handler, '/admin');
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/admin/');
    const gone = await get(handler, '/admin/assets/missing-12345678.js');
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('never serves files outside its folder', async () => {
    for (const path of [
      '/admin/../churn-console-secret.txt',
      '/admin/%2e%2e/churn-console-secret.txt',
      '/admin/assets/%2e%2e%2f%2e%2e%2fchurn-console-secret.txt',
      '/admin/..%5cchurn-console-secret.txt',
    ]) {
      const response = await get(handler, path);
      expect(await response.text(), path).not.toBe('secret');
    }
  });

  it('follows the base path and the path option, can be turned off, and says how to install it', async () => {
    const index = await get(mounted, '/churn/ops/');
    expect(index.status).toBe(200);
    expect((await get(mounted, '/churn/ops')).headers.get('location')).toBe('/churn/ops/');
    expect((await get(off, '/admin/')).status).toBe(404);
    const absent = await get(missing, '/admin/');
    expect(absent.status).toBe(404);
    expect(((await absent.json()) as { error: { message: string } }).error.message).toMatch(
      /build @churn\/admin|install/,
    );
  });

  it('points index.html at its own assets and API wherever it is mounted', async () => {
    const page = async (target: typeof handler, path: string) => {
      const response = await get(target, path);
      expect(response.status, path).toBe(200);
      return response.text();
    };
    const atAdmin = await page(handler, '/admin/customers/cus_1');
    expect(atAdmin).toContain('src="/admin/assets/index-Bc9xQ2aZ.js"');
    expect(atAdmin).toContain('data-server=""');

    for (const path of ['/ops/', '/ops/customers/cus_1', '/ops/index.html']) {
      const atOps = await page(ops, path);
      expect(atOps, path).toContain('src="/ops/assets/index-Bc9xQ2aZ.js"');
      expect(atOps, path).toContain('href="/ops/assets/console-64BCH3ET.css"');
      expect(atOps, path).not.toContain('/admin/');
      expect(atOps, path).toContain('data-server=""');
      // URLs on other hosts are left alone.
      expect(atOps, path).toContain('href="https://cdn.example.com/assets/icon.svg"');
    }
    const script = await get(ops, '/ops/assets/index-Bc9xQ2aZ.js');
    expect(await script.text()).toBe('console.log("console")');

    const underBase = await page(mounted, '/churn/ops/settings');
    expect(underBase).toContain('src="/churn/ops/assets/index-Bc9xQ2aZ.js"');
    expect(underBase).toContain('href="/churn/ops/assets/console-64BCH3ET.css"');
    // The app calls `${data-server}/api/...`: the API under the same base path.
    expect(underBase).toContain('data-server="/churn"');
    expect((await get(mounted, '/churn/ops/assets/index-Bc9xQ2aZ.js')).status).toBe(200);
    expect((await get(mounted, '/churn/api/auth/me')).status).toBe(401);
  });

  it('finds the built app in the installed @churn/admin package by default', () => {
    expect(resolveAdminDist()).toMatch(/admin[\\/]dist$/);
  });
});
