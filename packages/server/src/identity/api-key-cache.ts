import type { StorageV1 } from '@churn/core';
import { cachedReadsOf } from '../storage/cached-reads.js';
import { tenantAccessStoreOf } from '../storage/tenant-access-repositories.js';

/**
 * How long an API key found in storage is trusted without reading it again (5 s). A key
 * revoked, rotated or deleted on this instance is refused at once (the write invalidates
 * the cache); another instance of the server refuses it at most this long after.
 */
export const apiKeyCacheTtlMs = 5_000;

/** A usable API key, as {@link findUsableApiKey} answers it. */
export interface UsableApiKey {
  id: string;
  tenantId: string;
  scope: string;
  lastUsedAt?: Date;
  /** A revocation scheduled for later (a rotation's grace period). */
  revokedAt?: Date;
}

const settings = { topic: 'api-keys' as const, ttlMs: apiKeyCacheTtlMs, max: 10_000 };

/**
 * The API key with this hash if it is usable at `now`, read through a per-storage cache
 * of {@link apiKeyCacheTtlMs}: the chat API authenticates every turn, and the key rarely
 * changes. Unknown keys are never cached (each one is looked up), and a cached key whose
 * scheduled revocation has come is refused without waiting for the cache.
 */
export async function findUsableApiKey(
  storage: StorageV1,
  options: { keyHash: string; now: Date },
): Promise<UsableApiKey | undefined> {
  const cache = cachedReadsOf<UsableApiKey>(storage, settings);
  const key = await cache.read(options.keyHash, async () => {
    const found = await tenantAccessStoreOf(storage).findUsableApiKey(options);
    return found ? { value: found, tenantId: found.tenantId } : undefined;
  });
  if (key?.revokedAt && key.revokedAt.getTime() <= options.now.getTime()) {
    cache.delete(options.keyHash);
    return undefined;
  }
  return key;
}

/** Remembers that a cached key was just marked used (so it is not marked again at once). */
export function noteApiKeyUsed(storage: StorageV1, keyHash: string, at: Date): void {
  cachedReadsOf<UsableApiKey>(storage, settings).update(keyHash, (key) => ({
    ...key,
    lastUsedAt: at,
  }));
}
