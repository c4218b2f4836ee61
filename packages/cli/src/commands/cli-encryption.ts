import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  createFieldEncryptor,
  type EncryptionKeyUsage,
  encryptionKeyFileName,
  encryptionKeyUsage,
  type FieldEncryptor,
  type PostgresStorage,
  parseEncryptionKeys,
  resolveFieldEncryptor,
  unknownEncryptionKeys,
  useIdentitySecretEncryptor,
} from '@churn/server';
import { UsageError } from '../cli-io.js';
import { type StorageOptionValues, withStorage } from './migrate.js';

/** How the encryption key is found, for the help of the commands that need it. */
export const encryptionKeyUsageText = `Encryption key (identity secrets and integration URLs are stored encrypted):
  $CHURN_ENCRYPTION_KEY (the server's, comma-separated, newest first), else the key
  file DIR/encryption-key of --data-dir (default ./.churn), which the embedded
  database creates on first use. With --database-url, one of the two must already
  hold the key the server uses.`;

/** The folder that holds the key file: `--data-dir`, default `./.churn` (like the server). */
export function keyDirOf(values: StorageOptionValues): string {
  return resolve(values['data-dir'] ?? '.churn');
}

function usesDatabaseUrl(values: StorageOptionValues): boolean {
  return Boolean(values['database-url'] ?? (process.env.DATABASE_URL || undefined));
}

async function readKeyFile(file: string): Promise<string | undefined> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

/**
 * The field encryptor the server uses: `CHURN_ENCRYPTION_KEY`, else `<data-dir>/encryption-key`.
 * On the embedded database the key file is created when missing, as the server does in that
 * folder. On PostgreSQL (`--database-url`) a missing key is an error: a key generated here
 * would not be the server's, and the server could not read what this command writes.
 *
 * @throws UsageError naming what to set.
 */
export async function resolveCliEncryptor(values: StorageOptionValues): Promise<FieldEncryptor> {
  const fromEnvironment = process.env.CHURN_ENCRYPTION_KEY;
  if (fromEnvironment !== undefined && fromEnvironment.trim() !== '') {
    return createFieldEncryptor({ keys: parseEncryptionKeys(fromEnvironment) });
  }
  const dataDir = keyDirOf(values);
  if (usesDatabaseUrl(values)) {
    const existing = await readKeyFile(join(dataDir, encryptionKeyFileName));
    if (!existing) {
      throw new UsageError(
        `No encryption key: set CHURN_ENCRYPTION_KEY to the key your server uses (\`openssl rand -base64 32\` makes one for a new install), or pass --data-dir with the server's data folder that holds ${encryptionKeyFileName}. Secrets are never stored in plaintext.`,
      );
    }
    return createFieldEncryptor({ keys: parseEncryptionKeys(existing) });
  }
  return resolveFieldEncryptor({ dataDir });
}

/** A usage error when the database holds values under keys `encryptor` does not have. */
export function assertKeysCover(usage: EncryptionKeyUsage, encryptor: FieldEncryptor): void {
  const unknown = unknownEncryptionKeys(usage, encryptor);
  if (unknown.length > 0) {
    throw new UsageError(
      `The database holds values encrypted with key ${unknown.join(', ')}, which is not configured here (configured: ${encryptor.keyIds.join(', ')}): set CHURN_ENCRYPTION_KEY to the server's key(s), or pass the --data-dir whose ${encryptionKeyFileName} the server uses.`,
    );
  }
}

/**
 * {@link withStorage} with the server's field encryptor attached, so identity secrets are
 * written encrypted (never in plaintext). Refuses a key that cannot read what the database
 * already holds: writing under another key than the server's would lock the server out.
 */
export async function withEncryptedStorage<T>(
  values: StorageOptionValues,
  run: (storage: PostgresStorage, encryptor: FieldEncryptor) => Promise<T>,
): Promise<T> {
  const encryptor = await resolveCliEncryptor(values);
  return withStorage(values, async (storage) => {
    assertKeysCover(await encryptionKeyUsage(storage.db), encryptor);
    useIdentitySecretEncryptor(storage, encryptor);
    return run(storage, encryptor);
  });
}

/** A new random 32-byte key in base64, like `openssl rand -base64 32`. */
export function generateEncryptionKey(): string {
  return randomBytes(32).toString('base64');
}

/** Replaces the key file atomically (write beside it, then rename), mode 0600. */
export async function writeKeyFile(dataDir: string, keys: string): Promise<void> {
  const file = join(dataDir, encryptionKeyFileName);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${keys}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

/** The key file's text, if there is one. */
export function readKeys(dataDir: string): Promise<string | undefined> {
  return readKeyFile(join(dataDir, encryptionKeyFileName));
}
