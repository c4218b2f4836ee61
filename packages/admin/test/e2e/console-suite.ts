import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StorageV1 } from '@churn/core';
import { expectAccessible, launchChromium } from '@churn/testing/browser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ConsoleServer, consoleUsers, startConsoleServer } from './console-server.js';

/** The support agent an admin adds in Settings, then signs in as. */
const newAgent = {
  name: 'Jo Park',
  email: 'jo@acme.example',
  password: 'a third long password 7',
} as const;

const screenshotDir = new URL('../../../../docs/console/', import.meta.url);

/**
 * `expect.poll` with room for a loaded machine (its default gives up after 1 s): what a user
 * waits for, checked until it holds or 10 s pass. No assertion here is about speed.
 */
function poll<T>(read: () => T | Promise<T>, options: { timeout?: number } = {}) {
  return expect.poll(read, { timeout: 10_000, interval: 100, ...options });
}

/** Settings of {@link describeConsole}. */
export interface ConsoleSuiteOptions {
  /** Opens a fresh storage for the run (and closes it with the returned function). */
  openStorage: () => Promise<{ storage: StorageV1; dataDir: string; close: () => Promise<void> }>;
  /** Save one PNG per screen to docs/console/ (one backend does, so the docs stay stable). */
  screenshots: boolean;
}

/**
 * The operators' console end to end: real Chromium, the built app, the real handler over a
 * real socket on the given storage. Every screen passes axe (WCAG 2.1 A and AA).
 */
