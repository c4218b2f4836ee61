/**
 * Loads `ioredis`, the optional peer dependency every Redis feature of the server uses.
 * `feature` names the one that needs it ("The Redis rate limiter"), for the error that says
 * what to install.
 */
export async function loadIoredis(feature: string): Promise<typeof import('ioredis')> {
  try {
    // A variable specifier: bundlers (Next.js, webpack) must not try to resolve this optional
    // peer dependency at build time, and the package's import graph stays free of it.
    const specifier = 'ioredis';
    return (await import(specifier)) as typeof import('ioredis');
  } catch (error) {
    throw new Error(
      `${feature} needs the "ioredis" package: install it next to @churn/server (npm install ioredis@5).`,
      { cause: error },
    );
  }
}

/** What {@link waitForRedisReady} reads of a client (an ioredis `Redis`): its status and connection events. */
export interface RedisReadiness {
  /** `wait`, `connecting`, `connect`, `ready`, `reconnecting`, `end`... */
  readonly status: string;
  once(event: 'ready' | 'error' | 'end', listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * Resolves once `client` is connected (at once when it is), or rejects when it is closed,
 * errors or is not ready within `timeoutMs`: a command then fails fast instead of waiting for
 * ioredis's next reconnect attempt.
 */
export function waitForRedisReady(client: RedisReadiness, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  if (client.status !== 'connecting' && client.status !== 'connect' && client.status !== 'wait') {
    return Promise.reject(new Error(`Redis is ${client.status}.`));
  }
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => {
      clearTimeout(timer);
      client.removeListener('ready', onReady);
      client.removeListener('end', onEnd);
      client.removeListener('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onReady = (): void => done();
    const onEnd = (): void => done(new Error('Redis connection ended.'));
    const onError = (error: unknown): void =>
      done(error instanceof Error ? error : new Error(String(error)));
    const timer = setTimeout(() => done(new Error('Redis did not connect in time.')), timeoutMs);
    client.once('ready', onReady);
    client.once('end', onEnd);
    client.once('error', onError);
  });
}

/**
 * An ioredis client for a feature that must never wait on Redis: commands fail at once while
 * disconnected (no offline queue, no retry per request) and time out after `commandTimeoutMs`,
 * so the feature falls back (counts in process, embeds with the model) instead of hanging.
 * It reconnects in the background; connection errors surface through the commands, not as
 * unhandled `error` events.
 */
export async function openFailFastRedis(
  feature: string,
  url: string,
  options: {
    connectTimeoutMs?: number | undefined;
    commandTimeoutMs?: number | undefined;
    connectionName?: string;
  } = {},
): Promise<import('ioredis').Redis> {
  const module = await loadIoredis(feature);
  const client = new module.Redis(url, {
    // Named in `CLIENT LIST`, for operators.
    ...(options.connectionName ? { connectionName: options.connectionName } : {}),
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: options.connectTimeoutMs ?? 1000,
    commandTimeout: options.commandTimeoutMs ?? 250,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  client.on('error', () => undefined);
  client.connect().catch(() => undefined);
  return client;
}
