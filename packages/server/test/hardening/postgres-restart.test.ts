/**
 * PostgreSQL restarted mid-conversation, on the real server: the run works in a database of
 * its own, and `pg_terminate_backend` on every connection to it does what a restart does to
 * the pool (each connection is closed by the server), without stopping the server other
 * suites share. The handler must reconnect on its own and lose no accepted message: every
 * message the API answered 200 to is in the database afterwards, exactly once.
 *
 * A request that races the restart (it took a pooled connection the server had just closed)
 * may be refused with a JSON 5xx: it was not accepted, so it must not be stored, and the
 * client's retry must succeed. The suite prints how many requests raced.
 *
 * The storage reaches PostgreSQL through a small TCP proxy, so the last test can also take
 * the database away altogether (connections cut, new ones refused) and bring it back, as a
 * crash and a restart of the server do.
 */
import { randomBytes } from 'node:crypto';
import { ChurnError } from '@churn/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGate,
  createPacedLanguageModel,
  createTestTenant,
  helpCentre,
  readChunks,
  startChatServer,
  type TestTenant,
  waitFor,
  widgetHeaders,
} from '../../src/chat/chat-test-helpers.js';
import { createPostgresStorage, type PostgresStorage } from '../../src/storage/postgres-storage.js';
import { createTcpProxy } from './tcp-proxy.js';

const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const database = `churn_h3_restart_${randomBytes(5).toString('hex')}`;

const proxy = createTcpProxy({
  host: new URL(serverUrl).hostname,
  port: Number(new URL(serverUrl).port || 5432),
});
const databaseUrl = () => {
  const url = new URL(serverUrl);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  url.pathname = `/${database}`;
  return url.toString();
};

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is unreachable at ${serverUrl}: start it, or set DATABASE_URL. This test does not skip.`,
      { cause: error },
    );
  }
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** What a restart does to our connections: the server closes every one of them. */
async function restartConnections(): Promise<number> {
  return admin(async (client) => {
    const result = await client.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [database],
    );
    return result.rowCount ?? 0;
  });
}

/** Server processes still attached to the test database (other than the asking one). */
async function backendsOfDatabase(): Promise<number> {
  return admin(async (client) => {
    const result = await client.query<{ count: string }>(
      'select count(*) as count from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [database],
    );
    return Number(result.rows[0]?.count ?? 0);
  });
}

let storage: PostgresStorage;
let server: Awaited<ReturnType<typeof startChatServer>>;
let acme: TestTenant;
let gate: ReturnType<typeof createGate> | undefined;

beforeAll(async () => {
  await admin((client) => client.query(`create database ${database}`));
  await proxy.listen();
  storage = await createPostgresStorage({ databaseUrl: databaseUrl(), statementTimeoutMs: 10_000 });
  acme = await createTestTenant(storage, 'Acme');
  const model = createPacedLanguageModel({ gate: { wait: async () => gate?.wait() } });
  server = await startChatServer({ storage, languageModel: model });
  await server.knowledgeBases.forTenant(storage, acme.tenant.id).ingest(helpCentre);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await storage?.close();
  await proxy.down();
  console.info(`[postgres-restart] requests that raced a restart and were refused: ${raced}`);
  await admin(async (client) => {
    await client.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1',
      [database],
    );
    await client.query(`drop database if exists ${database}`);
  });
}, 30_000);

const visitor = 'visitor-restart';

async function createConversation(): Promise<string> {
  const response = await fetch(`${server.url}/api/conversations`, {
    method: 'POST',
    headers: widgetHeaders(acme, { visitor }),
    body: '{}',
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { conversation: { id: string } }).conversation.id;
}

let raced = 0;

/**
 * Sends a message as a client does: a refusal while the database restarts (a JSON 5xx) is
 * retried once. A refused message must not have been stored.
 */
async function sendAccepted(conversationId: string, text: string): Promise<Response> {
  const first = await send(conversationId, text);
  if (first.status < 500) return first;
  const body = (await first.json()) as { error: { code: string } };
  expect(['provider_error', 'internal', 'timeout']).toContain(body.error.code);
  expect(await customerTexts(conversationId)).not.toContain(text);
  raced += 1;
  return send(conversationId, text);
}

function send(conversationId: string, text: string) {
  return fetch(`${server.url}/api/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: widgetHeaders(acme, { visitor }),
    body: JSON.stringify({ text }),
  });
}

/**
 * The customer's stored messages, read through the same pool as the server. Right after a
 * restart that read can race it like any request (a pooled connection the pool has not yet
 * seen die): that refusal is retried once, as `sendAccepted` does for HTTP.
 */
