import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

it('the committed custom-elements.json matches the JSDoc (run `pnpm --filter @churn/chat manifest`)', () => {
  // The analyzer resolves --outdir against the package folder.
  const outdir = join('node_modules', '.cache', `churn-cem-${process.pid}`);
  try {
    execFileSync(
      join(packageRoot, 'node_modules/.bin/cem'),
      ['analyze', '--config', 'custom-elements-manifest.config.mjs', '--outdir', outdir],
      { cwd: packageRoot, stdio: 'pipe' },
    );
    const fresh = JSON.parse(
      readFileSync(join(packageRoot, outdir, 'custom-elements.json'), 'utf8'),
    );
    const committed = JSON.parse(readFileSync(join(packageRoot, 'custom-elements.json'), 'utf8'));
    expect(committed).toEqual(fresh);
    const element = committed.modules
      .flatMap((module: { declarations?: { tagName?: string }[] }) => module.declarations ?? [])
      .find((declaration: { tagName?: string }) => declaration.tagName === 'churn-chat');
    expect(element.events.map((event: { name: string }) => event.name)).toEqual([
      'churn-open',
      'churn-close',
      'churn-message-send',
      'churn-message-receive',
      'churn-payment-updated',
      'churn-escalated',
      'churn-error',
    ]);
  } finally {
    rmSync(join(packageRoot, outdir), { recursive: true, force: true });
  }
}, 60_000);
