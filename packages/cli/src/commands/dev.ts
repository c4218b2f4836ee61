import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createChurnHandler } from '@churn/server';
import { toNodeHandler } from '@churn/server/node';
import { type CliIo, exitCodes, UsageError } from '../cli-io.js';
import type { CliCommand } from '../run-cli.js';

/** The help of `churn dev`. */
export const devUsage = `Usage: churn dev [--port N] [--host HOST] [--data-dir DIR]

Starts Churn in one process on embedded defaults: embedded PostgreSQL (PGlite) in
the data folder, the offline embedder and language model. With DATABASE_URL set it
uses that PostgreSQL instead. Stops on Ctrl-C.

Options:
  --port N          Port to listen on. Default: $PORT, else 3000.
  --host HOST       Address to listen on. Default 127.0.0.1.
  --data-dir DIR    Folder for the embedded data. Default ./.churn
  -h, --help        Show this help.
`;

/** A running `churn dev` server. */
export interface DevServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts the server and resolves once `/healthz` answers 200 (storage open and migrated). */
export async function startDevServer(options: {
  port: number;
  host: string;
  dataDir: string;
}): Promise<DevServer> {
  const handler = createChurnHandler({ dataDir: options.dataDir });
  const server = createServer(toNodeHandler(handler));
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host, () => done());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host === '0.0.0.0' ? 'localhost' : options.host}:${port}`;
  const health = await handler(new Request(`${url}/healthz`));
  if (health.status !== 200) {
    server.close();
    throw new Error(`Storage did not open (healthz answered ${health.status}): see the log above.`);
  }
  return {
    url,
    server,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

function parsePort(value: string | undefined): number {
  const text = value ?? process.env.PORT ?? '3000';
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535, got "${text}".`);
  }
  return port;
}

async function run(argv: string[], io: CliIo): Promise<number> {
  let values: { port?: string; host?: string; 'data-dir'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${devUsage}`);
    return exitCodes.usage;
  }
  if (values.help) {
    io.stdout(devUsage);
    return exitCodes.ok;
  }
  let port: number;
  try {
    port = parsePort(values.port);
  } catch (error) {
    io.stderr(`${(error as Error).message}\n`);
    return exitCodes.usage;
  }
  const dataDir = resolve(values['data-dir'] ?? '.churn');
  const storage = process.env.DATABASE_URL
    ? 'PostgreSQL (DATABASE_URL)'
    : `embedded PostgreSQL in ${dataDir}`;
  io.stderr(`Starting Churn on ${storage}...\n`);
  let dev: DevServer;
  try {
    dev = await startDevServer({ port, host: values.host ?? '127.0.0.1', dataDir });
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? `port ${port} is already in use: stop the other process or pass --port`
        : (error as Error).message;
    io.stderr(`Churn could not start: ${reason}\n`);
    return exitCodes.failed;
  }
  io.stdout(
    [
      '',
      `Churn is running at ${dev.url}`,
      `  health   ${dev.url}/healthz`,
      `  API      ${dev.url}/api`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((done) => {
    const stop = () => {
      io.stderr('\nStopping...\n');
      void dev.close().then(done);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return exitCodes.ok;
}

/** `churn dev`: the demo server on embedded defaults. */
export const devCommand: CliCommand = {
  name: 'dev',
  summary: 'Start Churn on embedded defaults (the demo).',
  run,
};
