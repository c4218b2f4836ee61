import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a real server (PostgreSQL, Redis), so a test can take
 * that server away from one client without touching the shared server: `down()` cuts every
 * connection and refuses new ones (a crash), `up()` listens again on the same port (the
 * restart). `upstreamAddresses()` are the proxy's own addresses as the server sees them, for
 * server-side kills such as Redis `CLIENT KILL ADDR`.
 */
export function createTcpProxy(target: { host: string; port: number }) {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let server: Server | undefined;
  let port = 0;
  let connections = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        const pair = { client, upstream };
        connections += 1;
        pairs.add(pair);
        for (const socket of [client, upstream]) {
          socket.on('error', () => {});
          socket.on('close', () => {
            pairs.delete(pair);
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  return {
    listen,
    up: listen,
    get port() {
      return port;
    },
    /** Connections accepted since the start. */
    get connections() {
      return connections;
    },
    /** `host:port` of each open upstream connection, as the target server sees it. */
    upstreamAddresses(): string[] {
      return [...pairs]
        .filter(({ upstream }) => upstream.localPort !== undefined)
        .map(({ upstream }) => `${upstream.localAddress}:${upstream.localPort}`);
    },
    /** The server crashes: every connection is cut, and new ones are refused until `up()`. */
    async down(): Promise<void> {
      const closed = new Promise<void>((resolve) => {
        if (server?.listening) server.close(() => resolve());
        else resolve();
      });
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await closed;
    },
  };
}
