// The script-tag integration end to end, in a real Chromium against the real server: a static
// page of the tenant's site (another origin) whose only Churn code is
// `<script src=".../churn-chat.js" data-tenant-key="pk_..." data-server="...">`. It chats,
// streams, cites, takes feedback, hands over to a person, passes axe in every state, lays out
// full screen on a phone, and resumes an answer after a sleeping tab.
import { expectAccessible, launchChromium } from '@churn/testing/browser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2eServers, startE2eServers } from './e2e-servers.js';
import { createPacedLanguageModel } from './paced-language-model.js';

const widget = (selector: string) => `churn-chat ${selector}`;

async function send(page: Page, text: string): Promise<void> {
  await page.locator(widget('textarea.input')).fill(text);
  await page.locator(widget('textarea.input')).press('Enter');
}

/** Waits until the last answer is finished (no typing dots, the feedback row is shown). */
async function answered(page: Page, count: number): Promise<string> {
  const answers = page.locator(widget('.message.assistant[data-message-id]'));
  await expect.poll(() => answers.count()).toBe(count);
  await expect.poll(() => answers.last().locator('.feedback').count()).toBe(1);
  return (await answers.last().locator('.bubble').textContent()) ?? '';
}

/** Makes the tab hidden or visible, as a phone locking or a laptop sleeping does. */
async function setVisibility(page: Page, state: 'hidden' | 'visible'): Promise<void> {
  await page.evaluate((value) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => value });
    Object.defineProperty(document, 'hidden', {
      configurable: true,
      get: () => value === 'hidden',
    });
    document.dispatchEvent(new Event('visibilitychange'));
  }, state);
}

