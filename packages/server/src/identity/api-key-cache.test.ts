import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPGliteStorage, type PostgresStorage } from '../storage/postgres-storage.js';
import { tenantAccessStoreOf } from '../storage/tenant-access-repositories.js';
import { generateApiKey } from './api-key.js';
import { findUsableApiKey } from './api-key-cache.js';

let storage: PostgresStorage;
let tenantId: string;

beforeAll(async () => {
  storage = await createPGliteStorage();
  tenantId = (await storage.tenants.create({ name: 'Keys' })).id;
}, 120_000);
afterAll(async () => {
  await storage?.close();
});

async function newKey() {
  const key = generateApiKey('secret');
  const record = await storage.apiKeys.create({
    tenantId,
    scope: key.scope,
    prefix: key.prefix,
    keyHash: key.keyHash,
  });
  return { id: record.id, keyHash: key.keyHash };
}

describe('the API key cache', () => {
  it('reads a key once, then serves it from the cache (another writer is seen after the TTL)', async () => {
    const key = await newKey();
    const now = new Date();
    expect(await findUsableApiKey(storage, { keyHash: key.keyHash, now })).toMatchObject({
      id: key.id,
      tenantId,
      scope: 'secret',
    });
    // A write that does not go through this process's repositories (another instance).
    await storage.db.deleteFrom('api_keys').where('id', '=', key.id).execute();
    expect(await findUsableApiKey(storage, { keyHash: key.keyHash, now })).toMatchObject({
      id: key.id,
    });
  });

  it('refuses a key revoked through this process at once, though it was cached', async () => {
    const key = await newKey();
    const now = new Date();
    expect(await findUsableApiKey(storage, { keyHash: key.keyHash, now })).toBeDefined();
    await storage.apiKeys.revoke({ tenantId, id: key.id });
    expect(await findUsableApiKey(storage, { keyHash: key.keyHash, now: new Date() })).toBe(
      undefined,
    );
  });

  it("refuses a cached key once its scheduled revocation (a rotation's grace period) has come", async () => {
    const key = await newKey();
    const now = new Date();
    const later = new Date(now.getTime() + 60 * 60_000);
    await tenantAccessStoreOf(storage).revokeApiKey({ tenantId, id: key.id, at: later });
    expect(await findUsableApiKey(storage, { keyHash: key.keyHash, now })).toMatchObject({
      id: key.id,
      revokedAt: later,
    });
    expect(
      await findUsableApiKey(storage, {
        keyHash: key.keyHash,
        now: new Date(later.getTime() + 1),
      }),
    ).toBeUndefined();
  });

  it('never caches an unknown key: a key created after a miss is found at once', async () => {
    const key = generateApiKey('publishable');
    const now = new Date();
    expect(await findUsableApiKey(storage, { keyHash: key.keyHash, now })).toBeUndefined();
    await storage.apiKeys.create({
      tenantId,
      scope: key.scope,
      prefix: key.prefix,
      keyHash: key.keyHash,
    });
    expect(await findUsableApiKey(storage, { keyHash: key.keyHash, now })).toMatchObject({
      scope: 'publishable',
    });
  });
});
