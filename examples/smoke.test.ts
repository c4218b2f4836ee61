import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Every example, started by its own command (`npm start` in its folder) as a child process
 * on a free port and a fresh data folder: the page or the API answers, a tenant is created
 * with the platform key (CHURN_PLATFORM_KEY, set here), and one chat turn streams to the end.
 * Examples run from the built packages: run `pnpm build` first.
 */
const examples = [
  { name: 'node-http', base: '', page: undefined, startTimeout: 60_000 },
  { name: 'express', base: '/churn', page: undefined, startTimeout: 60_000 },
  { name: 'fastify', base: '/churn', page: undefined, startTimeout: 60_000 },
  { name: 'hono', base: '/churn', page: undefined, startTimeout: 60_000 },
  { name: 'static', base: '', page: '/', startTimeout: 60_000 },
  // `next build` takes about 30 s; start.mjs skips it while the sources are unchanged.
  { name: 'nextjs', base: '/api/churn', page: '/', startTimeout: 240_000 },
] as const;

const platformKey = 'example-smoke-test-platform-key-0123456789';
const running = new Set<ChildProcess>();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Stops the example's whole process group (npm, its shell and the server). */
function stop(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    }, 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      resolve();
    }
  });
}

afterAll(async () => {
  await Promise.all([...running].map(stop));
});

async function waitForHealth(url: string, child: ChildProcess, log: () => string, timeout: number) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited early (${child.exitCode}):\n${log()}`);
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} never answered 200 within ${timeout} ms:\n${log()}`);
}

describe.each(examples)('examples/$name (npm start)', ({ name, base, page, startTimeout }) => {
  it(
    'starts with its own command, serves Churn and answers a chat turn',
    async () => {
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      const child = spawn('npm', ['start', '--silent'], {
        cwd: fileURLToPath(new URL(`./${name}/`, import.meta.url)),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          PORT: String(port),
          CHURN_DATA_DIR: join(mkdtempSync(join(tmpdir(), `churn-example-${name}-`)), '.churn'),
          CHURN_PLATFORM_KEY: platformKey,
          DATABASE_URL: '',
          npm_config_update_notifier: 'false',
        },
      });
      running.add(child);
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      try {
        await waitForHealth(`${origin}${base}/healthz`, child, () => output, startTimeout);
        const api = `${origin}${base}/api`;

        if (page) {
          const response = await fetch(`${origin}${page}`);
          expect(response.status).toBe(200);
          const html = await response.text();
          if (name === 'static') {
            expect(html).toMatch(/<script\s+src="\/widget\/churn-chat\.js"\s+data-tenant-key="pk_/);
            const widget = await fetch(`${origin}/widget/churn-chat.js`);
            expect(widget.status).toBe(200);
            expect(widget.headers.get('content-type')).toMatch(/javascript/);
          } else {
            expect(html).toContain('/api/churn/healthz');
          }
        }

        const created = await fetch(`${api}/tenants`, {
          method: 'POST',
          headers: { authorization: `Bearer ${platformKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `Example ${name}` }),
        });
        expect(created.status).toBe(201);
        const tenant = (await created.json()) as { publishableKey: { key: string } };
        const headers = {
          authorization: `Bearer ${tenant.publishableKey.key}`,
          'x-churn-visitor-id': `visitor-${name}-1`,
          'content-type': 'application/json',
        };
        const conversation = await fetch(`${api}/conversations`, {
          method: 'POST',
          headers,
          body: '{}',
        });
        expect(conversation.status).toBe(201);
        const { conversation: view } = (await conversation.json()) as {
          conversation: { id: string };
        };
        const reply = await fetch(`${api}/conversations/${view.id}/messages`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ text: 'How do I update my card?' }),
        });
        expect(reply.status).toBe(200);
        expect(reply.headers.get('content-type')).toMatch(/text\/event-stream/);
        const stream = await reply.text();
        expect(stream).toContain('"type":"start"');
        expect(stream).toContain('"type":"finish"');
        expect(stream.trimEnd().endsWith('data: [DONE]')).toBe(true);
      } finally {
        await stop(child);
      }
    },
    startTimeout + 60_000,
  );
});
