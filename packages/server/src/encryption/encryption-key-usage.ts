import type { Kysely } from 'kysely';
import { operationsDb } from '../outbox/outbox-tables.js';
import type { Database } from '../storage/database.js';
import type { TenantAccessTables } from '../storage/tenant-access-repositories.js';
import { encryptedValuePrefix, type FieldEncryptor } from './field-encryptor.js';

/** Which keys the encrypted columns are encrypted with now. */
export interface EncryptionKeyUsage {
  /** Values per key id (`enc:v1:<keyId>:...`). */
  byKey: Record<string, number>;
  /** Values still in plaintext (written before encryption existed, or without a key). */
  plaintext: number;
}

function keyIdOf(value: string): string | undefined {
  if (!value.startsWith(encryptedValuePrefix)) return undefined;
  const rest = value.slice(encryptedValuePrefix.length);
  const separator = rest.indexOf(':');
  return separator > 0 ? rest.slice(0, separator) : '(none)';
}

/**
 * Counts the values of every encrypted column (`integrations.webhook_url`,
 * `integrations.signing_secret`, `tenants.identity_secret`) per key id, and those in
 * plaintext: what a key rotation has to re-encrypt, and which keys must stay configured.
 */
export async function encryptionKeyUsage(db: Kysely<Database>): Promise<EncryptionKeyUsage> {
  const integrations = await operationsDb(db)
    .selectFrom('integrations')
    .select(['webhook_url', 'signing_secret'])
    .execute();
  const tenants = await db
    .withTables<TenantAccessTables>()
    .selectFrom('tenants')
    .select('identity_secret')
    .where('identity_secret', 'is not', null)
    .execute();
  const usage: EncryptionKeyUsage = { byKey: {}, plaintext: 0 };
  const values = [
    ...integrations.flatMap((row) => [row.webhook_url, row.signing_secret]),
    ...tenants.map((row) => row.identity_secret),
  ];
  for (const value of values) {
    if (value === null || value === '') continue;
    const keyId = keyIdOf(value);
    if (keyId === undefined) usage.plaintext += 1;
    else usage.byKey[keyId] = (usage.byKey[keyId] ?? 0) + 1;
  }
  return usage;
}

/** The key ids of `usage` that `encryptor` cannot decrypt with: values it could not read. */
export function unknownEncryptionKeys(
  usage: EncryptionKeyUsage,
  encryptor: FieldEncryptor,
): string[] {
  return Object.keys(usage.byKey).filter((keyId) => !encryptor.keyIds.includes(keyId));
}
