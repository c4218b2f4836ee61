import { readFile, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { HttpError } from '../http/http-error.js';
import type { Route } from '../http/router.js';
import {
  consoleContentSecurityPolicy,
  contentTypes,
  isHashedAsset,
  resolveAdminDist,
  rewriteIndexHtml,
} from './console-files.js';

/** The `console` option of `createChurnHandler`. */
export interface ConsoleOptions {
  /** Where the console answers, below the base path. Default `/admin`. */
  path?: string;
  /** The folder of the built app. Default: the `dist/` of the installed `@churn/admin` package. */
  root?: string;
}

const securityHeaders = {
  'content-security-policy': consoleContentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

async function fileAt(path: string): Promise<Buffer | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined;
    return await readFile(path);
  } catch {
    return undefined;
  }
}

function normalisePath(path: string | undefined): string {
  const trimmed = (path ?? '/admin').replace(/^\/+|\/+$/g, '');
  if (trimmed === '' || trimmed.split('/').some((part) => part === '..' || part === '.')) {
    throw new Error(`console.path must be a path like /admin, got "${path}".`);
  }
  return `/${trimmed}`;
}

/**
 * Serves the operators' console (the built `@churn/admin` single-page app) at `path`:
 * its files with their content type, a year of caching for hashed assets and none for the
 * rest, `index.html` for any other path without a file extension (deep links), and a strict
 * CSP on everything. Paths that climb out of the folder are refused. When `@churn/admin` is
 * not installed, the console answers 404 saying to install it.
 */
export function consoleRoutes(options: ConsoleOptions = {}): Route<ChurnHandlerState>[] {
  const path = normalisePath(options.path);
  let root: string | undefined | null = options.root === undefined ? null : resolve(options.root);
  const rootOf = () => {
    if (root === null) root = resolveAdminDist();
    return root;
  };
  return [
    {
      method: 'GET',
      path: `${path}/*`,
      description: "The operators' console (the built @churn/admin app).",
      openapi: {
        summary: "The operators' console: the @churn/admin single-page app and its files.",
        description:
          'Deep links answer `index.html`; hashed assets are cached for a year; every answer carries a strict Content-Security-Policy. 404 when `@churn/admin` is not installed.',
        tags: ['console'],
        security: [],
        responses: { '200': { description: 'A file of the app.', contentType: 'text/html' } },
      },
      handler: async ({ url, params, state }) => {
        const folder = rootOf();
        if (folder === undefined) {
          throw new HttpError(
            404,
            'not_found',
            "The operators' console is not installed: add the @churn/admin package next to @churn/server (npm install @churn/admin), or pass console: false to createChurnHandler.",
          );
        }
        const rest = params['*'] ?? '';
        if (rest === '' && !url.pathname.endsWith('/')) {
          return new Response(null, {
            status: 308,
            headers: { location: `${state.basePath}${path}/${url.search}` },
          });
        }
        const parts = rest.split('/').filter((part) => part !== '');
        if (parts.some((part) => part === '..' || part.includes('\\') || part.includes('\0'))) {
          throw new HttpError(404, 'not_found', 'No such file in the console.');
        }
        const target = resolve(folder, ...parts);
        if (target !== folder && !target.startsWith(`${folder}${sep}`)) {
          throw new HttpError(404, 'not_found', 'No such file in the console.');
        }
        const last = parts.at(-1) ?? '';
        let extension = last.includes('.') ? last.split('.').pop()!.toLowerCase() : '';
        let body = parts.length > 0 ? await fileAt(target) : undefined;
        let type = contentTypes[extension] ?? 'application/octet-stream';
        let cache = isHashedAsset(rest) ? 'public, max-age=31536000, immutable' : 'no-cache';
        if (!body) {
          // A deep link (`/admin/customers/c_1`) is the app's route: answer its index.html.
          if (extension !== '' && extension !== 'html') {
            throw new HttpError(404, 'not_found', `No file "${rest}" in the console.`);
          }
          body = await fileAt(resolve(folder, 'index.html'));
          if (!body) {
            throw new HttpError(
              404,
              'not_found',
              "The operators' console has no index.html: build @churn/admin (pnpm --filter @churn/admin build).",
            );
          }
          type = contentTypes.html!;
          cache = 'no-cache';
          extension = 'html';
        }
        if (extension === 'html') {
          // The page's asset URLs and API base follow where this handler serves it.
          const page = rewriteIndexHtml(body.toString('utf8'), {
            prefix: `${state.basePath}${path}/`,
            apiBase: state.basePath,
          });
          return new Response(page, {
            headers: { 'content-type': type, 'cache-control': cache, ...securityHeaders },
          });
        }
        return new Response(new Uint8Array(body), {
          headers: { 'content-type': type, 'cache-control': cache, ...securityHeaders },
        });
      },
    },
  ];
}
