import { join } from 'node:path';
import {
  createFieldEncryptor,
  type EncryptionKeyUsage,
  encryptionKeyFileName,
  encryptionKeyUsage,
  type FieldEncryptor,
  parseEncryptionKeys,
  rotateEncryption,
} from '@churn/server';
import { type CliIo, exitCodes, UsageError } from '../cli-io.js';
import {
  assertKeysCover,
  generateEncryptionKey,
  keyDirOf,
  readKeys,
  resolveCliEncryptor,
  writeKeyFile,
} from './cli-encryption.js';
import { printJson, type StorageOptionValues, withStorage } from './migrate.js';

/** What `churn keys rotate-encryption` prints. */
export interface RotateEncryptionOutput {
  /** The key everything is encrypted with now. */
  keyId: string;
  /** Integrations re-encrypted (or encrypted for the first time). */
  integrations: number;
  /** Tenants whose identity secret was re-encrypted (or encrypted for the first time). */
  tenants: number;
  /** Values per key (and in plaintext) before the run. */
  before: EncryptionKeyUsage;
  /** Values not under `keyId` after the run (changed meanwhile): run again when not 0. */
  remaining: number;
  /** With --new-key: the key file, now holding the new key only. */
  keyFile?: string;
}

function remainingOf(usage: EncryptionKeyUsage, keyId: string): number {
  const others = Object.entries(usage.byKey)
    .filter(([id]) => id !== keyId)
    .reduce((sum, [, count]) => sum + count, 0);
  return others + usage.plaintext;
}

/** `--new-key`: a generated key, first, before the key file's keys. */
async function startNewKey(
  values: StorageOptionValues,
): Promise<{ encryptor: FieldEncryptor; dataDir: string; newKey: string; keys: string }> {
  if (process.env.CHURN_ENCRYPTION_KEY?.trim()) {
    throw new UsageError(
      '--new-key writes the key file, but CHURN_ENCRYPTION_KEY is set: generate a key (`openssl rand -base64 32`), put it first in CHURN_ENCRYPTION_KEY ("new,old") on every server and here, and run without --new-key.',
    );
  }
  // The current key, from the key file (created on the embedded database when missing).
  await resolveCliEncryptor(values);
  const dataDir = keyDirOf(values);
  const existing = await readKeys(dataDir);
  if (!existing) {
    throw new UsageError(
      `No ${encryptionKeyFileName} in ${dataDir}: pass the --data-dir the server uses.`,
    );
  }
  const newKey = generateEncryptionKey();
  const keys = `${newKey},${existing}`;
  return {
    encryptor: createFieldEncryptor({ keys: parseEncryptionKeys(keys) }),
    dataDir,
    newKey,
    keys,
  };
}

/**
 * `churn keys rotate-encryption [--new-key]`: re-encrypts every encrypted column under the
 * newest key with the server's `rotateEncryption` (row by row, only rows unchanged since read,
 * so it is safe while servers run with both keys configured).
 */
export async function rotateEncryptionCommand(
  values: StorageOptionValues & { 'new-key'?: boolean | undefined; tenant?: string | undefined },
  positionals: string[],
  io: CliIo,
): Promise<number> {
  if (positionals.length > 0) {
    throw new UsageError(
      `Unexpected argument "${positionals[0]}": \`churn keys rotate-encryption\` takes options only.`,
    );
  }
  if (values.tenant !== undefined) {
    throw new UsageError(
      'The encryption key is shared by every tenant: `churn keys rotate-encryption` takes no --tenant.',
    );
  }
  const fresh = values['new-key'] ? await startNewKey(values) : undefined;
  const encryptor = fresh?.encryptor ?? (await resolveCliEncryptor(values));
  const output = await withStorage(values, async (storage) => {
    const before = await encryptionKeyUsage(storage.db);
    assertKeysCover(before, encryptor);
    // Crash-safe order: the file holds "new,old" (both decrypt) until everything is
    // re-encrypted, then the new key alone.
    if (fresh) await writeKeyFile(fresh.dataDir, fresh.keys);
    const report = await rotateEncryption(storage.db, encryptor);
    const after = await encryptionKeyUsage(storage.db);
    return { ...report, before, remaining: remainingOf(after, report.keyId) };
  });
  const result: RotateEncryptionOutput = { ...output };
  if (fresh && output.remaining === 0) {
    await writeKeyFile(fresh.dataDir, fresh.newKey);
    result.keyFile = join(fresh.dataDir, encryptionKeyFileName);
  }
  printJson(io, result);
  if (output.remaining > 0) {
    io.stderr(
      `${output.remaining} value(s) changed during the run and are not under key ${output.keyId} yet: run the command again before removing the old key(s).\n`,
    );
    return exitCodes.failed;
  }
  if (fresh) {
    io.stderr(
      `Everything is encrypted with the new key ${output.keyId}, now the only key in ${result.keyFile}. Restart the servers using that folder so they load it.\n`,
    );
  } else if (encryptor.keyIds.length > 1) {
    io.stderr(
      `Everything is encrypted with key ${output.keyId}: remove the older keys from CHURN_ENCRYPTION_KEY (keep only the first) and restart the servers.\n`,
    );
  } else {
    io.stderr(`Everything is encrypted with key ${output.keyId}.\n`);
  }
  return exitCodes.ok;
}
