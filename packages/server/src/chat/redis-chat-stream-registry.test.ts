import { afterEach, describe, expect, it } from 'vitest';
import { useTestRedis } from '../../test/fixtures/test-redis.js';
import { createTcpProxy } from '../../test/hardening/tcp-proxy.js';
import type { ChurnLogger } from '../http/error-to-response.js';
import { chatStreamRegistrySuite, collect } from './chat-stream-registry-suite.js';
import { waitFor } from './chat-test-helpers.js';
import {
  createRedisChatStreamRegistry,
  type RedisChatStreamRegistry,
  type RedisChatStreamRegistrySettings,
} from './redis-chat-stream-registry.js';

/** The real Redis (required: the tests fail when it is not running); this run's keys are deleted at the end. */
const redis = useTestRedis('chat-stream');
const redisUrl = redis.url;
const runPrefix = redis.prefix;

function recordingLogger(): ChurnLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, error: () => undefined, warn: (message) => warnings.push(message) };
}

const opened: RedisChatStreamRegistry[] = [];

/** A registry of its own "instance"; several made with one `keyPrefix` share their streams. */
function instance(settings: RedisChatStreamRegistrySettings = {}): RedisChatStreamRegistry {
  const registry = createRedisChatStreamRegistry({
    url: redisUrl,
    keyPrefix: runPrefix,
    logger: recordingLogger(),
    ...settings,
  });
  opened.push(registry);
  return registry;
}

afterEach(async () => {
  for (const registry of opened.splice(0)) await registry.close();
});

let suiteRuns = 0;
// Redis unreachable fails the file in `beforeAll` (not silently in process).
chatStreamRegistrySuite('Redis', async (settings) => {
  // A prefix per registry: a test's claims never meet the next test's.
  suiteRuns += 1;
  return createRedisChatStreamRegistry({
    url: redisUrl,
    keyPrefix: `${runPrefix}suite${suiteRuns}:`,
    ...settings,
  });
});

describe('createRedisChatStreamRegistry: two instances on one Redis', () => {
  let conversation = 0;
  const nextKey = () => {
    conversation += 1;
    return { tenantId: 'tenant-a', conversationId: `conversation-${conversation}` };
  };

  it('reads on B what A produces: from the first payload, then live, then the end', async () => {
    const a = instance();
    const b = instance();
    const key = nextKey();
    const writer = await a.open(key);
    writer.append('first');
    writer.append('second');
    expect(await b.isActive(key)).toBe(true);
    const remote = await b.read(key);
    expect(remote).toBeDefined();
    const received = collect(remote!);
    // A second reader on B shares the same follower.
    const second = collect((await b.read(key))!);
    for (let index = 0; index < 50; index++) writer.append(`live ${index}`);
    writer.close();
    const expected = ['first', 'second', ...Array.from({ length: 50 }, (_, i) => `live ${i}`)];
    expect(await received).toEqual(expected);
    expect(await second).toEqual(expected);
    expect(a.activeCount()).toBe(0);
    expect(b.activeCount()).toBe(0);
    // Ended: nothing to resume, anywhere; the key is free for either instance.
    await waitFor(async () => !(await b.isActive(key)));
    expect(await b.read(key)).toBeUndefined();
    (await b.open(key)).close();
  });

  it('refuses a second reply of the same conversation on another instance: conflict', async () => {
    const a = instance();
    const b = instance();
    const key = nextKey();
    const writer = await a.open(key);
    await expect(b.open(key)).rejects.toMatchObject({ code: 'conflict' });
    // Other conversations are free.
    (await b.open(nextKey())).close();
    writer.close();
  });

  it('stops on B the reply running on A, with the same aborted error', async () => {
    const a = instance();
    const b = instance();
    const key = nextKey();
    expect(await b.stop(key)).toBe(false);
    const writer = await a.open(key);
    writer.append('partial');
    expect(await b.stop(key)).toBe(true);
    await waitFor(() => writer.signal.aborted);
    expect(writer.signal.reason).toMatchObject({
      code: 'aborted',
      message: 'The reply was stopped.',
    });
    // Already stopped: on either instance.
    expect(await b.stop(key)).toBe(false);
    expect(await a.stop(key)).toBe(false);
    // The producer still writes its ending, which B's readers get.
    const remote = collect((await b.read(key))!);
    writer.append('[DONE]');
    writer.close();
    expect(await remote).toEqual(['partial', '[DONE]']);
  });

  it('ends a reader on B when A dies mid-reply (its claim expires) instead of hanging', async () => {
    const a = instance({ claimTtlMs: 600 });
    const b = instance({ claimTtlMs: 600 });
    const key = nextKey();
    const writer = await a.open(key);
    writer.append('before the crash');
    const remote = collect((await b.read(key))!);
    await waitFor(
      async () =>
        (await redis.admin().keys(`${runPrefix}tenant-a:${key.conversationId}:stream:*`)).length >
        0,
    );
    // A crashes: its heartbeat and connections stop, it never closes the reply.
    await a.close();
    expect(await remote).toEqual(['before the crash']);
    expect(await b.isActive(key)).toBe(false);
    // The conversation is free again.
    (await b.open(key)).close();
    void writer;
  });

  it('keeps nothing in Redis after a reply but a stream that expires shortly', async () => {
    const prefix = `${runPrefix}ttl:`;
    const a = instance({ keyPrefix: prefix, endedTtlMs: 5000 });
    const key = nextKey();
    const writer = await a.open(key);
    writer.append('x');
    const claims = await redis.admin().keys(`${prefix}*:claim`);
    expect(claims).toHaveLength(1);
    expect(claims[0]).toContain(`${prefix}tenant-a:${key.conversationId}:`);
    const claimTtl = await redis.admin().pttl(claims[0]!);
    expect(claimTtl).toBeGreaterThan(0);
    writer.close();
    await waitFor(async () => (await redis.admin().keys(`${prefix}*:claim`)).length === 0);
    const streams = await redis.admin().keys(`${prefix}*:stream:*`);
    expect(streams).toHaveLength(1);
    const streamTtl = await redis.admin().pttl(streams[0]!);
    expect(streamTtl).toBeGreaterThan(0);
    expect(streamTtl).toBeLessThanOrEqual(5000);
  });

  it('applies a stop whose pub/sub message was lost at the next heartbeat', async () => {
    const a = instance({ claimTtlMs: 300 });
    const key = nextKey();
    const writer = await a.open(key);
    // What `stop` on another instance leaves in Redis, without its message.
    const claimKey = `${runPrefix}tenant-a:${key.conversationId}:claim`;
    const streamId = (await redis.admin().get(claimKey))!.split(':')[1];
    await redis
      .admin()
      .set(`${runPrefix}tenant-a:${key.conversationId}:stop:${streamId}`, '1', 'PX', 10_000);
    await waitFor(() => writer.signal.aborted);
    expect(writer.signal.reason).toMatchObject({ code: 'aborted' });
    writer.close();
  });

  it('caps the replies of other instances followed at once', async () => {
    const a = instance();
    const b = instance({ maxRemoteReaders: 1 });
    const first = nextKey();
    const second = nextKey();
    const one = await a.open(first);
    const two = await a.open(second);
    const reading = collect((await b.read(first))!);
    await expect(b.read(second)).rejects.toMatchObject({ code: 'rate_limited' });
    one.close();
    expect(await reading).toEqual([]);
    // Freed: the next one is followed.
    const next = collect((await b.read(second))!);
    two.append('y');
    two.close();
    expect(await next).toEqual(['y']);
  });
});

