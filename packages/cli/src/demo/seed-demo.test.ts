import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKnowledgeBase } from '@churn/core';
import { createPGliteStorage, type PostgresStorage } from '@churn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCustomerId, demoTenantId } from './demo-customers.js';
import { seedDemo } from './seed-demo.js';

describe('seedDemo on a restart', () => {
  let storage: PostgresStorage;
  let dataDir: string;
  let docsDir: string;

  beforeAll(async () => {
    storage = await createPGliteStorage();
    dataDir = await mkdtemp(join(tmpdir(), 'churn-seed-'));
    docsDir = await mkdtemp(join(tmpdir(), 'churn-seed-docs-'));
    await writeFile(
      join(docsDir, 'invoices.md'),
      '# Invoices\n\nDownload invoices from Billing.\n',
    );
  });

  afterAll(async () => {
    await storage?.close();
  });

  const seed = (keepHistory?: boolean) =>
    seedDemo({
      storage,
      knowledgeBase: createKnowledgeBase({ store: storage.knowledge }).forTenant(demoTenantId),
      dataDir,
      docsDir,
      origins: ['http://127.0.0.1:3000'],
      ...(keepHistory === undefined ? {} : { keepHistory }),
    });

  /** What the demo does to the data: a conversation of the signed-in customer, paid. */
  const playTheDemo = async () => {
    const conversation = await storage.conversations.create({
      tenantId: demoTenantId,
      purpose: 'support',
      sessionId: `session-${crypto.randomUUID()}`,
      customerId: demoCustomerId,
    });
    await storage.messages.create({
      tenantId: demoTenantId,
      conversationId: conversation.id,
      role: 'user',
      content: 'update my card',
    });
    const anonymous = await storage.conversations.create({
      tenantId: demoTenantId,
      purpose: 'support',
      sessionId: `session-${crypto.randomUUID()}`,
      userId: 'visitor-1',
    });
    await storage.customers.update({
      tenantId: demoTenantId,
      id: demoCustomerId,
      changes: { accountStatus: 'resolved', riskCategory: null, riskSeverity: null },
    });
    return [conversation.id, anonymous.id];
  };

  const conversationIds = async () =>
    (await storage.conversations.list({ tenantId: demoTenantId, limit: 100 })).map(
      (conversation) => conversation.id,
    );

  it('clears the conversations and restores the customers, keeping the tenant and its keys', async () => {
    const first = await seed();
    expect(first).toMatchObject({ createdTenant: true, reset: { conversations: 0, customers: 0 } });
    const seededCustomer = await storage.customers.get({
      tenantId: demoTenantId,
      id: demoCustomerId,
    });
    expect(seededCustomer).toMatchObject({
      accountStatus: 'at-risk',
      riskCategory: 'failed-payment',
    });
    await playTheDemo();

    const second = await seed();
    expect(second.createdTenant).toBe(false);
    expect(second.credentials.publishableKey).toBe(first.credentials.publishableKey);
    expect(second.reset).toEqual({ conversations: 2, customers: first.customers });
    expect(await conversationIds()).toEqual([]);
    const restored = await storage.customers.get({ tenantId: demoTenantId, id: demoCustomerId });
    expect(restored).toMatchObject({ accountStatus: 'at-risk', riskCategory: 'failed-payment' });
    const cards = await storage.paymentMethods.listByCustomer({
      tenantId: demoTenantId,
      customerId: demoCustomerId,
    });
    expect(cards.map((card) => card.status)).toEqual(['failed']);
    expect((await storage.customers.list({ tenantId: demoTenantId, limit: 100 })).length).toBe(
      first.customers,
    );
    expect(second.documents).toBe(1);
  });

  it('keeps them with keepHistory', async () => {
    const played = await playTheDemo();
    const third = await seed(true);
    expect(third.reset).toEqual({ conversations: 0, customers: 0 });
    expect((await conversationIds()).sort()).toEqual([...played].sort());
    const kept = await storage.customers.get({ tenantId: demoTenantId, id: demoCustomerId });
    expect(kept!.accountStatus).toBe('resolved');
  });
});
