import { randomBytes } from 'node:crypto';
import type { StorageV1 } from '@churn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPGliteStorage,
  createPostgresStorage,
  type PostgresStorage,
} from '../storage/postgres-storage.js';
import {
  appendUserMessage,
  earlierMessagesLimit,
  saveAssistantReply,
} from './chat-turn-storage.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `churn_turn_${randomBytes(6).toString('hex')}`;
const opened: PostgresStorage[] = [];

afterAll(async () => {
  for (const storage of opened) {
    if (storage.provider === 'postgres') {
      await storage.db.schema.dropSchema(storage.schema).ifExists().cascade().execute();
    }
    await storage.close();
  }
});

/** Counts the statements Kysely runs through `storage` while `run` runs. */
async function countStatements(storage: PostgresStorage, run: () => Promise<void>) {
  const executor = Object.getPrototypeOf(storage.db.getExecutor()) as {
    executeQuery: (...args: unknown[]) => Promise<unknown>;
  };
  const original = executor.executeQuery;
  let statements = 0;
  executor.executeQuery = function (this: unknown, ...args: unknown[]) {
    statements += 1;
    return original.apply(this, args);
  };
  try {
    await run();
  } finally {
    executor.executeQuery = original;
  }
  return statements;
}

async function seed(storage: StorageV1) {
  const tenant = await storage.tenants.create({ name: 'Turns' });
  const conversation = await storage.conversations.create({
    tenantId: tenant.id,
    purpose: 'support',
    sessionId: 'visitor-turns',
    startedAt: new Date('2026-01-01T00:00:00Z'),
    lastActivity: new Date('2026-01-01T00:00:00Z'),
  });
  const now = new Date('2026-01-01T00:00:00Z');
  const metadata = {
    tenantId: tenant.id,
    documentId: 'doc-cards',
    sourceUrl: 'https://help.example.com/cards',
    title: 'Cards',
    docType: 'text',
    category: 'billing',
    headingPath: ['Cards'],
    index: 0,
  };
  await storage.knowledge.replaceDocument({
    document: {
      id: 'doc-cards',
      tenantId: tenant.id,
      sourceId: 'help',
      sourceUrl: metadata.sourceUrl,
      title: 'Cards',
      content: 'Update your card in Settings.',
      docType: 'text',
      category: 'billing',
      contentHash: 'hash-cards',
      lastUpdated: now,
      scrapedAt: now,
    },
    chunks: [
      {
        id: 'chunk-cards',
        tenantId: tenant.id,
        documentId: 'doc-cards',
        content: 'Update your card in Settings.',
        tokenCount: 6,
        metadata,
        embedding: [0.1, 0.2, 0.3],
        createdAt: now,
      },
    ],
  });
  return { tenantId: tenant.id, conversationId: conversation.id, chunkId: 'chunk-cards' };
}

