import type { MessageRecord, StorageV1, StorageV1Repositories } from '@churn/core';
import { loadIoredis } from '../redis/redis-client.js';

/** The names of the console's live events (`GET /api/admin/events`). */
export const consoleEventTypes = [
  'conversation.created',
  'conversation.updated',
  'message.created',
  'escalation.created',
  'escalation.updated',
] as const;

/** One of {@link consoleEventTypes}. */
export type ConsoleEventType = (typeof consoleEventTypes)[number];

/** One live event of a tenant: what happened to which conversation. */
export interface ConsoleEvent {
  type: ConsoleEventType;
  tenantId: string;
  /** The SSE `data:`: always a `conversationId`, then what the event is about. */
  data: { conversationId: string; [key: string]: unknown };
}

/** Where the console's live events go: published by chat turns, escalations, operators. */
export interface ConsoleEventBus {
  /** Tells every subscriber of the event's tenant, on this instance and (Redis) the others. Never throws. */
  publish(event: ConsoleEvent): void;
  /** Listens to one tenant's events; answers the function that stops listening. */
  subscribe(tenantId: string, listener: (event: ConsoleEvent) => void): () => void;
  /** Releases connections (Redis). Idempotent. */
  close(): Promise<void>;
  /** Whether the bus holds connections to other instances (Redis) that `close` releases. */
  readonly remote: boolean;
}

/** A logger for failures that must not break the caller. */
interface BusLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** The in-process part of every bus: listeners by tenant. */
function createLocalDispatch() {
  const listeners = new Map<string, Set<(event: ConsoleEvent) => void>>();
  return {
    dispatch(event: ConsoleEvent) {
      for (const listener of listeners.get(event.tenantId) ?? []) {
        try {
          listener(event);
        } catch {
          // A listener's failure is its own: the others still hear the event.
        }
      }
    },
    subscribe(tenantId: string, listener: (event: ConsoleEvent) => void) {
      let set = listeners.get(tenantId);
      if (!set) {
        set = new Set();
        listeners.set(tenantId, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(tenantId) === set) listeners.delete(tenantId);
      };
    },
  };
}

/** A bus inside one process: enough for one instance. */
export function createMemoryConsoleEventBus(): ConsoleEventBus {
  const local = createLocalDispatch();
  return {
    publish: (event) => local.dispatch(event),
    subscribe: local.subscribe,
    close: async () => {},
    remote: false,
  };
}

/** The few ioredis commands the Redis bus uses. */
interface RedisPubSubClient {
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/** Settings of {@link createRedisConsoleEventBus}. */
export interface RedisConsoleEventBusSettings {
  /** `redis://host:6379`. Default env `REDIS_URL`. */
  url?: string;
  /** The pub/sub channel. Default `churn:console-events`. */
  channel?: string;
  logger?: BusLogger;
}

/**
 * A bus shared by every instance through Redis pub/sub: an event is dispatched at once to
 * this instance's subscribers and published on one channel; each instance dispatches the
 * others' events to its own subscribers (by tenant). Delivery is at most once, like pub/sub:
 * the console reloads the list on reconnect, it does not replay missed events.
 */
export async function createRedisConsoleEventBus(
  settings: RedisConsoleEventBusSettings = {},
): Promise<ConsoleEventBus> {
  const url = settings.url ?? process.env.REDIS_URL;
  if (!url) throw new Error('The Redis console event bus needs { url } or REDIS_URL.');
  const channel = settings.channel ?? 'churn:console-events';
  const module = await loadIoredis('Live console events across instances');
  const options = { maxRetriesPerRequest: 1, connectTimeout: 2000 };
  const publisher = new module.Redis(url, options) as unknown as RedisPubSubClient;
  const subscriber = new module.Redis(url, options) as unknown as RedisPubSubClient;
  const origin = crypto.randomUUID();
  const local = createLocalDispatch();
  let warned = false;
  const warn = (error: unknown) => {
    if (warned) return;
    warned = true;
    settings.logger?.warn('Redis is unreachable: console events reach this instance only.', {
      error,
    });
  };
  publisher.on('error', warn);
  subscriber.on('error', warn);
  subscriber.on('message', (from, message) => {
    if (from !== channel) return;
    try {
      const parsed = JSON.parse(message) as { origin?: string; event?: ConsoleEvent };
      if (parsed.origin === origin || !parsed.event) return;
      const event = parsed.event;
      if (typeof event.tenantId !== 'string' || typeof event.data?.conversationId !== 'string') {
        return;
      }
      local.dispatch(event);
    } catch {
      // Not ours: ignore.
    }
  });
  await subscriber.subscribe(channel);
  let closed = false;
  return {
    publish(event) {
      local.dispatch(event);
      if (closed) return;
      publisher.publish(channel, JSON.stringify({ origin, event })).catch(warn);
    },
    subscribe: local.subscribe,
    remote: true,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}

const buses = new WeakMap<object, Promise<ConsoleEventBus>>();

/**
 * The console event bus of a storage: every handler (and chat turn, escalation, operator
 * action) on the same storage shares it. Redis pub/sub when `REDIS_URL` is set (falls back
 * to in-process with a warning when Redis cannot be reached at start), else in process.
 */
export function consoleEventsOf(
  storage: StorageV1 | StorageV1Repositories,
  logger?: BusLogger,
): Promise<ConsoleEventBus> {
  let bus = buses.get(storage);
  if (!bus) {
    bus = process.env.REDIS_URL
      ? createRedisConsoleEventBus({ ...(logger ? { logger } : {}) }).catch((error: unknown) => {
          logger?.warn('Could not connect the console event bus to Redis; using in-process.', {
            error,
          });
          return createMemoryConsoleEventBus();
        })
      : Promise.resolve(createMemoryConsoleEventBus());
    buses.set(storage, bus);
  }
  return bus;
}

/** Uses `bus` for the console events of `storage` (tests, a custom transport). */
export function useConsoleEvents(storage: object, bus: ConsoleEventBus): void {
  buses.set(storage, Promise.resolve(bus));
}

/**
 * Publishes one event on the storage's bus. Never throws and never waits for the network:
 * call it right after the change is stored.
 */
export function publishConsoleEvent(
  storage: StorageV1 | StorageV1Repositories,
  event: ConsoleEvent,
): void {
  consoleEventsOf(storage).then(
    (bus) => bus.publish(event),
    () => undefined,
  );
}

/**
 * Closes the Redis connections of a storage's bus, if it has any (the handler's `close()`).
 * An in-process bus is kept: other handlers on the same storage may still use it.
 */
export async function closeConsoleEvents(storage: object): Promise<void> {
  const pending = buses.get(storage);
  if (!pending) return;
  const bus = await pending;
  if (!bus.remote) return;
  if (buses.get(storage) === pending) buses.delete(storage);
  await bus.close();
}

/** The `message.created` event of a stored message (a customer's or the assistant's). */
export function messageCreatedEvent(message: MessageRecord): ConsoleEvent {
  return {
    type: 'message.created',
    tenantId: message.tenantId,
    data: {
      conversationId: message.conversationId,
      messageId: message.id,
      role: message.role,
      text: message.content,
      at: message.timestamp.toISOString(),
    },
  };
}
