import { randomUUID } from 'node:crypto';
import { ChurnError } from '@churn/core';
import type { Redis, RedisOptions } from 'ioredis';
import { type ChurnLogger, consoleLogger } from '../http/error-to-response.js';
import { loadIoredis } from '../redis/redis-client.js';
import {
  type ChatStreamKey,
  type ChatStreamRegistry,
  type ChatStreamWriter,
  createMemoryChatStreamRegistry,
  type MemoryChatStreamRegistrySettings,
  streamConflictError,
} from './chat-stream-registry.js';

/** Settings of {@link createRedisChatStreamRegistry}. */
export interface RedisChatStreamRegistrySettings extends MemoryChatStreamRegistrySettings {
  /** `redis://[:password@]host:port[/db]`. Default env `REDIS_URL`. */
  url?: string;
  /** Prefix of every key and of the stop channel. Default `churn:chat-stream:`. */
  keyPrefix?: string;
  /**
   * How long a reply's claim on its conversation lives without a heartbeat (ms); the
   * producing instance refreshes it every third of that. A reader on another instance ends
   * at most about this long after the producing instance died, and its conversation is
   * free again. Default 5000.
   */
  claimTtlMs?: number;
  /** How long a reply's Redis Stream stays after its end, for readers still catching up (ms). Default 10000. */
  endedTtlMs?: number;
  /**
   * Most replies of other instances this instance follows at once for its readers (each
   * holds one Redis connection in `XREAD BLOCK`); more are refused with `rate_limited`.
   * Default 100.
   */
  maxRemoteReaders?: number;
  /** Longest wait for one Redis answer (ms). Default 1000. */
  commandTimeoutMs?: number;
  /** Longest wait to connect (ms). Default 1000. */
  connectTimeoutMs?: number;
  /** Where the "Redis unavailable" warning goes. Default `console`. */
  logger?: ChurnLogger;
}

/** A {@link ChatStreamRegistry} with the Redis connections it holds. */
export interface RedisChatStreamRegistry extends ChatStreamRegistry {
  /** Ends the Redis connections (and the readers following other instances). Idempotent. */
  close(): Promise<void>;
}

