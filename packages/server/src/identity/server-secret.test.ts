import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveServerSecret, serverSecretFileName } from './server-secret.js';

describe('resolveServerSecret', () => {
  it('generates one secret in the data folder (mode 0600) and keeps using it', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'churn-secret-')), 'nested');
    const [first, second] = await Promise.all([
      resolveServerSecret({ dataDir }),
      resolveServerSecret({ dataDir }),
    ]);
    expect(first).toHaveLength(64);
    expect(second).toBe(first);
    const file = join(dataDir, serverSecretFileName);
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await resolveServerSecret({ dataDir })).toBe(first);
  });

  it('prefers the configured secret and refuses a short one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'churn-secret-'));
    const configured = 'c'.repeat(40);
    expect(await resolveServerSecret({ secret: configured, dataDir })).toBe(configured);
    await expect(resolveServerSecret({ secret: 'short', dataDir })).rejects.toMatchObject({
      code: 'configuration',
      message: expect.stringMatching(/32 characters/),
    });
  });
});
