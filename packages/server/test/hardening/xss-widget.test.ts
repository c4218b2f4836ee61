/**
 * The XSS corpus (packages/chat/test/xss-corpus.ts) through everything the widget renders from
 * data: the tenant's branding (name, greeting), the documents' titles (citations), the model's
 * answer (Markdown), and the customer's own messages, shown back from the stored conversation.
 * A real Chromium loads a page served by the real server (an extra route of the handler) whose
 * script tag loads the built widget from that server (`/r/assets/churn-chat.js`, the bundle of
 * packages/chat/dist, with its lazy Markdown chunk). No script may run: `window.__xss` stays unset, no dialog opens, and the
 * widget's shadow DOM holds no script-capable element, event handler or javascript: URL.
 *
 * The console (packages/admin) is checked the same way, from its build (`pnpm build` first;
 * `npm test` builds before it runs).
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { LanguageModelV1, LanguageModelV1StreamPart, StorageV1 } from '@churn/core';
import { launchChromium } from '@churn/testing/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xssCorpus } from '../../../chat/test/xss-corpus.js';
import { toNodeHandler } from '../../src/adapters/node/to-node-handler.js';
import { createTestTenant, type TestTenant } from '../../src/chat/chat-test-helpers.js';
import { createKnowledgeBaseCache } from '../../src/chat/knowledge-base-cache.js';
import { createChurnHandler } from '../../src/handler/create-churn-handler.js';
import { signCustomerToken } from '../../src/identity/customer-token.js';
import { createAtRiskCustomer } from '../../src/recovery/recovery-test-helpers.js';
import { createPGliteStorage, type PostgresStorage } from '../../src/storage/postgres-storage.js';
import { memoryLogger, testServerSecret } from '../../src/tenants/tenant-test-helpers.js';

type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;

const widgetBundle = fileURLToPath(new URL('../../../chat/dist/churn-chat.js', import.meta.url));
const consoleDist = fileURLToPath(new URL('../../../admin/dist/index.html', import.meta.url));

/** Answers with the whole corpus as Markdown, citing the first sources. */
function corpusModel(): LanguageModelV1 {
  const text = `${xssCorpus.join('\n\n')}\n\nSee [1] and [2].`;
  const parts: LanguageModelV1StreamPart[] = [
    ...text.match(/[\s\S]{1,80}/g)!.map((delta) => ({ type: 'text-delta' as const, delta })),
    { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } } as never,
  ];
  return {
    specificationVersion: 'v1',
    provider: 'test',
    modelId: 'xss-corpus',
    doGenerate: async () => ({ text, finishReason: 'stop' }) as never,
    doStream: async () => ({
      stream: new ReadableStream<LanguageModelV1StreamPart>({
        start(controller) {
          for (const part of parts) controller.enqueue(part);
          controller.close();
        },
      }),
    }),
  };
}

let storage: PostgresStorage;
let tenant: TestTenant;
let churn: Server;
let churnUrl = '';
let help: Server;
let browser: Browser;
let customerToken = '';

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  expect(existsSync(widgetBundle), 'build the widget: pnpm --filter @churn/chat build').toBe(true);
  storage = await createPGliteStorage();
  tenant = await createTestTenant(storage as StorageV1, 'Acme');
  // The help centre: pages whose <title> (the citation's text) and body are corpus entries,
  // crawled over loopback (allowed for this test only).
  const escapeHtml = (text: string) =>
    text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  help = createServer((request, response) => {
    const index = Number(/\/help\/(\d+)/.exec(request.url ?? '')?.[1] ?? -1);
    const entry = xssCorpus[index];
    if (entry === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(
      `<!doctype html><html><head><title>${escapeHtml(entry)}</title></head><body><main><h1>${escapeHtml(entry)}</h1><p>Update card billing refunds. ${entry}</p></main></body></html>`,
    );
  });
  const helpUrl = await listen(help);
  const knowledgeBases = createKnowledgeBaseCache({
    languageModel: corpusModel(),
    ingest: { allowPrivateNetwork: true },
  });
  const logger = memoryLogger();
  const page =
    () => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><main><h1>Shop</h1></main>
<script src="${churnUrl}/r/assets/churn-chat.js" data-tenant-key="${tenant.publishableKey}"
  data-server="${churnUrl}" data-customer-token="${customerToken}" data-lang="en"></script>
</body></html>`;
  const handler = createChurnHandler({
    storage,
    logger,
    secret: testServerSecret,
    rateLimits: { enabled: false },
    chat: { knowledgeBases },
    routes: [
      {
        method: 'GET',
        path: '/xss-page',
        handler: () =>
          new Response(page(), { headers: { 'content-type': 'text/html; charset=utf-8' } }),
      },
    ],
  });
  churn = createServer(toNodeHandler(handler, { logger }));
  churnUrl = await listen(churn);
  // Branding (what the header and the greeting show) and the site's origin, through the API.
  const patched = await handler(
    new Request('http://churn.test/api/tenant', {
      method: 'PATCH',
      headers: { authorization: `Bearer ${tenant.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        customBranding: {
          name: '<img src=x onerror="window.__xss=101">Acme',
          greeting: '<script>window.__xss=102</script> [hi](javascript:window.__xss=103)',
        },
      }),
    }),
  );
  expect(patched.status, await patched.clone().text()).toBe(200);
  const report = await knowledgeBases.forTenant(storage, tenant.tenant.id).ingest(
    [0, 1, 2, 5, 12, 19].map((index) => ({
      type: 'url' as const,
      url: `${helpUrl}/help/${index}`,
    })),
  );
  expect(report.totals.added).toBe(6);
  customerToken = await signCustomerToken({
    tenantId: tenant.tenant.id,
    customerId: 'cus_xss',
    secret: tenant.identitySecret,
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const server of [churn, help]) {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  }
  await storage?.close();
});

