import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectAccessible, findAccessibilityViolations, launchChromium } from './index.js';

describe('@churn/testing/browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('axe reports an unlabelled button and passes a labelled one', async () => {
    const page = await browser.newPage();
    await page.setContent(
      '<!doctype html><html lang="en"><head><title>t</title></head><body><main><button id="bad"></button></main></body></html>',
    );
    const violations = await findAccessibilityViolations(page);
    expect(violations.map((v) => v.id)).toContain('button-name');
    await expect(expectAccessible(page)).rejects.toThrow(/button-name/);

    await page.setContent(
      '<!doctype html><html lang="en"><head><title>t</title></head><body><main><button>Send</button></main></body></html>',
    );
    await expectAccessible(page);
    await page.close();
  });

  test('a missing binary fails with the install command', async () => {
    await expect(launchChromium({ executablePath: '/nonexistent/chromium' })).rejects.toThrow(
      /apt-get install -y chromium/,
    );
  });
});
