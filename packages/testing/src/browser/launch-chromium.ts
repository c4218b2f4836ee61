import type { Browser, LaunchOptions } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser binary; `CHROMIUM_PATH` overrides it. */
export const defaultChromiumPath = '/usr/lib/chromium/chromium';

/**
 * The switches every headless run needs on a closed network: without the background-networking
 * ones Chromium keeps dialling Google's hosts and the refused connections slow each start.
 */
export const chromiumArgs: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts the system's Chromium through playwright-core. It never downloads a browser: when the
 * binary is missing it fails with the command that installs it.
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const executablePath = options.executablePath ?? process.env.CHROMIUM_PATH ?? defaultChromiumPath;
  const { existsSync } = await import('node:fs');
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium was not found at ${executablePath}. Install it with \`apt-get install -y chromium\` ` +
        'or set CHROMIUM_PATH to a Chromium binary.',
    );
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    ...options,
    executablePath,
    args: [...chromiumArgs, ...(options.args ?? [])],
  });
}