/** Sets the sentinel before any script of the page and records every dialog. */
async function guardedPage(): Promise<{ page: Page; dialogs: string[] }> {
  const page = await browser.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.addInitScript(() => {
    Object.defineProperty(window, '__xss', {
      configurable: false,
      set(value) {
        (window as unknown as { __xssRan: unknown[] }).__xssRan.push(value);
      },
      get() {
        return undefined;
      },
    });
    (window as unknown as { __xssRan: unknown[] }).__xssRan = [];
  });
  return { page, dialogs };
}

/** Everything in the widget's shadow DOM that could run script. */
function findDangers(page: Page, options: { console?: boolean } = {}): Promise<string[]> {
  return page.evaluate((inConsole) => {
    const dangers: string[] = [];
    const roots: (Document | ShadowRoot)[] = [document];
    for (const element of document.querySelectorAll('*')) {
      if (element.shadowRoot) roots.push(element.shadowRoot);
    }
    for (const root of roots) {
      for (const element of root.querySelectorAll('*')) {
        const tag = element.tagName.toLowerCase();
        const inWidget = root !== document || inConsole;
        // The console's own scripts come from its server; content never makes one.
        if (
          inConsole &&
          tag === 'script' &&
          (element as HTMLScriptElement).src.startsWith(location.origin)
        )
          continue;
        if (inWidget && ['script', 'iframe', 'object', 'embed', 'base', 'math'].includes(tag))
          dangers.push(`<${tag}> in the widget`);
        if (
          inWidget &&
          tag === 'img' &&
          !/^(https:|\/|data:image\/(png|svg\+xml|gif|webp);)/.test(
            element.getAttribute('src') ?? '',
          )
        )
          dangers.push(`<img src="${element.getAttribute('src')}">`);
        for (const attribute of element.attributes) {
          if (/^on/i.test(attribute.name)) dangers.push(`${tag} ${attribute.name}`);
          if (
            ['href', 'src', 'action', 'formaction', 'data', 'xlink:href'].includes(
              attribute.name,
            ) &&
            /^\s*(javascript|vbscript|data):/i.test(attribute.value)
          )
            dangers.push(`${tag} ${attribute.name}="${attribute.value}"`);
        }
      }
    }
    return dangers;
  }, options.console === true);
}