describe('the script-tag page against the real server, in Chromium', () => {
  let browser: Browser;
  let servers: E2eServers;
  const paced = createPacedLanguageModel();

  beforeAll(async () => {
    browser = await launchChromium();
    servers = await startE2eServers({ languageModel: paced.model });
  }, 120_000);

  afterAll(async () => {
    await servers?.close();
    await browser?.close();
  });

  it('chats, streams, cites, takes feedback and hands over, passing axe in every state', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(`${request.method()} ${request.url()}`));
    await page.goto(servers.pageUrl());

    // Only the script tag: it adds the element, which paints its launcher.
    const launcher = page.locator(widget('.launcher'));
    await expect.poll(() => launcher.isVisible()).toBe(true);
    expect(await launcher.getAttribute('aria-expanded')).toBe('false');
    // Page styles do not reach in: the launcher keeps its own font and background.
    expect(
      await launcher.evaluate((element) => getComputedStyle(element).backgroundColor),
    ).not.toBe('rgb(255, 105, 180)');
    await expectAccessible(page);

    await launcher.click();
    await expect.poll(() => page.locator(widget('.panel')).isVisible()).toBe(true);
    expect(await page.locator(widget('.title')).textContent()).toBe('Acme Analytics');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.tagName))
      .toBe('CHURN-CHAT');
    await expectAccessible(page);

    // Streaming: record every text the answer bubble shows while it arrives.
    await page.evaluate(() => {
      const seen = new Set<string>();
      (window as unknown as { __seen: Set<string> }).__seen = seen;
      const root = document.querySelector('churn-chat')?.shadowRoot;
      if (!root) throw new Error('no widget');
      new MutationObserver(() => {
        const bubbles = root.querySelectorAll('.message.assistant[data-message-id] .bubble');
        const last = bubbles[bubbles.length - 1];
        if (last?.textContent) seen.add(last.textContent.trim());
      }).observe(root, { subtree: true, childList: true, characterData: true });
    });
    await send(page, 'How do I change the card on file?');
    const answer = await answered(page, 1);
    expect(answer).toMatch(/Settings/);
    expect(answer).toMatch(/Update card/);
    const partials = await page.evaluate(() => [
      ...(window as unknown as { __seen: Set<string> }).__seen,
    ]);
    // More than one partial text before the final one: the answer arrived piece by piece.
    expect(
      partials.filter((text) => text.length > 0 && text !== answer.trim()).length,
    ).toBeGreaterThan(1);

    // Citations: numbered sources with links.
    const sources = page.locator(widget('.message.assistant[data-message-id] .sources a'));
    await expect.poll(() => sources.count()).toBeGreaterThan(0);
    expect(await sources.first().textContent()).toContain('Update your card');
    expect(await sources.first().getAttribute('rel')).toContain('noopener');
    await expectAccessible(page);

    // Feedback: thumbs up, then a comment; the server keeps it for the answer.
    const feedback = page.locator(widget('.message.assistant[data-message-id] .feedback')).last();
    await feedback.locator('button.thumb').first().click();
    await expect.poll(() => feedback.locator('textarea').count()).toBe(1);
    await feedback.locator('textarea').fill('Clear, thanks');
    await expectAccessible(page);
    await feedback.locator('form button[type="submit"]').click();
    await expect.poll(() => feedback.textContent()).toContain('Thank you for your feedback');
    await expect
      .poll(async () =>
        (await servers.storage.feedback.list({ tenantId: servers.tenantId, limit: 10 })).map(
          (entry) => ({ type: entry.feedbackType, comment: entry.comment }),
        ),
      )
      .toEqual(expect.arrayContaining([{ type: 'thumbs_up', comment: 'Clear, thanks' }]));

    // A question the docs cannot answer: a gentle prompt to reach a person, then the hand-over.
    await send(page, 'Do you sell garden furniture in Lisbon?');
    await answered(page, 2);
    const prompt = page.locator(widget('.prompt'));
    await expect.poll(() => prompt.count()).toBe(1);
    await expectAccessible(page);
    await prompt.locator('button').click();
    await expect.poll(() => page.locator(widget('.handover')).count()).toBe(1);
    expect(await page.locator(widget('.handover')).textContent()).toContain(
      'A person from our team',
    );
    const escalations = await servers.storage.escalations.list({
      tenantId: servers.tenantId,
      limit: 10,
    });
    expect(escalations).toHaveLength(1);
    await expectAccessible(page);

    // Every call went to the Churn server or the page's own origin: nothing else.
    const origins = new Set(requests.map((line) => new URL(line.split(' ')[1]!).origin));
    expect([...origins].sort()).toEqual([servers.churnUrl, servers.siteUrl].sort());
    await page.close();
  });

  it('on a phone: full screen, no zoom on focus (16 px inputs), the composer above the keyboard', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 3,
    });
    const page = await context.newPage();
    await page.goto(servers.pageUrl());
    await page.locator(widget('.launcher')).tap();
    const panel = page.locator(widget('.panel'));
    await expect.poll(() => panel.isVisible()).toBe(true);
    const box = await panel.boundingBox();
    expect(box).toMatchObject({ x: 0, y: 0, width: 390, height: 844 });
    const input = page.locator(widget('textarea.input'));
    const fontSize = await input.evaluate((element) =>
      Number.parseFloat(getComputedStyle(element).fontSize),
    );
    expect(fontSize).toBeGreaterThanOrEqual(16);
    await expectAccessible(page);

    // The on-screen keyboard shrinks the visual viewport: the panel follows it, so the
    // composer stays on screen above the keyboard.
    await input.focus();
    await page.setViewportSize({ width: 390, height: 460 });
    await expect
      .poll(async () => {
        const composer = await page.locator(widget('.composer')).boundingBox();
        const viewport = await page.evaluate(() => ({
          top: window.visualViewport?.offsetTop ?? 0,
          height: window.visualViewport?.height ?? window.innerHeight,
        }));
        return (
          composer !== null && composer.y + composer.height <= viewport.top + viewport.height + 0.5
        );
      })
      .toBe(true);
    expect(
      await page
        .locator(widget('.base'))
        .evaluate((element) => element.style.getPropertyValue('--churn-viewport-height')),
    ).toBe('460px');
    expect((await panel.boundingBox())?.height).toBe(460);
    // No zoom happened when the field took focus.
    expect(await page.evaluate(() => window.visualViewport?.scale ?? 1)).toBe(1);
    await context.close();
  });

  it('resumes an answer cut by a sleeping tab when the tab is visible again', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // A controllable clock: the tab's timers can be frozen as in a sleeping tab, so only the
    // visibilitychange can bring the answer back.
    await page.clock.install();
    const resumes: string[] = [];
    page.on('request', (request) => {
      if (/\/api\/chat\/[^/]+\/stream$/.test(request.url())) resumes.push(request.url());
    });
    await page.goto(servers.pageUrl());
    await page.locator(widget('.launcher')).click();
    paced.holdAfter(3);
    await send(page, 'How are refunds sent?');
    const answers = page.locator(widget('.message.assistant[data-message-id]'));
    await expect
      .poll(async () => ((await answers.last().textContent()) ?? '').trim().length > 0)
      .toBe(true);

    // The tab goes to sleep (its timers stop) and the connection drops mid-answer.
    await page.clock.pauseAt(new Date(Date.now() + 60_000));
    await setVisibility(page, 'hidden');
    expect(servers.cutStreams()).toBe(1);
    await expect
      .poll(() => page.locator(widget('.message.assistant .note')).last().textContent())
      .toContain('Connection lost');
    paced.release();
    // Asleep, nothing retries: the backoff timer is frozen with the tab.
    expect(resumes).toEqual([]);

    // Back: the visibilitychange alone asks the server to resume (the timers are still
    // frozen); then the tab's clock runs again and the whole answer arrives, with its sources.
    await setVisibility(page, 'visible');
    await expect.poll(() => resumes.length).toBeGreaterThan(0);
    await page.clock.resume();
    const answer = await answered(page, 1);
    expect(answer).toMatch(/original payment method/);
    expect(await page.locator(widget('.message.assistant .note')).count()).toBe(0);
    await expect
      .poll(() => page.locator(widget('.message.assistant[data-message-id] .sources a')).count())
      .toBeGreaterThan(0);
    await expectAccessible(page);
    await context.close();
  });
});
