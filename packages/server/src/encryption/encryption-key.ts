import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChurnError } from '@churn/core';
import {
  createFieldEncryptor,
  type FieldEncryptor,
  parseEncryptionKeys,
} from './field-encryptor.js';

/** The file, inside the data folder, that keeps a generated encryption key. */
export const encryptionKeyFileName = 'encryption-key';

/**
 * The encryptor of sensitive columns: the keys of `key` (option or env
 * `CHURN_ENCRYPTION_KEY`, newest first, comma-separated) when given, else one key generated
 * once and kept in `<dataDir>/encryption-key` (mode 0600), like the server secret. Several
 * instances, or a PostgreSQL server whose backups leave the machine, must set
 * `CHURN_ENCRYPTION_KEY`: a key kept beside the data protects less.
 *
 * @throws ChurnError `configuration` for a malformed key or an unwritable data folder.
 */
export async function resolveFieldEncryptor(options: {
  key?: string | undefined;
  dataDir: string;
}): Promise<FieldEncryptor> {
  if (options.key !== undefined && options.key.trim() !== '') {
    return createFieldEncryptor({ keys: parseEncryptionKeys(options.key) });
  }
  const file = join(options.dataDir, encryptionKeyFileName);
  const existing = await readKeyFile(file);
  if (existing) return createFieldEncryptor({ keys: parseEncryptionKeys(existing) });
  const generated = randomBytes(32).toString('base64');
  try {
    await mkdir(options.dataDir, { recursive: true });
    await writeFile(file, `${generated}\n`, { mode: 0o600, flag: 'wx' });
    return createFieldEncryptor({ keys: parseEncryptionKeys(generated) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      const written = await readKeyFile(file);
      if (written) return createFieldEncryptor({ keys: parseEncryptionKeys(written) });
    }
    throw new ChurnError(
      'configuration',
      `No encryption key is configured and none could be kept in ${file}: set CHURN_ENCRYPTION_KEY (\`openssl rand -base64 32\`) or make the data folder writable.`,
      { cause: error },
    );
  }
}

async function readKeyFile(file: string): Promise<string | undefined> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}