async function customerTexts(conversationId: string): Promise<string[]> {
  const read = () => storage.messages.list({ tenantId: acme.tenant.id, conversationId });
  let messages: Awaited<ReturnType<typeof read>>;
  try {
    messages = await read();
  } catch (error) {
    expect(ChurnError.isInstance(error) && error.code).toBe('provider_error');
    raced += 1;
    messages = await read();
  }
  return messages.filter((message) => message.role === 'user').map((m) => m.content);
}

describe('PostgreSQL restarted mid-conversation', () => {
  it('reconnects on the next request and keeps every accepted message', async () => {
    gate = undefined;
    const conversationId = await createConversation();
    const accepted: string[] = [];
    for (let round = 0; round < 3; round++) {
      const text = `How do I update my card? (round ${round})`;
      const response = await sendAccepted(conversationId, text);
      expect(response.status, `round ${round}`).toBe(200);
      const chunks = await readChunks(response);
      expect(chunks.at(-1)?.chunk).toBe('[DONE]');
      accepted.push(text);
      const killed = await restartConnections();
      expect(killed, 'the pool held connections to kill').toBeGreaterThan(0);
    }
    // After three restarts, the conversation reads back whole.
    let view = await fetch(`${server.url}/api/conversations/${conversationId}`, {
      headers: widgetHeaders(acme, { visitor }),
    });
    if (view.status >= 500) {
      raced += 1;
      view = await fetch(`${server.url}/api/conversations/${conversationId}`, {
        headers: widgetHeaders(acme, { visitor }),
      });
    }
    expect(view.status).toBe(200);
    expect(await customerTexts(conversationId)).toEqual(accepted);
    const body = (await view.json()) as { messages: { role: string }[] };
    expect(body.messages.filter((message) => message.role === 'assistant')).toHaveLength(3);
  }, 60_000);

  it('stores the reply when the database restarts while the model is answering (and is back before it ends)', async () => {
    const conversationId = await createConversation();
    gate = createGate();
    const waiting = gate;
    const response = await send(conversationId, 'Refunds: how long do they take?');
    expect(response.status).toBe(200);
    const reading = readChunks(response);
    // The customer's message is stored before the model runs: it survives the restart.
    await waitFor(() => waiting.waiting > 0);
    expect(await customerTexts(conversationId)).toEqual(['Refunds: how long do they take?']);
    expect(await restartConnections()).toBeGreaterThan(0);
    // The restart is over before the answer ends: every old backend is gone, and the pool has
    // had a moment to see its connections close. (A reply whose one storing statement races
    // the restart itself ends with an error part instead; the customer's message stays.)
    await waitFor(async () => (await backendsOfDatabase()) === 0, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    waiting.open();
    const chunks = await reading;
    const types = chunks.map(({ chunk }) => (typeof chunk === 'string' ? chunk : chunk.type));
    expect(types).toContain('finish');
    expect(types.at(-1)).toBe('[DONE]');
    const messages = await storage.messages.list({ tenantId: acme.tenant.id, conversationId });
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(messages[1]?.content).toMatch(/refund/i);
    gate = undefined;
  }, 60_000);

  it('retries once a transaction whose connection died before its body finished, and commits once', async () => {
    let attempts = 0;
    const name = `Retried ${randomBytes(4).toString('hex')}`;
    const created = await storage.transaction(async (repositories) => {
      attempts += 1;
      await repositories.tenants.list({ limit: 1 });
      // The first attempt loses its connection in the middle (a restart); the second does not.
      if (attempts === 1) {
        await restartConnections();
        await waitFor(async () => (await backendsOfDatabase()) === 0, 10_000);
      }
      const tenant = await repositories.tenants.create({ name });
      return tenant;
    });
    expect(attempts).toBe(2);
    const all = await storage.tenants.list({ limit: 1000 });
    expect(all.filter((tenant) => tenant.name === name).map((tenant) => tenant.id)).toEqual([
      created.id,
    ]);
  }, 30_000);

  it('refuses with a JSON 502 while the database is down (no hang, no internals), then recovers', async () => {
    const conversationId = await createConversation();
    await proxy.down();
    try {
      const refused = await send(conversationId, 'Is anyone there?');
      const text = await refused.text();
      expect(refused.status, text).toBe(502);
      const body = JSON.parse(text) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('provider_error');
      expect(body.error.message).toMatch(/database is unreachable/);
      expect(body.error.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|at .*\.js/);
    } finally {
      await proxy.up();
    }
    const response = await sendAccepted(conversationId, 'Is anyone there now?');
    expect(response.status).toBe(200);
    await readChunks(response);
    // The refused message was not accepted, so it is not stored; the next one is.
    expect(await customerTexts(conversationId)).toEqual(['Is anyone there now?']);
  }, 60_000);
});
