import type { Kysely } from 'kysely';
import { encryptionContext } from '../integrations/integration-service.js';
import { operationsDb } from '../outbox/outbox-tables.js';
import type { Database } from '../storage/database.js';
import {
  identitySecretContext,
  type TenantAccessTables,
} from '../storage/tenant-access-repositories.js';
import type { FieldEncryptor } from './field-encryptor.js';

/** What {@link rotateEncryption} did. */
export interface EncryptionRotationReport {
  /** The key everything is encrypted with now. */
  keyId: string;
  /** Rows re-encrypted (or encrypted for the first time, when they held plaintext). */
  integrations: number;
  /** Tenants whose `identity_secret` was re-encrypted (or encrypted for the first time). */
  tenants: number;
}

/**
 * Re-encrypts every encrypted column (`integrations.webhook_url`,
 * `integrations.signing_secret`, `tenants.identity_secret`) under the encryptor's newest key: run it after putting
 * a new key first in `CHURN_ENCRYPTION_KEY` (old keys after it); once it has run, the old
 * keys can be removed. Values stored in plaintext (before encryption existed) are encrypted.
 * Each row is rewritten only if it changed since it was read, so it is safe while the
 * server runs.
 */
export async function rotateEncryption(
  db: Kysely<Database>,
  encryptor: FieldEncryptor,
): Promise<EncryptionRotationReport> {
  const typed = operationsDb(db);
  const rows = await typed
    .selectFrom('integrations')
    .select(['id', 'webhook_url', 'signing_secret'])
    .execute();
  let changed = 0;
  for (const row of rows) {
    const rewrite = (column: 'webhook_url' | 'signing_secret', value: string | null) =>
      value === null || !encryptor.needsReencryption(value)
        ? value
        : encryptor.encrypt(
            encryptor.decrypt(value, encryptionContext(column, row.id)),
            encryptionContext(column, row.id),
          );
    const webhookUrl = rewrite('webhook_url', row.webhook_url);
    const signingSecret = rewrite('signing_secret', row.signing_secret);
    if (webhookUrl === row.webhook_url && signingSecret === row.signing_secret) continue;
    let update = typed
      .updateTable('integrations')
      .set({ webhook_url: webhookUrl, signing_secret: signingSecret })
      .where('id', '=', row.id);
    update =
      row.webhook_url === null
        ? update.where('webhook_url', 'is', null)
        : update.where('webhook_url', '=', row.webhook_url);
    update =
      row.signing_secret === null
        ? update.where('signing_secret', 'is', null)
        : update.where('signing_secret', '=', row.signing_secret);
    const result = await update.executeTakeFirst();
    changed += Number(result.numUpdatedRows);
  }
  const tenants = db.withTables<TenantAccessTables>();
  const tenantRows = await tenants
    .selectFrom('tenants')
    .select(['id', 'identity_secret'])
    .where('identity_secret', 'is not', null)
    .execute();
  let tenantsChanged = 0;
  for (const row of tenantRows) {
    const stored = row.identity_secret;
    if (stored === null || !encryptor.needsReencryption(stored)) continue;
    const context = identitySecretContext(row.id);
    const result = await tenants
      .updateTable('tenants')
      .set({ identity_secret: encryptor.encrypt(encryptor.decrypt(stored, context), context) })
      .where('id', '=', row.id)
      .where('identity_secret', '=', stored)
      .executeTakeFirst();
    tenantsChanged += Number(result.numUpdatedRows);
  }
  return { keyId: encryptor.currentKeyId, integrations: changed, tenants: tenantsChanged };
}
