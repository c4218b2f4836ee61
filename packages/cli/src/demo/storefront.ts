import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Where the storefront serves the widget's files: `/widget/churn-chat.js` and its chunks. */
export const widgetPath = '/widget/';

/** The folder of `@churn/chat`'s built files (`dist/churn-chat.js` and its lazy chunks). */
export function widgetDistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@churn/chat/package.json')), 'dist');
}

const assetName = /^[A-Za-z0-9._-]+\.(js|js\.map|txt)$/;

/**
 * Answers `GET /widget/<file>` from the widget's `dist` folder: only plain file names of
 * scripts, source maps and the licence notes (no folders, no `..`), else `undefined`.
 */
export async function widgetAsset(
  pathname: string,
  distDir: string,
): Promise<Response | undefined> {
  if (!pathname.startsWith(widgetPath)) return undefined;
  const name = pathname.slice(widgetPath.length);
  if (!assetName.test(name) || name.startsWith('.')) return undefined;
  let body: Buffer;
  try {
    body = await readFile(join(distDir, name));
  } catch {
    return new Response('Not found: the widget has no such file. Did `pnpm build` run?', {
      status: 404,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  }
  const type = name.endsWith('.js')
    ? 'text/javascript; charset=utf-8'
    : name.endsWith('.map')
      ? 'application/json; charset=utf-8'
      : 'text/plain; charset=utf-8';
  return new Response(new Uint8Array(body), {
    headers: {
      'content-type': type,
      'cache-control': 'no-cache',
      'access-control-allow-origin': '*',
      'x-content-type-options': 'nosniff',
    },
  });
}

/** What the storefront page shows. */
export interface StorefrontOptions {
  /** The demo tenant's publishable key. */
  publishableKey: string;
  /** The Churn server's URL (the same origin here). */
  server: string;
  /** A fresh identity token of the signed-in demo customer. */
  customerToken: string;
  customerName: string;
  /** What the banner says about the customer's billing, like "your last payment of $99 failed". */
  billingNotice: string;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (character) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!,
  );
}

/**
 * The demo storefront: a small page of "Acme Analytics", a SaaS that embeds Churn with one
 * script tag. The customer is signed in (a verified identity token), so both jobs can be
 * tried: ask a docs question, or ask to update the card.
 */
export function storefrontPage(options: StorefrontOptions): string {
  const attribute = (value: string) => escapeHtml(value);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Analytics: dashboards your whole team trusts</title>
<style>
  :root { color-scheme: light; --ink: #111827; --muted: #4b5563; --brand: #4f46e5; --soft: #eef2ff; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
  header { display: flex; align-items: center; justify-content: space-between; padding: 18px 6vw; border-bottom: 1px solid #e5e7eb; }
  .logo { font-weight: 700; font-size: 20px; letter-spacing: -0.02em; }
  .logo span { color: var(--brand); }
  nav a { color: var(--muted); text-decoration: none; margin-left: 24px; }
  .account { font-size: 14px; color: var(--muted); }
  .notice { margin: 0; padding: 12px 6vw; background: #fef3c7; color: #78350f; font-size: 15px; }
  .notice strong { color: #451a03; }
  .hero { padding: 72px 6vw 48px; background: linear-gradient(180deg, var(--soft), #fff); }
  .hero h1 { font-size: clamp(32px, 5vw, 52px); line-height: 1.1; letter-spacing: -0.03em; margin: 0 0 16px; max-width: 16ch; }
  .hero p { font-size: 19px; color: var(--muted); max-width: 56ch; margin: 0 0 28px; }
  .cta { display: inline-block; background: var(--brand); color: #fff; padding: 12px 22px; border-radius: 10px; text-decoration: none; font-weight: 600; }
  .plans { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 20px; padding: 24px 6vw 56px; }
  .plan { border: 1px solid #e5e7eb; border-radius: 14px; padding: 24px; }
  .plan h2 { margin: 0 0 4px; font-size: 18px; }
  .plan .price { font-size: 32px; font-weight: 700; }
  .plan .price small { font-size: 15px; color: var(--muted); font-weight: 400; }
  .plan ul { padding-left: 18px; color: var(--muted); margin: 12px 0 0; }
  .plan.current { border-color: var(--brand); box-shadow: 0 0 0 3px var(--soft); }
  .try { margin: 0 6vw 64px; padding: 24px 28px; border-radius: 14px; background: #f9fafb; border: 1px dashed #c7d2fe; }
  .try h2 { margin-top: 0; font-size: 18px; }
  .try code { background: #eef2ff; padding: 1px 6px; border-radius: 6px; }
  footer { padding: 24px 6vw; color: var(--muted); font-size: 14px; border-top: 1px solid #e5e7eb; }
</style>
</head>
<body>
<header>
  <div class="logo">Acme <span>Analytics</span></div>
  <nav><a href="#plans">Pricing</a><a href="#try">Help</a></nav>
  <div class="account">Signed in as <strong>${escapeHtml(options.customerName)}</strong></div>
</header>
<p class="notice"><strong>Billing:</strong> ${escapeHtml(options.billingNotice)} Open the chat in the corner and ask to update your card.</p>
<section class="hero">
  <h1>Dashboards your whole team trusts.</h1>
  <p>Acme Analytics turns product events into clear, shared dashboards in minutes. No SQL, no spreadsheets, no waiting on the data team.</p>
  <a class="cta" href="#plans">Compare plans</a>
</section>
<section class="plans" id="plans">
  <div class="plan"><h2>Starter</h2><div class="price">$29<small>/month</small></div><ul><li>3 seats</li><li>10 dashboards</li><li>Email support</li></ul></div>
  <div class="plan current"><h2>Team (your plan)</h2><div class="price">$99<small>/month</small></div><ul><li>15 seats</li><li>Unlimited dashboards</li><li>Webhooks and API</li></ul></div>
  <div class="plan"><h2>Business</h2><div class="price">$299<small>/month</small></div><ul><li>50 seats</li><li>SSO (SAML) and audit log</li><li>Priority support</li></ul></div>
  <div class="plan"><h2>Enterprise</h2><div class="price">$1,200<small>/month</small></div><ul><li>Unlimited seats</li><li>Invoiced billing</li><li>Dedicated manager</li></ul></div>
</section>
<section class="try" id="try">
  <h2>Try Churn on this page</h2>
  <p>The chat in the corner is Churn's widget, added with one <code>&lt;script&gt;</code> tag. It answers from Acme's help centre, with citations: try <em>"How do I download an invoice?"</em> or <em>"What happens when a payment fails?"</em>.</p>
  <p>You are signed in as a customer whose last payment failed. Ask <em>"update my card"</em>: the demo card form takes Stripe's test cards, like <code>4242 4242 4242 4242</code> (succeeds) or <code>4000 0000 0000 0002</code> (declined). No real card is charged: payments run in a sandbox. Then ask <em>"Which card do I have on file?"</em>: the answer comes from your own account's records, not the docs.</p>
</section>
<footer>Acme Analytics is a demo company. This page is served by <code>churn dev</code>.</footer>
<script
  src="${attribute(`${options.server}${widgetPath}churn-chat.js`)}"
  data-tenant-key="${attribute(options.publishableKey)}"
  data-server="${attribute(options.server)}"
  data-customer-token="${attribute(options.customerToken)}"
  data-lang="en"
></script>
</body>
</html>
`;
}
