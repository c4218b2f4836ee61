import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Runs the BUILT command the way a user does: `node packages/cli/dist/bin.js`.
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const bin = join(root, 'packages/cli/dist/bin.js');
const serverDist = join(root, 'packages/server/dist/index.js');

function churn(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, DATABASE_URL: '' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('churn migrate, tenants and keys (built CLI)', () => {
  let work: string;

  beforeAll(() => {
    if (!existsSync(bin) || !existsSync(serverDist)) {
      throw new Error(
        `The built CLI is missing (${existsSync(bin) ? serverDist : bin}): run \`pnpm build\` at the repository root first.`,
      );
    }
    work = mkdtempSync(join(tmpdir(), 'churn-tenants-'));
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('prints help, migrates, creates a tenant and lists its keys', { timeout: 120_000 }, () => {
    const help = churn('tenants', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/churn tenants create --name NAME/);

    const migrated = churn('migrate', '--data-dir', work);
    expect(migrated.status, migrated.stderr).toBe(0);
    expect(JSON.parse(migrated.stdout).applied).toContain('001_initial');

    const created = churn('tenants', 'create', '--name', 'Built Co', '--data-dir', work);
    expect(created.status, created.stderr).toBe(0);
    const output = JSON.parse(created.stdout) as {
      tenant: { id: string };
      secretKey: { key: string; apiKey: { prefix: string } };
    };
    expect(output.secretKey.key).toMatch(/^sk_live_/);

    const keys = churn('keys', 'list', '--tenant', output.tenant.id, '--data-dir', work);
    expect(keys.status, keys.stderr).toBe(0);
    const listed = JSON.parse(keys.stdout) as { apiKeys: { prefix: string; scope: string }[] };
    expect(listed.apiKeys.map((key) => key.scope).sort()).toEqual(['publishable', 'secret']);
    expect(keys.stdout).not.toContain(output.secretKey.key);

    const wrong = churn('keys', 'list', '--tenant', 'nobody', '--data-dir', work);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/No tenant "nobody"/);
  });
});