describe('createRedisChatStreamRegistry when Redis is down', () => {
  it('says how to fix a missing URL', () => {
    const previous = process.env.REDIS_URL;
    delete process.env.REDIS_URL;
    try {
      expect(() => createRedisChatStreamRegistry()).toThrow(/pass \{ url \} or set REDIS_URL/);
    } finally {
      if (previous !== undefined) process.env.REDIS_URL = previous;
    }
  });

  it('keeps replies in process, logs one warning, and shares them again once Redis is back', async () => {
    const target = new URL(redisUrl);
    const proxy = createTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    await proxy.listen();
    const port = proxy.port;
    await proxy.down();
    const logger = recordingLogger();
    const a = instance({ url: `redis://127.0.0.1:${port}`, logger });
    const b = instance();
    try {
      const key = { tenantId: 'tenant-down', conversationId: 'c1' };
      // Redis is away: the reply streams and stops in process, as the memory registry does.
      const writer = await a.open(key);
      expect(writer.append('a')).toBe(true);
      const local = collect((await a.read(key))!);
      expect(await a.isActive(key)).toBe(true);
      expect(await b.isActive(key)).toBe(false);
      expect(await a.stop(key)).toBe(true);
      expect(writer.signal.reason).toMatchObject({ code: 'aborted' });
      writer.append('b');
      writer.close();
      expect(await local).toEqual(['a', 'b']);
      (await a.open(key)).close();
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]).toMatch(/Redis chat stream registry unavailable/);

      // Redis is back: ioredis reconnects, and the next replies are shared again.
      await proxy.up();
      await waitFor(async () => {
        const probe = await a.open(key);
        const shared = await b.isActive(key);
        probe.close();
        await waitFor(async () => !(await a.isActive(key)));
        return shared;
      }, 10_000);
      const writer2 = await a.open(key);
      writer2.append('shared');
      const remote = collect((await b.read(key))!);
      writer2.close();
      expect(await remote).toEqual(['shared']);
    } finally {
      await a.close();
      await proxy.down();
    }
  }, 20_000);
});
