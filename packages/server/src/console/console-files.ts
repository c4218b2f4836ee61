import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Content types of the files a built single-page app holds. */
export const contentTypes: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
  map: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  ico: 'image/x-icon',
  woff: 'font/woff',
  woff2: 'font/woff2',
  txt: 'text/plain; charset=utf-8',
  webmanifest: 'application/manifest+json',
};

/**
 * The console's Content-Security-Policy: only its own origin's scripts, styles and API; no
 * inline script, no plugins, no framing of the console by other sites. Images may also come
 * from any https origin: a tenant's branding logo (https only) shows in the widget preview.
 */
export const consoleContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: https:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Whether a file name carries a content hash (`index-3f2a9c1b.js`, `assets/app.B7x9Qk2L.css`),
 * so it can be cached for a year: a new build gives it a new name.
 */
export function isHashedAsset(path: string): boolean {
  return /[.-][A-Za-z0-9_]{8,}\.(?:js|mjs|css|woff2?|png|jpe?g|svg|webp|gif)$/.test(path);
}

/**
 * The built `@churn/admin` app: the `dist/` folder next to its `package.json`, or
 * `undefined` when the package is not installed.
 */
export function resolveAdminDist(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve('@churn/admin/package.json')), 'dist');
  } catch {
    return undefined;
  }
}

const htmlEscapes: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '"': '&quot;',
  '<': '&lt;',
  '>': '&gt;',
  "'": '&#39;',
};

function escapeAttribute(value: string): string {
  return value.replace(/[&"<>']/g, (character) => htmlEscapes[character]!);
}

/**
 * The built `index.html` for the path it is served at. The admin build writes absolute asset
 * URLs under `/admin/` (`/admin/assets/console-X.js`): each `src`/`href` that points into an
 * `assets/` folder is rewritten to `prefix` (`/churn/ops/` for the console at `/ops` under the
 * base path `/churn`), so deep links load the same files at any mount path. An empty
 * `data-server` (the API on the same origin) becomes `apiBase`, the handler's base path, which
 * the app puts before every `/api/...` call. Nothing else in the page changes.
 */
export function rewriteIndexHtml(
  html: string,
  options: { prefix: string; apiBase: string },
): string {
  const prefix = escapeAttribute(
    options.prefix.endsWith('/') ? options.prefix : `${options.prefix}/`,
  );
  return html
    .replace(
      /(\s(?:src|href)=)(["'])(?:\.\/|\/(?!\/)(?:[^"'<>]*\/)?)?assets\//g,
      (_match, attribute: string, quote: string) => `${attribute}${quote}${prefix}assets/`,
    )
    .replace(/(\sdata-server=)(["'])\2/, (_match, attribute: string, quote: string) =>
      options.apiBase === ''
        ? `${attribute}${quote}${quote}`
        : `${attribute}${quote}${escapeAttribute(options.apiBase)}${quote}`,
    );
}