describe('XSS corpus in the widget, in Chromium', () => {
  it('renders branding, answers, citations and customer messages as inert text', async () => {
    const { page, dialogs } = await guardedPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${churnUrl}/xss-page`);
    const launcher = page.locator('churn-chat .launcher');
    await expect.poll(() => launcher.isVisible(), { timeout: 20_000 }).toBe(true);
    await launcher.click();
    const input = page.locator('churn-chat textarea.input');
    const answers = page.locator('churn-chat .message.assistant[data-message-id]');
    const questions = [xssCorpus[0]!, xssCorpus[1]!, xssCorpus[4]!, xssCorpus[19]!];
    for (const [index, entry] of questions.entries()) {
      // Words of the documents, so retrieval cites them.
      await input.fill(`Update card billing refunds ${entry}`);
      await input.press('Enter');
      await expect.poll(() => answers.count(), { timeout: 20_000 }).toBe(index + 1);
      await expect
        .poll(() => answers.last().locator('.feedback').count(), { timeout: 20_000 })
        .toBe(1);
    }
    // The corpus was rendered, as text: the payloads are visible, not executed.
    const panel = (await page.locator('churn-chat .panel').textContent()) ?? '';
    expect(panel).toContain('window.__xss');
    // The real Markdown renderer ran (not the plain-text fallback): code spans became <code>.
    expect(await answers.last().locator('.plain').count(), errors.join('\n')).toBe(0);
    expect(await answers.last().locator('code').count()).toBeGreaterThan(0);
    const sources = page.locator('churn-chat .message.assistant[data-message-id] .sources a');
    expect(await sources.count()).toBeGreaterThan(0);
    // The stored conversation, shown again after a reload (history of a verified customer).
    await page.reload();
    await expect.poll(() => launcher.isVisible(), { timeout: 20_000 }).toBe(true);
    await launcher.click();
    await page.waitForTimeout(500);
    await page.mouse.move(200, 200);
    const ran = await page.evaluate(() => (window as unknown as { __xssRan: unknown[] }).__xssRan);
    expect(ran).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(await findDangers(page)).toEqual([]);
    await page.close();
  }, 90_000);

  it('the console: customer names, messages, admin names and document titles from the corpus', async () => {
    expect(existsSync(consoleDist), 'build the console first: pnpm build').toBe(true);
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${churnUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${tenant.secretKey}`,
          'content-type': 'application/json',
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    // An at-risk customer named with the corpus, with a recovery conversation (its messages
    // greet the customer by name), and an operator named with the corpus.
    await createAtRiskCustomer(storage as StorageV1, tenant, {
      id: 'cus_xss_name',
      name: '<img src=x onerror="window.__xss=201">Bobby',
      email: 'bobby@example.com',
    });
    const intervention = await api('POST', '/api/interventions', { customerIds: ['cus_xss_name'] });
    const interventionText = await intervention.text();
    const password = 'correct horse battery staple';
    const admin = await api('POST', '/api/admin-users', {
      name: '<svg onload="window.__xss=202">Ops',
      email: 'ops@example.com',
      role: 'admin',
      password,
    });
    expect(admin.status, await admin.clone().text()).toBe(201);
    const { page, dialogs } = await guardedPage();
    await page.goto(`${churnUrl}/admin/`);
    await page.getByLabel('Tenant').fill(tenant.tenant.id);
    await page.getByLabel('Email').fill('ops@example.com');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const visited: string[] = [];
    const texts: string[] = [];
    // Through the console's own navigation (a single-page app).
    for (const link of [
      'At-risk customers',
      'Live conversations',
      'Escalations',
      'Metrics',
      'Knowledge base',
      'Settings',
    ]) {
      await page.getByRole('link', { name: link }).first().click();
      await page.waitForLoadState('networkidle');
      if (link === 'Knowledge base') {
        // The documents' titles come from the crawled pages: the corpus, shown as text.
        const title = page.getByRole('link', { name: '<script>window.__xss = 1</script>' });
        await title.waitFor();
        await title.click();
        await page.getByRole('heading', { level: 1 }).waitFor();
        await page.waitForLoadState('networkidle');
        // biome-ignore lint/performance/useDomNodeTextContent: the text on screen, not <noscript>
        texts.push(await page.evaluate(() => document.body.innerText));
        visited.push('a document and its chunks');
        await page.getByRole('link', { name: link }).first().click();
        await page.waitForLoadState('networkidle');
      }
      // biome-ignore lint/performance/useDomNodeTextContent: the text on screen, not <noscript>
      const text = await page.evaluate(() => document.body.innerText);
      texts.push(text);
      visited.push(`${link} (${text.length} chars)`);
    }
    // A recovery conversation, opened from its address.
    const conversationId = /"conversationId":"([^"]+)"/.exec(interventionText)?.[1];
    if (conversationId) {
      await page.goto(`${churnUrl}/admin/conversations/${conversationId}`);
      await page.waitForLoadState('networkidle');
      // biome-ignore lint/performance/useDomNodeTextContent: the text on screen, not <noscript>
      const text = await page.evaluate(() => document.body.innerText);
      texts.push(text);
      visited.push(`conversation (${text.length} chars)`);
    }
    console.info(`[xss] console pages visited: ${visited.join('; ')}`);
    // The payloads reached the pages, as text.
    expect(texts.join('\n')).toContain('onerror="window.__xss=201"');
    expect(texts.join('\n')).toContain('onload="window.__xss=202"');
    expect(texts.join('\n')).toContain('<script>window.__xss = 1</script>');
    expect(
      await page.evaluate(() => (window as unknown as { __xssRan: unknown[] }).__xssRan),
    ).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(await findDangers(page, { console: true })).toEqual([]);
    await page.close();
  }, 90_000);
});