/** Refreshes a claim that is still ours (takes it again if Redis lost it); answers 1 when the reply was stopped. */
const heartbeatScript = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
elseif not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return redis.call('EXISTS', KEYS[2])
`;

/** Deletes a claim only if it is still ours. */
const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** One reply produced on this instance and mirrored to Redis. */
interface Mirror {
  key: ChatStreamKey;
  streamId: string;
  claimKey: string;
  claimValue: string;
  streamKey: string;
  stopKey: string;
  /** Payloads appended and not sent yet; `null` is the end marker. */
  queue: (string | null)[];
  scheduled: boolean;
  /** The flushes, one after the other (never rejects). */
  chain: Promise<void>;
  /** Redis failed during this reply: stop mirroring it. */
  broken: boolean;
  heartbeat: ReturnType<typeof setInterval> | undefined;
}

/** One reply of another instance that this instance follows for its readers. */
interface Follower {
  /** Its key in `mirrors`: unique per follower. */
  mirrorKey: ChatStreamKey;
  readers: number;
  stop(): void;
  open: Promise<ChatStreamWriter>;
}

function keyOf(key: ChatStreamKey): string {
  return `${key.tenantId}\u0000${key.conversationId}`;
}

/**
 * A {@link ChatStreamRegistry} shared by every instance through Redis, so that a stop or a
 * resume reaching any instance finds the reply wherever it runs.
 *
 * - The instance that produces a reply keeps it in process (a {@link createMemoryChatStreamRegistry}:
 *   `append` stays synchronous and bounded) and mirrors every payload, in order and
 *   coalesced into pipelines, to a Redis Stream that expires after the reply.
 * - `open` claims the conversation (`SET NX PX`, refreshed by a heartbeat while the reply
 *   runs, deleted when it ends): a reply already running on any instance is a `conflict`.
 * - `read` on another instance replays the Redis Stream from its start and follows it
 *   (`XREAD BLOCK` on a connection of its own, at most `maxRemoteReaders` replies followed),
 *   until the reply's end, or until its claim disappears (its instance died).
 * - `stop` on another instance sets a stop flag and publishes it on a pub/sub channel; the
 *   producing instance aborts the reply when it hears it (or at its next heartbeat).
 * - When Redis cannot answer, new replies stay in process (stop and resume then work on
 *   the same instance only) and one warning is logged until Redis is back; ioredis
 *   reconnects by itself. A chat never fails because Redis is down.
 *
 * `ioredis` is an optional peer dependency, imported when the registry is made.
 *
 * @example
 * const registry = createRedisChatStreamRegistry({ url: process.env.REDIS_URL });
 * const handler = createChurnHandler({ chat: { registry } });
 */
export function createRedisChatStreamRegistry(
  settings: RedisChatStreamRegistrySettings = {},
): RedisChatStreamRegistry {
  const url = settings.url ?? process.env.REDIS_URL;
  if (!url) {
    throw new Error(
      'createRedisChatStreamRegistry needs a Redis URL: pass { url } or set REDIS_URL (redis://host:6379).',
    );
  }
  const prefix = settings.keyPrefix ?? 'churn:chat-stream:';
  const logger = settings.logger ?? consoleLogger;
  const claimTtlMs = settings.claimTtlMs ?? 5000;
  const endedTtlMs = settings.endedTtlMs ?? 10_000;
  const maxDurationMs = settings.maxDurationMs ?? 5 * 60_000;
  const maxRemoteReaders = settings.maxRemoteReaders ?? 100;
  const blockMs = Math.max(100, Math.min(2000, Math.floor(claimTtlMs / 2)));
  const local = createMemoryChatStreamRegistry(settings);
  // The replies of other instances, re-buffered here for this instance's readers.
  const mirrors = createMemoryChatStreamRegistry({
    maxActiveStreams: maxRemoteReaders,
    maxBufferedBytes: settings.maxBufferedBytes ?? 1024 * 1024,
    maxDurationMs: maxDurationMs + claimTtlMs,
  });
  const stopChannel = `${prefix}stop`;
  const instanceId = randomUUID();
  const produced = new Map<string, Mirror>();
  const producedByStream = new Map<string, Mirror>();
  const closing = new Map<string, Promise<void>>();
  const followers = new Map<string, Follower>();
  const followerConnections = new Set<Redis>();
  let closed = false;
  let warned = false;

  const names = (key: ChatStreamKey) => {
    const base = `${prefix}${encodeURIComponent(key.tenantId)}:${encodeURIComponent(key.conversationId)}`;
    return {
      claimKey: `${base}:claim`,
      streamKey: (streamId: string) => `${base}:stream:${streamId}`,
      stopKey: (streamId: string) => `${base}:stop:${streamId}`,
    };
  };

  const warn = (error: unknown): void => {
    if (warned || closed) return;
    warned = true;
    logger.warn(
      'Redis chat stream registry unavailable: new replies stay in this process until Redis is back (stop and resume then work on the same instance only). Check REDIS_URL and the Redis server.',
      { error: error instanceof Error ? error.message : String(error) },
    );
  };

  const options: RedisOptions = {
    lazyConnect: true,
    // Fail fast while disconnected (replies stay in process) instead of queueing commands.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: settings.connectTimeoutMs ?? 1000,
    commandTimeout: settings.commandTimeoutMs ?? 1000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };

  const connections = loadIoredis('The Redis chat stream registry').then(async (module) => {
    const client = new module.Redis(url, options);
    // Errors surface through commands (and the one warning), not as unhandled events.
    client.on('error', () => undefined);
    client.on('ready', () => {
      warned = false;
    });
    client.connect().catch(() => undefined);
    // Pub/sub: queue the SUBSCRIBE until connected; ioredis subscribes again on reconnect.
    const subscriber = new module.Redis(url, {
      ...options,
      lazyConnect: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
    });
    subscriber.on('error', () => undefined);
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== stopChannel) return;
      const mirror = producedByStream.get(message);
      if (mirror) void local.stop(mirror.key);
    });
    subscriber.subscribe(stopChannel).catch(() => undefined);
    return { client, subscriber };
  });
  connections.catch(() => undefined);

  /** Settles when the connecting client is ready (one wait shared by every caller). */
  let connecting: Promise<void> | undefined;
  const untilReady = (client: Redis): Promise<void> => {
    connecting ??= new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error('Redis did not connect in time.')),
        settings.connectTimeoutMs ?? 1000,
      );
      const onReady = () => done();
      const onEnd = () => done(new Error('Redis connection ended.'));
      const onError = (error: unknown) =>
        done(error instanceof Error ? error : new Error(String(error)));
      const done = (error?: Error) => {
        clearTimeout(timer);
        client.removeListener('ready', onReady);
        client.removeListener('end', onEnd);
        client.removeListener('error', onError);
        connecting = undefined;
        if (error) reject(error);
        else resolve();
      };
      client.once('ready', onReady);
      client.once('end', onEnd);
      client.once('error', onError);
    });
    return connecting;
  };

  /** The command connection when Redis can answer now; otherwise warns once and answers `undefined`. */
  const ready = async (): Promise<Redis | undefined> => {
    if (closed) return undefined;
    try {
      const { client } = await connections;
      if (client.status === 'ready') return client;
      if (
        client.status === 'connecting' ||
        client.status === 'connect' ||
        client.status === 'wait'
      ) {
        await untilReady(client);
        return client;
      }
      throw new Error(`Redis is ${client.status}.`);
    } catch (error) {
      warn(error);
      return undefined;
    }
  };

  const fail = (mirror: Mirror, error: unknown): void => {
    mirror.broken = true;
    mirror.queue.length = 0;
    warn(error);
  };

  /** Sends what the producer appended, in order, one pipeline at a time. */
  const flush = (client: Redis, mirror: Mirror): void => {
    if (mirror.scheduled) return;
    mirror.scheduled = true;
    mirror.chain = mirror.chain.then(async () => {
      mirror.scheduled = false;
      if (mirror.broken) return;
      const batch = mirror.queue.splice(0);
      if (batch.length === 0) return;
      const ended = batch.at(-1) === null;
      const pipeline = client.pipeline();
      for (const data of batch) {
        if (data === null) pipeline.xadd(mirror.streamKey, '*', 'e', '1');
        else pipeline.xadd(mirror.streamKey, '*', 'd', data);
      }
      pipeline.pexpire(mirror.streamKey, ended ? endedTtlMs : maxDurationMs + claimTtlMs);
      if (ended) {
        // After the end marker, so that a reader never takes a released claim for a crash.
        pipeline.eval(releaseScript, 1, mirror.claimKey, mirror.claimValue);
        pipeline.pexpire(mirror.stopKey, endedTtlMs);
      }
      try {
        const results = (await pipeline.exec()) ?? [];
        const failed = results.find(([error]) => error);
        if (failed) fail(mirror, failed[0]);
      } catch (error) {
        fail(mirror, error);
      }
    });
  };

  const startHeartbeat = (client: Redis, mirror: Mirror): void => {
    mirror.heartbeat = setInterval(
      () => {
        client
          .eval(heartbeatScript, 2, mirror.claimKey, mirror.stopKey, mirror.claimValue, claimTtlMs)
          .then((stopped) => {
            // The stop message may have been missed (pub/sub is at most once).
            if (Number(stopped) === 1) void local.stop(mirror.key);
          })
          .catch(() => undefined);
      },
      Math.max(50, Math.floor(claimTtlMs / 3)),
    );
    mirror.heartbeat.unref?.();
  };

  /** Follows a reply of another instance into `mirrors`, for this instance's readers. */
  const follow = (
    client: Redis,
    key: ChatStreamKey,
    claimKey: string,
    claimValue: string,
    streamId: string,
  ): Follower => {
    const mirrorKey = { tenantId: key.tenantId, conversationId: randomUUID() };
    const streamKey = names(key).streamKey(streamId);
    let stopped = false;
    const connection = client.duplicate({
      lazyConnect: false,
      enableOfflineQueue: true,
      // A blocked XREAD answers after `blockMs`: wait for it.
      commandTimeout: blockMs + 2000,
      retryStrategy: () => null,
    });
    connection.on('error', () => undefined);
    followerConnections.add(connection);
    const follower: Follower = {
      mirrorKey,
      readers: 0,
      open: mirrors.open(mirrorKey),
      stop() {
        stopped = true;
        // A reader arriving now follows the reply afresh.
        if (followers.get(streamId) === follower) followers.delete(streamId);
        connection.disconnect();
      },
    };
    follower.open.catch(() => undefined);
    const run = async () => {
      let writer: ChatStreamWriter | undefined;
      let last = '0-0';
      // Appends the entries read; answers true at the end marker.
      const take = (reply: [string, [string, string[]][]][] | null): boolean => {
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            last = id;
            if (fields[0] === 'e') return true;
            if (fields[0] === 'd' && fields[1] !== undefined) writer?.append(fields[1]);
          }
        }
        return false;
      };
      try {
        writer = await follower.open;
        while (!stopped) {
          const reply = (await connection.xread(
            'COUNT',
            1000,
            'BLOCK',
            blockMs,
            'STREAMS',
            streamKey,
            last,
          )) as [string, [string, string[]][]][] | null;
          if (take(reply)) return;
          if (reply) continue;
          // Nothing new for a while: is the producer still alive?
          if ((await client.get(claimKey)) !== claimValue) {
            // Ended or died: read what is left, then end (a crash has no end marker).
            const rest = (await connection.xread('STREAMS', streamKey, last)) as
              | [string, [string, string[]][]][]
              | null;
            take(rest);
            return;
          }
        }
      } catch {
        // Redis went away, or the last reader left: end the readers' stream.
      } finally {
        writer?.close();
        connection.disconnect();
        followerConnections.delete(connection);
        if (followers.get(streamId) === follower) followers.delete(streamId);
      }
    };
    void run();
    return follower;
  };

  /** Reads a mirrored reply of another instance; the follower stops when its last reader leaves. */
  async function* readFollower(
    follower: Follower,
    stream: AsyncIterable<string>,
  ): AsyncGenerator<string> {
    try {
      yield* stream;
    } finally {
      leave(follower);
    }
  }

  function leave(follower: Follower): void {
    follower.readers -= 1;
    if (follower.readers === 0) follower.stop();
  }

  return {
    async open(key) {
      const id = keyOf(key);
      await closing.get(id);
      const writer = await local.open(key);
      const client = await ready();
      if (!client) return writer;
      const { claimKey, streamKey, stopKey } = names(key);
      const streamId = randomUUID();
      const claimValue = `${instanceId}:${streamId}`;
      let claimed: string | null;
      try {
        claimed = await client.set(claimKey, claimValue, 'PX', claimTtlMs, 'NX');
      } catch (error) {
        warn(error);
        return writer;
      }
      if (claimed !== 'OK') {
        writer.close();
        throw streamConflictError();
      }
      const mirror: Mirror = {
        key,
        streamId,
        claimKey,
        claimValue,
        streamKey: streamKey(streamId),
        stopKey: stopKey(streamId),
        queue: [],
        scheduled: false,
        chain: Promise.resolve(),
        broken: false,
        heartbeat: undefined,
      };
      produced.set(id, mirror);
      producedByStream.set(streamId, mirror);
      startHeartbeat(client, mirror);
      return {
        signal: writer.signal,
        append(data) {
          if (!writer.append(data)) return false;
          if (!mirror.broken) {
            mirror.queue.push(data);
            flush(client, mirror);
          }
          return true;
        },
        close() {
          if (produced.get(id) !== mirror) return;
          writer.close();
          clearInterval(mirror.heartbeat);
          produced.delete(id);
          producedByStream.delete(streamId);
          if (mirror.broken) {
            // Mirroring failed: at least free the conversation for other instances.
            client.eval(releaseScript, 1, claimKey, claimValue).catch(() => undefined);
            return;
          }
          mirror.queue.push(null);
          flush(client, mirror);
          const done = mirror.chain;
          closing.set(id, done);
          void done.then(() => {
            if (closing.get(id) === done) closing.delete(id);
          });
        },
      };
    },

    async read(key) {
      const stream = await local.read(key);
      if (stream) return stream;
      await closing.get(keyOf(key));
      const client = await ready();
      if (!client) return undefined;
      const { claimKey } = names(key);
      let claimValue: string | null;
      try {
        claimValue = await client.get(claimKey);
      } catch (error) {
        warn(error);
        return undefined;
      }
      const streamId = claimValue?.split(':')[1];
      if (!claimValue || !streamId) return undefined;
      let follower = followers.get(streamId);
      if (!follower) {
        if (followers.size >= maxRemoteReaders) {
          throw new ChurnError(
            'rate_limited',
            'This server is following as many replies of other instances as it can: try again in a few seconds.',
          );
        }
        follower = follow(client, key, claimKey, claimValue, streamId);
        followers.set(streamId, follower);
      }
      // Counted at once, so that another reader leaving meanwhile does not stop it.
      follower.readers += 1;
      let mirrored: AsyncIterable<string> | undefined;
      try {
        await follower.open;
        mirrored = await mirrors.read(follower.mirrorKey);
      } finally {
        if (!mirrored) leave(follower);
      }
      return mirrored && readFollower(follower, mirrored);
    },

    async isActive(key) {
      if (await local.isActive(key)) return true;
      await closing.get(keyOf(key));
      const client = await ready();
      if (!client) return false;
      try {
        return (await client.exists(names(key).claimKey)) === 1;
      } catch (error) {
        warn(error);
        return false;
      }
    },

    async stop(key) {
      const mine = produced.get(keyOf(key));
      if (await local.isActive(key)) {
        const stopped = await local.stop(key);
        if (stopped && mine && !mine.broken) {
          // So that a stop reaching another instance answers `false` too.
          const client = await ready();
          client?.set(mine.stopKey, '1', 'PX', maxDurationMs + claimTtlMs).catch(() => undefined);
        }
        return stopped;
      }
      const client = await ready();
      if (!client) return false;
      try {
        const { claimKey, stopKey } = names(key);
        const claimValue = await client.get(claimKey);
        const streamId = claimValue?.split(':')[1];
        if (!streamId) return false;
        const first = await client.set(
          stopKey(streamId),
          '1',
          'PX',
          maxDurationMs + claimTtlMs,
          'NX',
        );
        if (first !== 'OK') return false;
        await client.publish(stopChannel, streamId);
        return true;
      } catch (error) {
        warn(error);
        return false;
      }
    },

    activeCount() {
      return local.activeCount();
    },

    async close() {
      if (closed) return;
      // Let the replies that ended send their end marker first.
      await Promise.allSettled([...closing.values()]);
      closed = true;
      for (const mirror of produced.values()) clearInterval(mirror.heartbeat);
      for (const follower of followers.values()) follower.stop();
      for (const connection of followerConnections) connection.disconnect();
      const opened = await connections.catch(() => undefined);
      if (!opened) return;
      const { client, subscriber } = opened;
      // QUIT waits for the answers of commands already sent; a connection that is down
      // has nothing to wait for.
      await Promise.allSettled(
        [client, subscriber].map((connection) =>
          connection.status === 'ready' ? connection.quit() : Promise.resolve(),
        ),
      );
      client.disconnect();
      subscriber.disconnect();
    },
  };
}
