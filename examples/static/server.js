// @ts-check
// A tiny static server for public/ plus the widget's files under /widget/, with Churn's
// handler answering /api and /healthz on the same origin (so the widget needs no CORS).
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createChurnHandler } from '@churn/server';
import { toNodeHandler } from '@churn/server/node';

const port = Number(process.env.PORT ?? 3000);
/** The embedded data (PGlite) lives next to this file unless CHURN_DATA_DIR says otherwise. */
const dataDir = process.env.CHURN_DATA_DIR ?? fileURLToPath(new URL('./.churn', import.meta.url));
const publicDir = fileURLToPath(new URL('./public', import.meta.url));
const widgetDir = join(
  dirname(createRequire(import.meta.url).resolve('@churn/chat/package.json')),
  'dist',
);
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
};

const churn = toNodeHandler(createChurnHandler({ dataDir }));

const server = createServer(async (request, response) => {
  const { pathname } = new URL(request.url ?? '/', 'http://localhost');
  if (
    request.method !== 'GET' ||
    !(pathname === '/' || /^\/widget\/[\w.-]+\.js(\.map)?$/.test(pathname))
  ) {
    churn(request, response);
    return;
  }
  const file =
    pathname === '/'
      ? join(publicDir, 'index.html')
      : join(widgetDir, pathname.slice('/widget/'.length));
  try {
    let body = await readFile(file);
    if (pathname === '/') {
      const key = process.env.CHURN_PUBLISHABLE_KEY ?? 'pk_live_set_CHURN_PUBLISHABLE_KEY';
      body = Buffer.from(body.toString('utf8').replaceAll('%CHURN_PUBLISHABLE_KEY%', key));
    }
    response.writeHead(200, {
      'content-type':
        types[/** @type {keyof typeof types} */ (extname(file))] ?? 'application/octet-stream',
    });
    response.end(body);
  } catch {
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('Not found. Did `pnpm build` run?');
  }
});
server.listen(port, '127.0.0.1', () => {
  console.log(`Static example listening on http://127.0.0.1:${port} (Churn at /api)`);
});
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
