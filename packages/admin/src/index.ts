import { fileURLToPath } from 'node:url';

/**
 * The folder of the built console (`index.html` and `assets/`), for a server that serves it.
 * `@churn/server` serves it at `/admin` on its own; call this to host it elsewhere.
 *
 * @example
 * import { adminAppDirectory } from '@churn/admin';
 * const folder = adminAppDirectory();
 * app.use('/admin', express.static(folder));
 * app.get('/admin/*', (request, response) => response.sendFile(join(folder, 'index.html')));
 */
export function adminAppDirectory(): string {
  // Built, this module is `dist/index.js`, next to `index.html`; from source it is in `src/`.
  const here = new URL('.', import.meta.url);
  const folder = here.pathname.endsWith('/src/') ? new URL('../dist/', here) : here;
  return fileURLToPath(folder);
}

/** The path `@churn/server` serves the console at unless told otherwise. */
export const defaultAdminPath = '/admin';
