import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFieldEncryptor, parseEncryptionKeys } from '../encryption/field-encryptor.js';
import { rotateEncryption } from '../encryption/rotate-encryption.js';
import { createChurnHandler } from '../handler/create-churn-handler.js';
import {
  customerHashHeader,
  customerIdHeader,
  customerTokenHeader,
  visitorIdHeader,
} from '../identity/authenticate.js';
import { customerHash, signCustomerToken } from '../identity/customer-token.js';
import { testEncryptionKey } from '../integrations/integrations-test-helpers.js';
import { createPGliteStorage, type PostgresStorage } from '../storage/postgres-storage.js';
import { identitySecretContext } from '../storage/tenant-access-repositories.js';
import type { CreatedTenant } from './tenant-admin.js';
import {
  callApi,
  createTestTenant,
  memoryLogger,
  testPlatformKey,
  testServerSecret,
} from './tenant-test-helpers.js';

let storage: PostgresStorage;
let handler: ReturnType<typeof createChurnHandler>;
const encryptor = createFieldEncryptor({ keys: parseEncryptionKeys(testEncryptionKey) });

beforeAll(async () => {
  storage = await createPGliteStorage();
  handler = createChurnHandler({
    storage,
    platformKey: testPlatformKey,
    secret: testServerSecret,
    logger: memoryLogger(),
    operations: { workers: false, encryptionKey: testEncryptionKey },
  });
});

afterAll(async () => {
  await handler?.close();
  await storage?.close();
});

async function storedSecret(tenantId: string): Promise<string | null> {
  const result = await sql<{ identity_secret: string | null }>`
    select identity_secret from tenants where id = ${tenantId}`.execute(storage.db);
  return result.rows[0]?.identity_secret ?? null;
}

/** Lists the customer's conversations over HTTP: 200 only when the identity verifies. */
async function listAs(tenant: CreatedTenant, identity: Record<string, string>) {
  return callApi(handler, 'GET', '/api/conversations', {
    token: tenant.publishableKey.key,
    headers: { [visitorIdHeader]: 'visitor-0001', ...identity },
  });
}

describe('identity secret encryption at rest', () => {
  it('stores ciphertext on creation, never the secret shown once, and still verifies tokens', async () => {
    const created = await createTestTenant(handler, { name: 'Encrypted' });
    const stored = await storedSecret(created.tenant.id);
    expect(stored).toMatch(new RegExp(`^enc:v1:${encryptor.currentKeyId}:`));
    expect(stored).not.toContain(created.identitySecret);
    expect(encryptor.decrypt(stored!, identitySecretContext(created.tenant.id))).toBe(
      created.identitySecret,
    );
    // Bound to the row: another tenant's context does not decrypt it.
    expect(() => encryptor.decrypt(stored!, identitySecretContext('another-tenant'))).toThrow(
      /could not be decrypted/,
    );

    const token = await signCustomerToken({
      tenantId: created.tenant.id,
      customerId: 'customer-ann',
      secret: created.identitySecret,
    });
    expect((await listAs(created, { [customerTokenHeader]: token })).status).toBe(200);
    const hmac = await listAs(created, {
      [customerIdHeader]: 'customer-ann',
      [customerHashHeader]: customerHash('customer-ann', created.identitySecret),
    });
    expect(hmac.status).toBe(200);
    const forged = await signCustomerToken({
      tenantId: created.tenant.id,
      customerId: 'customer-ann',
      secret: `cis_${randomBytes(32).toString('base64url')}`,
    });
    expect((await listAs(created, { [customerTokenHeader]: forged })).status).toBe(401);
    // The ciphertext itself is not a usable secret.
    const withCiphertext = await signCustomerToken({
      tenantId: created.tenant.id,
      customerId: 'customer-ann',
      secret: stored!,
    });
    expect((await listAs(created, { [customerTokenHeader]: withCiphertext })).status).toBe(401);
  });

  it('stores ciphertext on rotation, and only the new secret verifies', async () => {
    const created = await createTestTenant(handler, { name: 'Rotated' });
    const rotated = await callApi<{ identitySecret: string }>(
      handler,
      'POST',
      '/api/tenant/identity-secret/rotate',
      { token: created.secretKey.key },
    );
    expect(rotated.status, rotated.text).toBe(200);
    const secret = rotated.body.identitySecret;
    const stored = await storedSecret(created.tenant.id);
    expect(stored).toMatch(/^enc:v1:/);
    expect(stored).not.toContain(secret);
    const sign = (with_: string) =>
      signCustomerToken({ tenantId: created.tenant.id, customerId: 'c-1', secret: with_ });
    expect((await listAs(created, { [customerTokenHeader]: await sign(secret) })).status).toBe(200);
    expect(
      (await listAs(created, { [customerTokenHeader]: await sign(created.identitySecret) })).status,
    ).toBe(401);
  });

  it('reads a legacy plaintext secret, and rotateEncryption encrypts it', async () => {
    const created = await createTestTenant(handler, { name: 'Legacy' });
    const legacy = `cis_${randomBytes(32).toString('base64url')}`;
    await sql`update tenants set identity_secret = ${legacy} where id = ${created.tenant.id}`.execute(
      storage.db,
    );
    const token = await signCustomerToken({
      tenantId: created.tenant.id,
      customerId: 'customer-legacy',
      secret: legacy,
    });
    expect((await listAs(created, { [customerTokenHeader]: token })).status).toBe(200);

    const report = await rotateEncryption(storage.db, encryptor);
    expect(report.tenants).toBeGreaterThanOrEqual(1);
    const stored = await storedSecret(created.tenant.id);
    expect(stored).toMatch(new RegExp(`^enc:v1:${encryptor.currentKeyId}:`));
    expect(stored).not.toContain(legacy);
    expect((await listAs(created, { [customerTokenHeader]: token })).status).toBe(200);
    // Nothing left to do on a second run.
    expect((await rotateEncryption(storage.db, encryptor)).tenants).toBe(0);
  });

  it('re-encrypts under a new key, which alone then verifies', async () => {
    const created = await createTestTenant(handler, { name: 'New key' });
    const newKey = randomBytes(32).toString('base64');
    const rotated = createFieldEncryptor({
      keys: parseEncryptionKeys(`${newKey},${testEncryptionKey}`),
    });
    expect((await rotateEncryption(storage.db, rotated)).tenants).toBeGreaterThanOrEqual(1);
    const stored = await storedSecret(created.tenant.id);
    expect(stored).toContain(`enc:v1:${rotated.currentKeyId}:`);
    const onlyNew = createFieldEncryptor({ keys: parseEncryptionKeys(newKey) });
    expect(onlyNew.decrypt(stored!, identitySecretContext(created.tenant.id))).toBe(
      created.identitySecret,
    );
    // This handler only has the old key: it fails clearly instead of verifying.
    const token = await signCustomerToken({
      tenantId: created.tenant.id,
      customerId: 'c-2',
      secret: created.identitySecret,
    });
    const refused = await listAs(created, { [customerTokenHeader]: token });
    expect(refused.status).toBeGreaterThanOrEqual(500);
    expect(refused.text).not.toContain(created.identitySecret);
    // Back under the handler's key.
    await rotateEncryption(
      storage.db,
      createFieldEncryptor({ keys: parseEncryptionKeys(`${testEncryptionKey},${newKey}`) }),
    );
    expect((await listAs(created, { [customerTokenHeader]: token })).status).toBe(200);
  });
});
