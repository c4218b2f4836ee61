import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A small help site for crawl tests: three linked pages. */
export const helpSitePages: Record<string, string> = {
  '/': '<html><head><title>Help</title></head><body><h1>Help centre</h1><p>Start here.</p><a href="/billing">Billing</a> <a href="/refunds">Refunds</a></body></html>',
  '/billing':
    '<html><head><title>Billing</title></head><body><h1>Billing</h1><h2>Update your card</h2><p>Open Settings, choose Billing and click Update card to change the card on file.</p></body></html>',
  '/refunds':
    '<html><head><title>Refunds</title></head><body><h1>Refunds</h1><p>Refunds reach the original payment method within 5 to 10 business days.</p></body></html>',
};

/**
 * Serves {@link helpSitePages} on loopback; `delayMs` makes each page answer slowly, so a
 * crawl can be caught midway. Answers the site's URL (ending in `/`) and `close`.
 */
export async function startHelpSite(
  options: { delayMs?: number } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const site = createServer((request, response) => {
    const page = helpSitePages[request.url ?? ''];
    const answer = () => {
      if (!page) response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      else response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    };
    if (options.delayMs) setTimeout(answer, options.delayMs).unref();
    else answer();
  });
  site.listen(0, '127.0.0.1');
  await once(site, 'listening');
  return {
    url: `http://127.0.0.1:${(site.address() as AddressInfo).port}/`,
    close: async () => {
      site.closeAllConnections();
      await new Promise<void>((resolve) => site.close(() => resolve()));
    },
  };
}
