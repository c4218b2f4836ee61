import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChurnError } from '@churn/core';

/** The file, inside the data folder, that keeps a generated server secret. */
export const serverSecretFileName = 'server-secret';
/** Shortest server secret accepted: 32 characters. */
export const minServerSecretLength = 32;

/**
 * The secret admin access tokens are signed with: `secret` (option `secret` or env
 * `CHURN_SECRET`) when given, else one generated once and kept in
 * `<dataDir>/server-secret` (mode 0600), so tokens survive restarts of an embedded
 * install. Several instances behind a load balancer must share one: set `CHURN_SECRET`.
 *
 * @throws ChurnError `configuration` for a secret shorter than 32 characters.
 */
export async function resolveServerSecret(options: {
  secret?: string | undefined;
  dataDir: string;
}): Promise<string> {
  if (options.secret !== undefined) {
    if (options.secret.length < minServerSecretLength) {
      throw new ChurnError(
        'configuration',
        `The server secret (option "secret" or CHURN_SECRET) is shorter than ${minServerSecretLength} characters: generate one with \`openssl rand -base64 48\`.`,
      );
    }
    return options.secret;
  }
  const file = join(options.dataDir, serverSecretFileName);
  const existing = await readSecretFile(file);
  if (existing) return existing;
  await mkdir(options.dataDir, { recursive: true });
  const generated = randomBytes(48).toString('base64url');
  try {
    await writeFile(file, `${generated}\n`, { mode: 0o600, flag: 'wx' });
    return generated;
  } catch (error) {
    // Another instance (or request) wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      const written = await readSecretFile(file);
      if (written) return written;
    }
    throw new ChurnError(
      'configuration',
      `No server secret is configured and none could be kept in ${file}: set CHURN_SECRET (at least ${minServerSecretLength} characters) or make the data folder writable.`,
      { cause: error },
    );
  }
}

async function readSecretFile(file: string): Promise<string | undefined> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return text.length >= minServerSecretLength ? text : undefined;
  } catch {
    return undefined;
  }
}
