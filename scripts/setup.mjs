// Installs the workspace with the pinned pnpm (fetched through npx, so only
// Node and npm are needed) and builds every package. Safe to run again.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Runs pnpm (the version pinned in package.json) with the given arguments. */
export function pnpm(args, options = {}) {
  const result = spawnSync('npx', ['--yes', packageManager, ...args], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, npm_config_update_notifier: 'false' },
    ...options,
  });
  if (result.status !== 0) {
    const command = `pnpm ${args.join(' ')}`;
    throw new Error(
      `\`${command}\` failed (exit ${result.status}). Fix the error above and run it again.`,
    );
  }
  return result;
}

export function setup({ build = true } = {}) {
  pnpm(['install', '--frozen-lockfile']);
  if (build) pnpm(['run', 'build']);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    setup();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
