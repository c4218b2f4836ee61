import { describe, expect, it } from 'vitest';
import { createCachedReads, markChanged } from './cached-reads.js';

/** A cache over a fake clock, and a loader that counts its reads. */
function setup(tenantId: string) {
  let clock = 1_000_000;
  const cache = createCachedReads<string>({
    topic: 'ab-tests',
    ttlMs: 5_000,
    max: 100,
    now: () => clock,
  });
  let reads = 0;
  let stored: string | undefined = 'first';
  const read = () =>
    cache.read('key', async () => {
      reads += 1;
      return stored === undefined ? undefined : { value: stored, tenantId };
    });
  return {
    read,
    reads: () => reads,
    store: (value: string | undefined) => {
      stored = value;
    },
    advance: (ms: number) => {
      clock += ms;
    },
    now: () => clock,
    cache,
  };
}

describe('cached reads', () => {
  it('serves a value read once until its TTL ends, then reads again', async () => {
    const cache = setup('tenant-ttl');
    expect(await cache.read()).toBe('first');
    cache.store('second');
    cache.advance(4_999);
    expect(await cache.read()).toBe('first');
    expect(cache.reads()).toBe(1);
    cache.advance(2);
    expect(await cache.read()).toBe('second');
    expect(cache.reads()).toBe(2);
  });

  it('never caches a miss: a row written later is found at once', async () => {
    const cache = setup('tenant-miss');
    cache.store(undefined);
    expect(await cache.read()).toBeUndefined();
    cache.store('created');
    expect(await cache.read()).toBe('created');
    expect(cache.reads()).toBe(2);
  });

  it('a change to the tenant drops its cached value at once, and reads stay uncached for one TTL', async () => {
    const tenantId = 'tenant-change';
    const cache = setup(tenantId);
    expect(await cache.read()).toBe('first');
    // Revoked by this process (in a transaction that has not committed yet: the database
    // still answers the old value for a moment).
    markChanged('ab-tests', tenantId, cache.now());
    cache.advance(1);
    expect(await cache.read()).toBe('first');
    cache.store('revoked');
    cache.advance(1);
    // The value read before the commit is not served: the database is asked again.
    expect(await cache.read()).toBe('revoked');
    expect(cache.reads()).toBe(3);
    // One TTL after the change, values are cached again.
    cache.advance(5_000);
    expect(await cache.read()).toBe('revoked');
    cache.store('later');
    expect(await cache.read()).toBe('revoked');
    expect(cache.reads()).toBe(4);
  });

  it("a change to another tenant leaves this tenant's value cached", async () => {
    const cache = setup('tenant-kept');
    expect(await cache.read()).toBe('first');
    markChanged('ab-tests', 'tenant-other', cache.now());
    markChanged('api-keys', 'tenant-kept', cache.now());
    cache.store('second');
    cache.advance(1);
    expect(await cache.read()).toBe('first');
    expect(cache.reads()).toBe(1);
  });

  it('update changes a cached value in place; delete drops it', async () => {
    const cache = setup('tenant-update');
    expect(await cache.read()).toBe('first');
    cache.cache.update('key', (value) => `${value}+used`);
    expect(await cache.read()).toBe('first+used');
    cache.cache.delete('key');
    cache.store('fresh');
    expect(await cache.read()).toBe('fresh');
  });
});