function describeTurnStorage(name: string, open: () => Promise<PostgresStorage>) {
  describe(`chat turn storage (${name})`, () => {
    let storage: PostgresStorage;
    // Opening (migrations) is slow on a busy machine: once per storage, not per test.
    beforeAll(async () => {
      storage = await open();
    }, 120_000);

    it('stores the customer message and reads the earlier ones in one statement', async () => {
      const { tenantId, conversationId } = await seed(storage);
      const first = await appendUserMessage(storage, {
        tenantId,
        conversationId,
        role: 'user',
        content: 'Hello?',
        timestamp: new Date('2026-01-15T00:00:00Z'),
        queryType: 'docs',
        metadata: { clientMessageId: 'client-1' },
      });
      expect(first.earlier).toEqual([]);
      let second: Awaited<ReturnType<typeof appendUserMessage>> | undefined;
      const statements = await countStatements(storage, async () => {
        second = await appendUserMessage(storage, {
          tenantId,
          conversationId,
          role: 'user',
          content: 'Are you there?',
          timestamp: new Date('2026-02-01T00:00:00Z'),
        });
      });
      expect(statements).toBe(1);
      // The earlier messages exclude the new one; the new one is stored.
      expect(second!.earlier.map((message) => message.content)).toEqual(['Hello?']);
      const stored = await storage.messages.list({ tenantId, conversationId });
      expect(stored.map((message) => message.content)).toEqual(['Hello?', 'Are you there?']);
      expect(stored[0]).toMatchObject({
        id: first.message.id,
        queryType: 'docs',
        metadata: { clientMessageId: 'client-1' },
      });
      expect(stored[1]!.id).toBe(second!.message.id);
      const conversation = await storage.conversations.get({ tenantId, id: conversationId });
      expect(conversation!.lastActivity.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    });

    it('reads the newest earlier messages of a conversation longer than the limit', async () => {
      const { tenantId, conversationId } = await seed(storage);
      const start = Date.UTC(2026, 0, 1);
      const count = earlierMessagesLimit + 5;
      // Inserted in one statement: 1,005 creates would only slow the test down.
      await storage.db
        .insertInto('messages')
        .values(
          Array.from({ length: count }, (_, index) => ({
            id: `long-${String(index).padStart(4, '0')}`,
            tenant_id: tenantId,
            conversation_id: conversationId,
            role: index % 2 === 0 ? 'user' : 'assistant',
            content: `message ${index}`,
            timestamp: new Date(start + index * 1000),
          })),
        )
        .execute();
      const appended = await appendUserMessage(storage, {
        tenantId,
        conversationId,
        role: 'user',
        content: 'And now?',
        timestamp: new Date(start + count * 1000),
      });
      // The history a model is given ends with the latest messages, oldest first.
      expect(appended.earlier).toHaveLength(earlierMessagesLimit);
      expect(appended.earlier[0]!.content).toBe('message 5');
      expect(appended.earlier.at(-1)!.content).toBe(`message ${count - 1}`);
    });

    it('stores a reply with its retrievals and metrics in one statement, all or nothing', async () => {
      const { tenantId, conversationId, chunkId } = await seed(storage);
      const messageId = crypto.randomUUID();
      const metric = (name: string, value: number) => ({
        tenantId,
        name,
        value,
        dimensions: { category: 'docs', variant: undefined },
      });
      const statements = await countStatements(storage, async () => {
        const stored = await saveAssistantReply(storage, {
          message: {
            id: messageId,
            tenantId,
            conversationId,
            role: 'assistant',
            content: 'Open Settings [1].',
            confidenceScore: 0.8,
            timestamp: new Date('2026-03-01T00:00:00Z'),
            metadata: { citations: [] },
          },
          retrievals: [{ chunkId, similarityScore: 0.9, rerankScore: 0.7, rankPosition: 1 }],
          metrics: [metric('response_time', 12), metric('confidence', 0.8)],
        });
        expect(stored).toMatchObject({ id: messageId, role: 'assistant', confidenceScore: 0.8 });
      });
      expect(statements).toBe(1);
      expect(await storage.retrievals.listByMessage({ tenantId, messageId })).toMatchObject([
        { chunkId, similarityScore: 0.9, rerankScore: 0.7, rankPosition: 1 },
      ]);
      const metrics = await storage.analytics.list({ tenantId });
      expect(metrics.map((row) => [row.metricName, row.metricValue]).sort()).toEqual([
        ['confidence', 0.8],
        ['response_time', 12],
      ]);
      expect(metrics[0]!.dimensions).toEqual({ category: 'docs' });
      const conversation = await storage.conversations.get({ tenantId, id: conversationId });
      expect(conversation!.lastActivity.toISOString()).toBe('2026-03-01T00:00:00.000Z');

      // A retrieval of a chunk that is gone (re-ingested meanwhile) fails the whole write.
      const lostId = crypto.randomUUID();
      await expect(
        saveAssistantReply(storage, {
          message: {
            id: lostId,
            tenantId,
            conversationId,
            role: 'assistant',
            content: 'Lost.',
            timestamp: new Date('2026-04-01T00:00:00Z'),
            metadata: {},
          },
          retrievals: [{ chunkId: 'no-such-chunk', similarityScore: 0.5, rankPosition: 1 }],
          metrics: [metric('response_time', 3)],
        }),
      ).rejects.toMatchObject({ code: expect.any(String) });
      expect(await storage.messages.get({ tenantId, id: lostId })).toBeUndefined();
      expect(await storage.analytics.list({ tenantId })).toHaveLength(2);
      const after = await storage.conversations.get({ tenantId, id: conversationId });
      expect(after!.lastActivity.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    });

    it('stores a reply without retrievals or metrics', async () => {
      const { tenantId, conversationId } = await seed(storage);
      const messageId = crypto.randomUUID();
      await saveAssistantReply(storage, {
        message: { id: messageId, tenantId, conversationId, role: 'assistant', content: 'Hi.' },
        retrievals: [],
        metrics: [],
      });
      expect(await storage.messages.get({ tenantId, id: messageId })).toMatchObject({
        content: 'Hi.',
        metadata: {},
      });
    });
  });
}

describeTurnStorage('PGlite', async () => {
  const storage = await createPGliteStorage();
  opened.push(storage);
  return storage;
});

describeTurnStorage('PostgreSQL', async () => {
  const storage = await createPostgresStorage({ databaseUrl, schema, statementTimeoutMs: 10_000 });
  opened.push(storage);
  return storage;
});
