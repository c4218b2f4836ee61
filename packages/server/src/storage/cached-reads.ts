import type { StorageV1 } from '@churn/core';
import { LRUCache } from 'lru-cache';

/**
 * Short-lived caches of per-tenant reads the chat turn repeats on every request (an API
 * key's lookup, the tenant's running A/B test), with invalidation on write.
 *
 * The storage repositories call {@link markChanged} when they write what a cache holds
 * (revoking a key, deleting a tenant, changing an A/B test). A cached value is served only
 * when it was read **after** the tenant's last change plus `ttlMs`: right after a change
 * every read goes to the database for one TTL, so a value read while the changing
 * transaction had not committed yet is never served. The invalidation is in process: another
 * instance of the server sees the change when its own entry expires, at most `ttlMs` later.
 *
 * The cache itself is `lru-cache` (bounded entries, per-entry TTL), a well-kept library,
 * rather than a hand-written map with its own eviction.
 */

/** What a cache holds: `api-keys` (lookups by key hash), `ab-tests` (the running test). */
export type CachedTopic = 'api-keys' | 'ab-tests';

const changes = new Map<string, number>();
/** Changes older than this no longer matter to any cache (longer than every TTL). */
const forgetChangesAfterMs = 10 * 60_000;

function changeKey(topic: CachedTopic, tenantId: string): string {
  return `${topic}:${tenantId}`;
}

/**
 * Records that `topic` changed for a tenant (every instance of every storage in this
 * process). Call it when writing, even inside a transaction that may still roll back: a
 * change that did not happen only costs one TTL of uncached reads.
 */
export function markChanged(topic: CachedTopic, tenantId: string, now = Date.now()): void {
  changes.set(changeKey(topic, tenantId), now);
  if (changes.size > 10_000) {
    for (const [key, at] of changes) if (now - at > forgetChangesAfterMs) changes.delete(key);
  }
}

/** When `topic` last changed for the tenant (ms since the epoch), or 0. */
export function lastChanged(topic: CachedTopic, tenantId: string): number {
  return changes.get(changeKey(topic, tenantId)) ?? 0;
}

/** A cached read: the value and when it was read. */
interface Entry<Value> {
  value: Value;
  tenantId: string;
  readAt: number;
}

/** Settings of {@link createCachedReads}. */
export interface CachedReadsSettings {
  topic: CachedTopic;
  /** How long a value is served. */
  ttlMs: number;
  /** Most entries kept (least recently used go first). */
  max: number;
  /** The clock, in ms since the epoch (tests). Default `Date.now`. */
  now?: () => number;
}

/** A read-through cache of one topic (see the module comment). */
export interface CachedReads<Value> {
  /**
   * The cached value of `key`, else `load()`'s (cached when it found something: misses are
   * never cached, so a new row is seen at once and unknown keys cannot fill the cache).
   */
  read(
    key: string,
    load: () => Promise<{ value: Value; tenantId: string } | undefined>,
  ): Promise<Value | undefined>;
  /** Changes a cached value in place (e.g. a key's `lastUsedAt` after marking it used). */
  update(key: string, change: (value: Value) => Value): void;
  /** Drops one entry. */
  delete(key: string): void;
}

/** A read-through cache for a topic: one per storage (see {@link cachedReadsOf}). */
export function createCachedReads<Value>(settings: CachedReadsSettings): CachedReads<Value> {
  const now = settings.now ?? Date.now;
  const cache = new LRUCache<string, Entry<Value>>({
    max: settings.max,
    ttl: settings.ttlMs,
    perf: { now },
    // An injected clock is read on every check (the default caches it for a millisecond).
    ...(settings.now ? { ttlResolution: 0 } : {}),
  });
  return {
    async read(key, load) {
      const entry = cache.get(key);
      if (entry && entry.readAt > lastChanged(settings.topic, entry.tenantId) + settings.ttlMs) {
        return entry.value;
      }
      const readAt = now();
      const loaded = await load();
      if (!loaded) {
        cache.delete(key);
        return undefined;
      }
      cache.set(key, { value: loaded.value, tenantId: loaded.tenantId, readAt });
      return loaded.value;
    },
    update(key, change) {
      const entry = cache.get(key, { updateAgeOnGet: false });
      if (entry) entry.value = change(entry.value);
    },
    delete(key) {
      cache.delete(key);
    },
  };
}

const perStorage = new WeakMap<object, Map<string, CachedReads<unknown>>>();

/** The storage's cache of a topic, made with `settings` on first use. */
export function cachedReadsOf<Value>(
  storage: StorageV1,
  settings: CachedReadsSettings,
): CachedReads<Value> {
  let caches = perStorage.get(storage);
  if (!caches) {
    caches = new Map();
    perStorage.set(storage, caches);
  }
  let cache = caches.get(settings.topic);
  if (!cache) {
    cache = createCachedReads<unknown>(settings);
    caches.set(settings.topic, cache);
  }
  return cache as CachedReads<Value>;
}