export function describeConsole(name: string, options: ConsoleSuiteOptions): void {
  describe(`console end to end (${name})`, { timeout: 60_000 }, () => {
    let browser: Browser;
    let page: Page;
    let server: ConsoleServer;
    let closeStorage: () => Promise<void>;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      const opened = await options.openStorage();
      closeStorage = opened.close;
      server = await startConsoleServer({ storage: opened.storage, dataDir: opened.dataDir });
      browser = await launchChromium();
      // axe is injected as an inline script, which the console's strict CSP refuses: this page
      // bypasses CSP, and a test below checks the console under the CSP on its own page.
      page = await browser.newPage({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
      page.setDefaultTimeout(15_000);
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('dialog', (dialog) => void dialog.accept());
      mkdirSync(screenshotDir, { recursive: true });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await closeStorage?.();
    });

    const at = (path: string) => `${server.url}/admin/${path}`;

    async function screenshot(file: string): Promise<void> {
      if (!options.screenshots) return;
      await page.screenshot({ path: new URL(file, screenshotDir).pathname, fullPage: false });
    }

    async function signIn(
      user: { email: string; password: string },
      password: string = user.password,
    ): Promise<void> {
      await page.getByLabel('Tenant').fill(server.tenantId);
      await page.getByLabel('Email').fill(user.email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }

    /** Starts interventions with the tenant's secret key, as a backend or a rule would. */
    async function startInterventions(
      customerIds: string[],
    ): Promise<{ interventions: { customerId: string; conversationId: string }[] }> {
      const response = await fetch(`${server.url}/api/interventions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${server.secretKey}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ customerIds }),
      });
      expect(response.status, await response.clone().text()).toBeLessThan(300);
      return (await response.json()) as {
        interventions: { customerId: string; conversationId: string }[];
      };
    }

    test('sign-in shows the server’s message, then the pages of the role; a deep link survives a reload', async () => {
      await page.goto(at(''));
      await poll(() =>
        page.getByRole('heading', { name: 'Sign in to the Churn console' }).isVisible(),
      ).toBe(true);
      await expectAccessible(page);
      await screenshot('sign-in.png');

      await signIn(consoleUsers.admin, 'wrong password');
      await poll(() => page.getByRole('alert').textContent()).toContain(
        'The tenant, email or password is wrong',
      );

      await signIn(consoleUsers.admin);
      const nav = page.getByRole('navigation', { name: 'Main' });
      await poll(() => nav.getByRole('link').allTextContents()).toEqual([
        'At-risk customers',
        'Intervention rules',
        'Live conversations',
        'Escalations',
        'Metrics',
        'Knowledge base',
        'Settings',
      ]);
      await poll(() => new URL(page.url()).pathname).toBe('/admin/customers');
      await poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe(
        'At-risk customers',
      );

      // The metrics before any intervention: nothing yet.
      await nav.getByRole('link', { name: 'Metrics' }).click();
      await poll(() => page.locator('[data-kpi="interventions"]').textContent()).toBe('0');

      // A deep link, reloaded: the refresh token in sessionStorage signs the tab back in.
      await page.goto(at('rules'));
      await poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(
        'Intervention rules',
      );
      expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([
        'churn-admin.refresh-token',
      ]);
    });

    test('intervention rules: edit and save', async () => {
      await page.goto(at('rules'));
      const enabled = page.getByLabel('Start an intervention after a failed payment');
      await enabled.check();
      await page.getByLabel(/Only for customers worth at least/).fill('100');
      await page.getByRole('button', { name: 'Save rules' }).click();
      await poll(() => page.getByRole('status').filter({ hasText: 'Rules saved.' }).count()).toBe(
        1,
      );
      await expectAccessible(page);
      await screenshot('rules.png');
      await page.reload();
      await poll(() =>
        page.getByLabel('Start an intervention after a failed payment').isChecked(),
      ).toBe(true);
      await poll(() => page.getByLabel(/Only for customers worth at least/).inputValue()).toBe(
        '100',
      );
    });

    test('at-risk customers: filter, open one, start an intervention for the selected [GET /api/customers]', async () => {
      await page.goto(at('customers'));
      const table = page.getByRole('table');
      await poll(() => table.getByRole('link').allTextContents()).toEqual(
        expect.arrayContaining(['Ada Lovelace', '<img src=x onerror="window.__pwned=1">Mallory']),
      );
      // A customer's name is text, never markup.
      expect(
        await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
      ).toBeUndefined();
      expect(await table.getByRole('link').allTextContents()).not.toContain('Bob Active');
      await expectAccessible(page);
      await screenshot('customers.png');

      await page.getByLabel('Severity').selectOption('high');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await poll(() => table.getByRole('link').allTextContents()).toEqual(['Ada Lovelace']);
      expect(new URL(page.url()).searchParams.get('severity')).toBe('high');

      await table.getByRole('link', { name: 'Ada Lovelace' }).click();
      await poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Ada Lovelace');
      await poll(() =>
        page.getByRole('region', { name: 'Payment methods' }).textContent(),
      ).toContain('4242');
      await expectAccessible(page);
      await screenshot('customer.png');
      // The deep link, loaded afresh: the server answers index.html and the absolute assets load.
      await page.reload();
      await poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Ada Lovelace');

      await page.goBack();
      await page.getByLabel('Select Ada Lovelace').check();
      await page.getByRole('button', { name: /Start intervention/ }).click();
      await poll(() => page.locator('.notice').textContent()).toContain('Started 1 intervention');
    });

    test('live conversations: a new recovery conversation arrives without a reload; take over, reply, hand back [GET /api/admin/conversations, /api/admin/events]', async () => {
      // The event stream is held until the intervention has started, so its event is gone
      // before the page listens (events are at most once): the page must catch up when the
      // stream opens, not wait for a poll that never comes while it is live.
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const events = '**/api/admin/events**';
      await page.route(events, async (route) => {
        await held;
        await route.continue();
      });
      await page.goto(at('conversations'));
      await poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(
        'Live conversations',
      );
      const started = await startInterventions(['cus_xss']);
      release();
      const list = page.locator('.conversation-list');
      await poll(() => list.textContent(), { timeout: 15_000 }).toContain('Mallory');
      await page.unroute(events);

      const conversationId = started.interventions[0]?.conversationId ?? '';
      await page.goto(at(`conversations/${conversationId}`));
      await page.getByRole('button', { name: 'Take over' }).click();
      await page
        .getByLabel(/Reply as Alex Morgan/)
        .fill('Hi, this is Alex from Acme: I can help with your card.');
      await page.getByRole('button', { name: 'Send reply' }).click();
      const transcript = page.getByRole('list', { name: 'Messages' });
      await poll(() => transcript.textContent()).toContain('Hi, this is Alex from Acme');
      await poll(() => transcript.textContent()).toContain('Alex Morgan');
      await expectAccessible(page);
      await screenshot('conversations.png');
      await page.getByRole('button', { name: 'Hand back to the assistant' }).click();
      await poll(() => page.getByRole('button', { name: 'Take over' }).count()).toBe(1);
    });

    test('metrics move after the interventions; every chart has a table view', async () => {
      // Ada and Mallory each have one recovery conversation, whichever way it started.
      await startInterventions(['cus_ada', 'cus_xss']);
      await page.goto(at('metrics'));
      await poll(() => page.locator('[data-kpi="interventions"]').textContent()).toBe('2');
      const panel = page.getByRole('region', {
        name: 'Interventions and resolutions',
        exact: true,
      });
      await poll(() => panel.locator('canvas').count()).toBe(1);
      await poll(() => page.locator('canvas').count()).toBe(9);
      await screenshot('metrics.png');
      await panel.getByRole('button', { name: 'Table view' }).click();
      const rows = panel.getByRole('row');
      await poll(() => rows.count()).toBeGreaterThan(28);
      const lastDay = await rows.last().getByRole('cell').allTextContents();
      expect(lastDay[0]).toBe('2');
      await panel.getByLabel('Period of Interventions and resolutions').selectOption('7');
      await poll(() => rows.count()).toBe(9);
      expect(
        await page
          .getByRole('region')
          .filter({ has: page.getByRole('button', { name: 'Table view' }) })
          .count(),
      ).toBe(9);
      await expectAccessible(page);
    });

    test('escalations: the queue and a status change', async () => {
      const [ada] = (await startInterventions(['cus_ada'])).interventions;
      const escalate = await fetch(
        `${server.url}/api/conversations/${ada?.conversationId}/escalate`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${server.secretKey}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ reason: 'customer_request' }),
        },
      );
      expect(escalate.status, await escalate.clone().text()).toBeLessThan(300);
      await page.goto(at('escalations'));
      // Polled on the whole page, so a failure shows what the page says instead.
      await poll(() => page.getByRole('main').textContent()).toContain('Customer request');
      const table = page.getByRole('table');
      await expectAccessible(page);
      await screenshot('escalations.png');
      await table.getByRole('button', { name: /resolved$/ }).click();
      await poll(() => page.locator('.notice').textContent()).toContain('is now resolved');
      await poll(() => page.getByText('The queue is empty.').count()).toBe(1);
    });

    test('settings: usage, branding preview, allowed origins, a key shown once and revoked', async () => {
      await page.goto(at('settings'));
      await poll(() =>
        page.getByRole('region', { name: 'Quota and usage' }).textContent(),
      ).toContain('of 10,000 chat turns');
      await page.getByLabel('Name in the chat header').fill('Acme help desk');
      const preview = page.locator('.preview-frame churn-chat');
      await poll(() =>
        preview.evaluate((element) => element.shadowRoot?.textContent ?? ''),
      ).toContain('Acme help desk');
      await page.evaluate(() => window.scrollTo(0, 0));
      await screenshot('settings.png');

      await page
        .getByLabel('Origins', { exact: true })
        .fill('https://shop.acme.example\nhttps://app.acme.example');
      await page.getByRole('button', { name: 'Save origins' }).click();
      await poll(() => page.getByText('Allowed origins saved.').count()).toBe(1);

      await page.getByLabel('Name', { exact: true }).fill('Storefront');
      await page.getByLabel('Scope').selectOption('publishable');
      await page.getByRole('button', { name: 'Create key' }).click();
      const revealed = page.getByLabel('New publishable key');
      await poll(() => revealed.inputValue()).toMatch(/^pk_/);
      await expectAccessible(page);
      await page.getByRole('button', { name: 'I saved it' }).click();
      expect(await page.getByLabel('New publishable key').count()).toBe(0);
      const row = page.getByRole('row').filter({ hasText: 'Storefront' });
      await row.getByRole('button', { name: /Revoke key/ }).click();
      // Revoked keys leave the list (the API lists active ones unless asked).
      await poll(() =>
        page.getByRole('region', { name: 'API keys' }).getByRole('status').textContent(),
      ).toMatch(/^Key pk_.*revoked\.$/);
      expect(await row.count()).toBe(0);
    });

    test('settings: a signed webhook added (secret shown once), tested against a receiver, its log read, then deleted [/api/integrations]', async () => {
      // A receiver of the test's own, which checks the signature the way docs/operations.md says.
      const received: { body: string; signature: string }[] = [];
      const receiver = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk) => {
          body += chunk;
        });
        request.on('end', () => {
          received.push({ body, signature: String(request.headers['churn-signature'] ?? '') });
          response.writeHead(200).end('ok');
        });
      });
      receiver.listen(0, '127.0.0.1');
      await once(receiver, 'listening');
      const { port } = receiver.address() as AddressInfo;

      await page.goto(at('settings'));
      const section = page.getByRole('region', { name: 'Integrations' });
      await poll(() => section.getByText('No integration yet.').count()).toBe(1);
      await section.getByLabel('Kind').selectOption('webhook');
      await section.getByLabel('Integration name').fill('Ops webhook');
      await section.getByLabel('Webhook URL').fill(`http://127.0.0.1:${port}/hook`);
      await section.getByLabel(/Attempts before a delivery is dead/).fill('3');
      await section.getByRole('button', { name: 'Add integration' }).click();
      const secretField = section.getByRole('textbox', { name: 'Signing secret of Ops webhook' });
      await poll(() => secretField.inputValue()).toMatch(/^whsec_/);
      const secret = await secretField.inputValue();
      await expectAccessible(page);
      await section.getByRole('button', { name: 'I saved it' }).click();
      expect(await secretField.count()).toBe(0);
      const row = section.getByRole('row').filter({ hasText: 'Ops webhook' });
      expect(await row.getByRole('cell').allTextContents()).toEqual(
        expect.arrayContaining(['Signed webhook', `http://127.0.0.1:${port}/…`, 'Enabled']),
      );
      // The receiver's path is never shown (Slack and Discord URLs carry their token there).
      expect(await row.textContent()).not.toContain('/hook');
      // Shown once: a reload lists the integration without its secret.
      await page.reload();
      await poll(() => row.count()).toBe(1);
      expect(await page.locator('body').textContent()).not.toContain(secret);

      await section.getByRole('button', { name: 'Send test to Ops webhook' }).click();
      await poll(() => section.getByRole('status').textContent()).toBe(
        'Test message delivered to Ops webhook.',
      );
      expect(received).toHaveLength(1);
      const [delivery] = received;
      const { t, v1 } = Object.fromEntries(
        (delivery?.signature ?? '').split(',').map((part) => part.split('=', 2)),
      ) as { t?: string; v1?: string };
      expect(v1).toBe(createHmac('sha256', secret).update(`${t}.${delivery?.body}`).digest('hex'));
      receiver.close();

      await section.getByRole('button', { name: 'Deliveries of Ops webhook' }).click();
      const log = section.getByRole('region', { name: 'Delivery log of Ops webhook' });
      await poll(() => log.getByRole('row').count()).toBe(2);
      expect(await log.getByRole('row').last().textContent()).toContain('Delivered');

      // The receiver is gone: the next test is dead, and the log offers to send it again.
      await section.getByRole('button', { name: 'Send test to Ops webhook' }).click();
      await poll(() => section.getByRole('alert').textContent()).toMatch(
        /^The test was not delivered: /,
      );
      await poll(() => log.getByRole('row').count()).toBe(3);
      const dead = log.getByRole('row').nth(1);
      expect(await dead.textContent()).toContain('Dead');
      await expectAccessible(page);
      await dead.getByRole('button', { name: /^Retry the delivery of / }).click();
      await poll(() => section.getByRole('status').textContent()).toBe(
        'Delivery queued again: it is sent with a fresh set of attempts.',
      );
      // This server runs no delivery worker: the retried delivery waits in the outbox.
      await poll(() => log.getByRole('row').nth(1).textContent()).toContain('Pending');
      expect(await log.getByRole('button', { name: /^Retry/ }).count()).toBe(0);
      await page.evaluate(() =>
        document.querySelector('churn-integrations-settings')?.scrollIntoView(),
      );
      await screenshot('settings-integrations.png');

      await section.getByRole('button', { name: 'Edit Ops webhook' }).click();
      await section.getByLabel('Integration name').first().fill('Ops alerts');
      await section.getByRole('button', { name: 'Save integration' }).click();
      await poll(() => section.getByRole('status').textContent()).toBe('Ops alerts saved.');
      await expectAccessible(page);

      // The page accepts confirm() dialogs (beforeAll): deleting asks first.
      await section.getByRole('button', { name: 'Delete Ops alerts' }).click();
      await poll(() => section.getByRole('status').textContent()).toBe('Ops alerts deleted.');
      await poll(() => section.getByText('No integration yet.').count()).toBe(1);
      const listed = await fetch(`${server.url}/api/integrations`, {
        headers: { authorization: `Bearer ${server.secretKey}` },
      });
      expect(await listed.json()).toEqual({ integrations: [] });
    });

    test('settings: add a support agent, change a role, rotate the identity secret (shown once) [/api/admin-users]', async () => {
      await page.goto(at('settings'));
      const section = page.getByRole('region', { name: 'Console users' });
      await poll(() => section.getByRole('row').count()).toBe(3);
      await section.getByLabel('Full name').fill(newAgent.name);
      await section.getByLabel('Email address').fill(newAgent.email);
      await section.getByLabel('Role', { exact: true }).selectOption('support-agent');
      await section.getByLabel(/Initial password/).fill(newAgent.password);
      await section.getByRole('button', { name: 'Add user' }).click();
      await poll(() => section.getByRole('status').textContent()).toContain(
        `${newAgent.name} added`,
      );
      await poll(() => section.getByRole('row').count()).toBe(4);
      await expectAccessible(page);

      // Sam becomes a supervisor, and back.
      await section.getByLabel(`Role of ${consoleUsers.agent.name}`).selectOption('supervisor');
      await poll(() => section.getByRole('status').textContent()).toBe(
        `${consoleUsers.agent.name} is now supervisor.`,
      );
      await section.getByLabel(`Role of ${consoleUsers.agent.name}`).selectOption('support-agent');
      await poll(() => section.getByRole('status').textContent()).toBe(
        `${consoleUsers.agent.name} is now support agent.`,
      );

      const identity = page.getByRole('region', { name: 'Identity secret' });
      expect(await identity.textContent()).toContain(
        'tokens signed with the old secret stop working',
      );
      await identity.getByRole('button', { name: 'Rotate the identity secret' }).click();
      const secret = identity.getByLabel('New identity secret');
      await poll(() => secret.inputValue()).not.toBe('');
      await expectAccessible(page);
      await identity.getByRole('button', { name: 'I saved it' }).click();
      expect(await secret.count()).toBe(0);
    });

    test('knowledge base: upload a file, watch the job, browse chunks, ask a test question [/api/knowledge/*]', async () => {
      await page.goto(at('knowledge'));
      await page.getByLabel('Markdown, HTML or text files').setInputFiles({
        name: 'refunds.md',
        mimeType: 'text/markdown',
        buffer: Buffer.from(
          '# Refunds\n\nRefunds are paid back to the original card within 5 business days.\n',
        ),
      });
      await page.getByRole('button', { name: 'Upload' }).click();
      await poll(() => page.getByRole('region', { name: 'Jobs' }).textContent(), {
        timeout: 15_000,
      }).toContain('Succeeded');
      await poll(() => page.getByRole('region', { name: 'Documents' }).textContent()).toContain(
        'Refunds',
      );
      await page.getByLabel('Question', { exact: true }).fill('How long do refunds take?');
      await page.getByRole('button', { name: 'Ask' }).click();
      await poll(() => page.locator('.answer').textContent()).toContain('confidence');
      await poll(() =>
        page.getByRole('table', { name: /Retrieved chunks/ }).textContent(),
      ).toContain('Refunds');
      await expectAccessible(page);
      await screenshot('knowledge.png');
      await page
        .getByRole('region', { name: 'Documents' })
        .getByRole('link', { name: 'Refunds' })
        .click();
      await poll(() => page.locator('.chunks').textContent()).toContain('5 business days');
      await expectAccessible(page);
    });

    test('a support agent added in Settings signs in and sees only what the role allows', async () => {
      await page.goto(at('settings'));
      await page.getByRole('button', { name: 'Sign out' }).click();
      await signIn(newAgent);
      const nav = page.getByRole('navigation', { name: 'Main' });
      await poll(() => nav.getByRole('link').allTextContents()).toEqual([
        'At-risk customers',
        'Intervention rules',
        'Live conversations',
        'Escalations',
        'Knowledge base',
        'Settings',
      ]);
      await page.goto(at('metrics'));
      await poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Not allowed');
      await page.goto(at('settings'));
      await poll(() => page.getByRole('heading', { name: 'Quota and usage' }).count()).toBe(1);
      for (const section of ['API keys', 'Integrations', 'Console users', 'Identity secret']) {
        expect(await page.getByRole('heading', { name: section }).count(), section).toBe(0);
      }
      expect(await page.getByRole('button', { name: 'Save branding' }).count()).toBe(0);
      await expectAccessible(page);
      await page.goto(at('rules'));
      await poll(() => page.getByText('Your role can read these rules').count()).toBe(1);
      await expectAccessible(page);
    });

    test('the console runs under its strict Content-Security-Policy', async () => {
      const strict = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const violations: string[] = [];
      strict.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      await strict.goto(at(''));
      await strict.getByLabel('Tenant').fill(server.tenantId);
      await strict.getByLabel('Email').fill(consoleUsers.admin.email);
      await strict.getByLabel('Password').fill(consoleUsers.admin.password);
      await strict.getByRole('button', { name: 'Sign in' }).click();
      await poll(() => strict.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(true);
      await strict.goto(at('metrics'));
      await poll(() => strict.locator('canvas').count()).toBeGreaterThan(0);
      await strict.goto(at('settings'));
      await poll(() => strict.locator('.preview-frame churn-chat').count()).toBe(1);
      expect(violations).toEqual([]);
      await strict.close();
    });

    test('mounted at /ops below the base path /churn, the console loads its files and calls its API there', async () => {
      const mounted = await server.mount({ basePath: '/churn', consolePath: '/ops' });
      // Under the strict CSP, like the test above.
      const other = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const paths: string[] = [];
      const failed: string[] = [];
      other.on('request', (request) => paths.push(new URL(request.url()).pathname));
      other.on('requestfailed', (request) => failed.push(request.url()));
      other.on('response', (response) => {
        if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
      });
      try {
        await other.goto(`${mounted.url}/churn/ops/`);
        await other.getByLabel('Tenant').fill(server.tenantId);
        await other.getByLabel('Email').fill(consoleUsers.admin.email);
        await other.getByLabel('Password').fill(consoleUsers.admin.password);
        await other.getByRole('button', { name: 'Sign in' }).click();
        await poll(() => new URL(other.url()).pathname).toBe('/churn/ops/customers');
        await poll(() => other.getByRole('table').getByRole('link').allTextContents()).toContain(
          'Ada Lovelace',
        );
        // A deep link below the mount path, loaded afresh.
        await other.goto(`${mounted.url}/churn/ops/customers/cus_ada`);
        await poll(() => other.getByRole('heading', { level: 1 }).textContent()).toBe(
          'Ada Lovelace',
        );
        const navigation = other.getByRole('navigation', { name: 'Main' });
        expect(await navigation.getByRole('link', { name: 'Settings' }).getAttribute('href')).toBe(
          '/churn/ops/settings',
        );
        expect(paths.filter((path) => path.startsWith('/admin'))).toEqual([]);
        expect(paths).toContain('/churn/api/auth/me');
        expect(paths.some((path) => /^\/churn\/ops\/assets\/console-\w+\.js$/.test(path))).toBe(
          true,
        );
        expect(failed).toEqual([]);
      } finally {
        await other.close();
        await mounted.close();
      }
    });

    test('no script error on any page', () => {
      expect(pageErrors).toEqual([]);
    });
  });
}
