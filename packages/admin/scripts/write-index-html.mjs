// Writes dist/index.html for the hashed bundle tsup just built. The page has no inline
// script or style, so the server can send a strict Content-Security-Policy.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dist = new URL('../dist/', import.meta.url).pathname;
const assets = readdirSync(join(dist, 'assets'));
const find = (pattern) => {
  const file = assets.find((name) => pattern.test(name));
  if (!file) throw new Error(`The build made no file matching ${pattern} in dist/assets.`);
  return file;
};
const script = find(/^console-[A-Z0-9]+\.js$/i);
const style = find(/^console-[A-Z0-9]+\.css$/i);

// Asset URLs are absolute, under the path the console is served at (`/admin/` unless
// CHURN_ADMIN_BASE says otherwise): deep links like /admin/customers/cus_1 load the same files,
// and no `<base>` element is needed (the server's CSP has `base-uri 'none'`). The app finds its
// own base from its script's URL. `data-server` is the API's URL, empty for the same origin.
const base = `/${(process.env.CHURN_ADMIN_BASE ?? '/admin/').replace(/^\/+|\/+$/g, '')}/`.replace(
  '//',
  '/',
);
const html = `<!doctype html>
<html lang="en" data-server="">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Churn console</title>
    <link rel="stylesheet" href="${base}assets/${style}" />
    <script type="module" src="${base}assets/${script}"></script>
  </head>
  <body>
    <churn-admin-app></churn-admin-app>
    <noscript>The Churn console needs JavaScript.</noscript>
  </body>
</html>
`;
writeFileSync(join(dist, 'index.html'), html);
console.log(`dist/index.html → ${base}assets/${script}, ${base}assets/${style}`);
