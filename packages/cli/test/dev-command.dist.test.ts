import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createFieldEncryptor,
  createStorage,
  identitySecretContext,
  parseEncryptionKeys,
} from '@churn/server';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** A running `churn dev` child and everything it printed so far. */
interface Started {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stdout: string;
}

/** Starts the built bin on `dataDir` (the real services' variables removed) and waits for its URL. */
async function startDev(dataDir: string): Promise<Started> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    'DATABASE_URL',
    'OPENAI_API_KEY',
    'PINECONE_API_KEY',
    'STRIPE_SECRET_KEY',
    'REDIS_URL',
    'PORT',
  ]) {
    delete env[name];
  }
  const child = spawn(process.execPath, [bin, 'dev', '--port', '0', '--data-dir', dataDir], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env,
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${stderr}`)), 90_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const found = /running at (http:\/\/\S+)/.exec(stdout);
      if (found && stdout.includes('Press Ctrl-C')) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited early (${code}): ${stderr}`)));
  });
  return { child, url, stdout };
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise<number | null>((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGINT');
  });
}

/** Sends one message with the publishable key and returns the SSE body. */
async function chatTurn(url: string, publishableKey: string, text: string): Promise<string> {
  const headers = {
    authorization: `Bearer ${publishableKey}`,
    'x-churn-visitor-id': 'visitor-dev-test-1',
    'content-type': 'application/json',
  };
  const created = await fetch(`${url}/api/conversations`, { method: 'POST', headers, body: '{}' });
  expect(created.status).toBe(201);
  const { conversation } = (await created.json()) as { conversation: { id: string } };
  const reply = await fetch(`${url}/api/conversations/${conversation.id}/messages`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ text }),
  });
  expect(reply.status).toBe(200);
  return reply.text();
}

describe('churn dev (the built bin, as `npm start` runs it)', () => {
  it('seeds the demo, serves the storefront, the widget and a chat turn, and starts the demo over on restart', async () => {
    expect(existsSync(bin), 'run `pnpm build` first').toBe(true);
    const dataDir = join(mkdtempSync(join(tmpdir(), 'churn-dev-')), 'fresh', '.churn');

    const first = await startDev(dataDir);
    try {
      const health = await fetch(`${first.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      expect(existsSync(join(dataDir, 'data'))).toBe(true);
      expect(first.stdout).toMatch(/50 customers, 38 help-centre documents \(seeded now\)/);
      expect(first.stdout).toMatch(/storage\s+embedded/);
      expect(first.stdout).toMatch(/model\s+embedded/);
      expect(first.stdout).toMatch(/console\s+http:\S+\/admin\//);
      const consolePage = await fetch(`${first.url}/admin/customers`);
      expect(consolePage.status).toBe(200);
      expect(await consolePage.text()).toContain('<title>');
      expect(first.stdout).toMatch(/admin sign-in\s+admin@acme-analytics\.example \/ \S{12,}/);
      const publishableKey = /publishable key\s+(pk_live_\S+)/.exec(first.stdout)?.[1];
      expect(publishableKey).toBeDefined();

      const page = await fetch(`${first.url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      const html = await page.text();
      expect(html).toContain('/widget/churn-chat.js');
      expect(html).toContain(`data-tenant-key="${publishableKey}"`);
      expect(html).toMatch(/data-customer-token="eyJ[\w.-]+"/);

      const widget = await fetch(`${first.url}/widget/churn-chat.js`);
      expect(widget.status).toBe(200);
      expect(widget.headers.get('content-type')).toMatch(/javascript/);
      expect((await widget.text()).length).toBeGreaterThan(1000);
      expect((await fetch(`${first.url}/widget/..%2Fpackage.json`)).status).toBe(404);

      const stream = await chatTurn(first.url, publishableKey!, 'How do I download an invoice?');
      expect(stream).toContain('"type":"text-delta"');
      expect(stream).toMatch(/"type":"source-url"[^\n]*"url":"raw:invoices"/);
      expect(stream).toContain('data: [DONE]');

      const signIn = await fetch(`${first.url}/api/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          tenantId: 'acme-analytics',
          email: 'admin@acme-analytics.example',
          password: /admin sign-in\s+\S+ \/ (\S+)/.exec(first.stdout)?.[1],
        }),
      });
      expect(signIn.status).toBe(200);
    } finally {
      expect(await stop(first.child)).toBe(0);
    }

    const second = await startDev(dataDir);
    try {
      expect(second.stdout).not.toContain('seeded now');
      expect(second.stdout).toMatch(/50 customers, 38 help-centre documents\./);
      // The demo starts over: the first run's chat is gone, the customers are as seeded.
      expect(second.stdout).toMatch(
        /started over: 1 conversation cleared, 50 customers restored as seeded \(--keep-history keeps them\)/,
      );
      const publishableKey = /publishable key\s+(pk_live_\S+)/.exec(second.stdout)?.[1];
      expect(publishableKey).toBe(/publishable key\s+(pk_live_\S+)/.exec(first.stdout)?.[1]);
      const stream = await chatTurn(second.url, publishableKey!, 'How do I update my credit card?');
      expect(stream).toMatch(/"url":"raw:update-card"/);
    } finally {
      expect(await stop(second.child)).toBe(0);
    }

    // The demo tenant's identity secret is stored encrypted with the data folder's key,
    // never in plaintext: read the raw row.
    const credentials = JSON.parse(
      readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8'),
    ) as {
      identitySecret: string;
    };
    const encryptor = createFieldEncryptor({
      keys: parseEncryptionKeys(readFileSync(join(dataDir, 'encryption-key'), 'utf8')),
    });
    const storage = await createStorage({ dataDir: join(dataDir, 'data') });
    try {
      const row = await storage.db
        .withTables<{ tenants: { id: string; identity_secret: string | null } }>()
        .selectFrom('tenants')
        .select('identity_secret')
        .where('id', '=', 'acme-analytics')
        .executeTakeFirstOrThrow();
      expect(row.identity_secret).toMatch(new RegExp(`^enc:v1:${encryptor.currentKeyId}:`));
      expect(row.identity_secret).not.toContain(credentials.identitySecret);
      expect(encryptor.decrypt(row.identity_secret!, identitySecretContext('acme-analytics'))).toBe(
        credentials.identitySecret,
      );
    } finally {
      await storage.close();
    }
  }, 180_000);

  it('refuses a bad port with exit code 2 and says what to do', async () => {
    const child = spawn(process.execPath, [bin, 'dev', '--port', 'abc'], { stdio: 'pipe' });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/--port must be a whole number/);
  });
});
