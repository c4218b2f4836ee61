import type { ConversationFilter, StorageV1, StoredChunk, StoredDocument } from '@churn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureRejection, isChurnError, isChurnErrorWithCode } from './conformance-helpers.js';

/** Checks of the schema behind a SQL storage, for {@link describeStorageConformance}. */
export interface StorageSchemaChecks {
  /** Runs the migrations again; must apply nothing. */
  migrate(): Promise<{ applied: string[] }>;
  /** Names of every index of the storage's schema (from `pg_indexes`). */
  listIndexNames(): Promise<string[]>;
  /** Index names the schema must have (the seeds' indexes). */
  requiredIndexNames: string[];
}

/** Settings of {@link describeStorageConformance}. */
export interface StorageConformanceOptions {
  /** Per-test timeout in milliseconds. */
  timeoutMs?: number;
  /** Migration and index checks of SQL implementations. */
  schema?: StorageSchemaChecks;
}

let runCounter = 0;

/** Expects `run` to reject with a ChurnError of `code` whose message contains `fragment`. */
async function expectChurnError(
  run: () => Promise<unknown>,
  code: string,
  fragment?: string | RegExp,
): Promise<void> {
  const error = await captureRejection(run);
  expect(isChurnError(error), `expected a ChurnError, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  const message = (error as Error).message;
  if (fragment !== undefined) expect(message).toMatch(fragment);
  // Never a raw driver message.
  expect(message).not.toMatch(/violates|duplicate key|relation "|syntax error/);
}

/**
 * The conformance suite of {@link StorageV1}: every storage (PostgreSQL and
 * embedded PGlite) must pass it.
 *
 * `createStorage` is called once, before the tests; the suite closes the storage
 * after them. Each test works in tenants of its own, so a storage that already
 * holds data is fine.
 *
 * Checked: CRUD of every repository (tenants, API keys, admin users, customers,
 * payment methods, conversations, messages, retrievals, documents and chunks,
 * feedback, analytics, escalations, integrations, A/B tests, churn metrics,
 * webhook events); tenant isolation (another tenant cannot read, change or delete
 * rows by id, nor point at them); deleting a tenant deletes everything it owns;
 * broken rules come out as `ChurnError`s coded `validation_failed`, `conflict` or
 * `not_found` with clear messages; transactions commit together and roll back on
 * error; with `options.schema`, migrations are idempotent and the seeds' indexes
 * exist.
 *
 * @example
 * describeStorageConformance('pglite', () => createPGliteStorage());
 */
export function describeStorageConformance(
  name: string,
  createStorage: () => StorageV1 | Promise<StorageV1>,
  options: StorageConformanceOptions = {},
): void {
  const timeout = options.timeoutMs;

  describe(`StorageV1 conformance: ${name}`, () => {
    let storage: StorageV1;

    beforeAll(async () => {
      storage = await createStorage();
    });

    afterAll(async () => {
      await storage?.close();
    });

    function freshId(label: string): string {
      runCounter += 1;
      return `${label}-${Date.now().toString(36)}-${process.pid}-${runCounter}`;
    }

    async function freshTenant(label = 'tenant') {
      return storage.tenants.create({ id: freshId(label), name: `Tenant ${label}` });
    }

    function makeDocument(tenantId: string, id: string): StoredDocument {
      return {
        id,
        tenantId,
        sourceId: 'site',
        sourceUrl: `https://docs.example.com/${id}`,
        title: `Title ${id}`,
        content: `Content ${id}`,
        docType: 'guide',
        category: 'billing',
        contentHash: 'a'.repeat(64),
        lastUpdated: new Date('2025-01-02T03:04:05.000Z'),
        scrapedAt: new Date('2025-02-03T04:05:06.000Z'),
      };
    }

    function makeChunk(document: StoredDocument, index: number): StoredChunk {
      return {
        id: `${document.id}#${index}`,
        tenantId: document.tenantId,
        documentId: document.id,
        content: `chunk ${index}`,
        tokenCount: 3,
        metadata: {
          tenantId: document.tenantId,
          documentId: document.id,
          sourceUrl: document.sourceUrl,
          title: document.title,
          docType: document.docType,
          category: document.category,
          headingPath: [document.title],
          index,
        },
        embedding: [0.5, -0.25, 0.125, 1],
        createdAt: new Date('2025-02-03T04:05:07.000Z'),
      };
    }

    /** A tenant with one row in every table, returning the ids. */
    async function populate(tenantId: string) {
      const apiKey = await storage.apiKeys.create({
        tenantId,
        scope: 'secret',
        prefix: 'sk_test_ab',
        keyHash: freshId('hash').padEnd(64, '0'),
      });
      const admin = await storage.adminUsers.create({
        tenantId,
        name: 'Ada Admin',
        email: `${freshId('admin')}@example.com`,
        role: 'admin',
      });
      const customer = await storage.customers.create({
        tenantId,
        name: 'Casey Customer',
        email: 'casey@example.com',
        accountStatus: 'at-risk',
        riskCategory: 'expiring-card',
        riskSeverity: 'high',
        accountValue: 49,
        stripeCustomerId: freshId('cus'),
      });
      const paymentMethod = await storage.paymentMethods.create({
        tenantId,
        customerId: customer.id,
        cardType: 'visa',
        lastFourDigits: '4242',
        expiryMonth: 12,
        expiryYear: 2030,
        status: 'active',
      });
      const conversation = await storage.conversations.create({
        tenantId,
        purpose: 'recovery',
        sessionId: freshId('session'),
        customerId: customer.id,
        recovery: { adminUserId: admin.id },
      });
      const message = await storage.messages.create({
        tenantId,
        conversationId: conversation.id,
        role: 'assistant',
        content: 'Hi Casey, your card ending 4242 expires soon.',
        confidenceScore: 0.9,
      });
      const document = makeDocument(tenantId, 'doc-1');
      const chunk = makeChunk(document, 0);
      await storage.knowledge.replaceDocument({ document, chunks: [chunk] });
      const [retrieval] = await storage.retrievals.createMany({
        tenantId,
        messageId: message.id,
        retrievals: [
          { chunkId: chunk.id, similarityScore: 0.8, rerankScore: 0.7, rankPosition: 1 },
        ],
      });
      const feedback = await storage.feedback.create({
        tenantId,
        messageId: message.id,
        userId: 'user-1',
        feedbackType: 'thumbs_up',
        rating: 5,
      });
      const analytics = await storage.analytics.record({
        tenantId,
        metricName: 'response_time',
        metricValue: 1.25,
      });
      const escalation = await storage.escalations.create({
        tenantId,
        conversationId: conversation.id,
        reason: 'low_confidence',
      });
      const integration = await storage.integrations.create({
        tenantId,
        platform: 'slack',
        config: { channel: '#support' },
      });
      const test = await storage.abTests.create({
        tenantId,
        testName: 'prompts',
        variants: ['A', 'B'],
      });
      await storage.abTests.assign({ tenantId, testId: test.id, userId: 'user-1', variant: 'A' });
      const metrics = await storage.churnMetrics.record({
        tenantId,
        periodStart: new Date('2025-01-01T00:00:00.000Z'),
        periodEnd: new Date('2025-02-01T00:00:00.000Z'),
        totalInterventions: 10,
        successfulResolutions: 7,
        averageResolutionTime: 95,
        customerRetentionRate: 70,
        revenueRetained: 343,
      });
      await storage.webhookEvents.recordOnce({
        tenantId,
        provider: 'stripe',
        eventId: 'evt_1',
        type: 'invoice.payment_failed',
        payload: { id: 'evt_1' },
      });
      return {
        apiKey,
        admin,
        customer,
        paymentMethod,
        conversation,
        message,
        document,
        chunk,
        retrieval: retrieval!,
        feedback,
        analytics,
        escalation,
        integration,
        test,
        metrics,
      };
    }

    it('declares contract version v1 and a provider name', () => {
      expect(storage.specificationVersion).toBe('v1');
      expect(storage.provider.length).toBeGreaterThan(0);
    });

    it('creates, reads, lists, updates and deletes tenants', { timeout }, async () => {
      const id = freshId('crud');
      const created = await storage.tenants.create({
        id,
        name: 'Acme',
        customBranding: { primaryColor: '#635bff' },
      });
      expect(created).toMatchObject({ id, name: 'Acme', usageQuota: 10000 });
      expect(created.customBranding).toEqual({ primaryColor: '#635bff' });
      expect(created.createdAt).toBeInstanceOf(Date);
      expect(await storage.tenants.get({ tenantId: id })).toEqual(created);
      const listed = await storage.tenants.list({ limit: 1000 });
      expect(listed.some((tenant) => tenant.id === id)).toBe(true);

      const updated = await storage.tenants.update({
        tenantId: id,
        changes: { name: 'Acme Inc', usageQuota: 5, customBranding: null },
      });
      expect(updated).toMatchObject({ name: 'Acme Inc', usageQuota: 5 });
      expect(updated.customBranding).toBeUndefined();
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());

      await expectChurnError(
        () => storage.tenants.create({ id, name: 'Again' }),
        'conflict',
        /already exists/,
      );
      await expectChurnError(
        () => storage.tenants.create({ name: '  ' }),
        'validation_failed',
        /name: must not be empty/,
      );
      await expectChurnError(
        () => storage.tenants.update({ tenantId: `${id}-missing`, changes: { name: 'x' } }),
        'not_found',
      );
      await expectChurnError(
        () => storage.tenants.list({ limit: 0 }),
        'validation_failed',
        /limit/,
      );
      expect(await storage.tenants.delete({ tenantId: id })).toBe(true);
      expect(await storage.tenants.get({ tenantId: id })).toBeUndefined();
      expect(await storage.tenants.delete({ tenantId: id })).toBe(false);
    });

    it('stores API keys by hash, finds active ones and revokes them', { timeout }, async () => {
      const tenant = await freshTenant('keys');
      const keyHash = freshId('sha').padEnd(64, 'f');
      const key = await storage.apiKeys.create({
        tenantId: tenant.id,
        name: 'Production',
        scope: 'publishable',
        prefix: 'pk_live_1234',
        keyHash,
      });
      expect(key).toMatchObject({
        tenantId: tenant.id,
        scope: 'publishable',
        prefix: 'pk_live_1234',
      });
      expect(key.revokedAt).toBeUndefined();
      expect(await storage.apiKeys.findActiveByHash({ keyHash })).toEqual(key);
      expect(await storage.apiKeys.get({ tenantId: tenant.id, id: key.id })).toEqual(key);

      const usedAt = new Date('2025-03-01T00:00:00.000Z');
      await storage.apiKeys.markUsed({ tenantId: tenant.id, id: key.id, at: usedAt });
      expect((await storage.apiKeys.get({ tenantId: tenant.id, id: key.id }))?.lastUsedAt).toEqual(
        usedAt,
      );

      await expectChurnError(
        () =>
          storage.apiKeys.create({
            tenantId: tenant.id,
            scope: 'secret',
            prefix: 'sk_live_9',
            keyHash,
          }),
        'conflict',
        /API key/,
      );
      await expectChurnError(
        () =>
          storage.apiKeys.create({
            tenantId: tenant.id,
            scope: 'admin' as 'secret',
            prefix: 'sk_live_9',
            keyHash: `${keyHash}x`,
          }),
        'validation_failed',
        /scope/,
      );

      const revokedAt = new Date('2025-04-01T00:00:00.000Z');
      const revoked = await storage.apiKeys.revoke({
        tenantId: tenant.id,
        id: key.id,
        at: revokedAt,
      });
      expect(revoked.revokedAt).toEqual(revokedAt);
      const again = await storage.apiKeys.revoke({ tenantId: tenant.id, id: key.id });
      expect(again.revokedAt).toEqual(revokedAt);
      expect(await storage.apiKeys.findActiveByHash({ keyHash })).toBeUndefined();
      expect(await storage.apiKeys.list({ tenantId: tenant.id })).toEqual([]);
      expect(
        await storage.apiKeys.list({ tenantId: tenant.id, includeRevoked: true }),
      ).toHaveLength(1);
      expect(await storage.apiKeys.delete({ tenantId: tenant.id, id: key.id })).toBe(true);
      expect(await storage.apiKeys.get({ tenantId: tenant.id, id: key.id })).toBeUndefined();
    });

    it('keeps admin emails unique per tenant, ignoring case', { timeout }, async () => {
      const tenant = await freshTenant('admins');
      const other = await freshTenant('admins-other');
      const admin = await storage.adminUsers.create({
        tenantId: tenant.id,
        name: 'Ada',
        email: 'Ada@Example.com',
        role: 'supervisor',
        passwordHash: 'scrypt$hash',
      });
      expect(
        await storage.adminUsers.findByEmail({ tenantId: tenant.id, email: 'ada@example.COM' }),
      ).toEqual(admin);
      await expectChurnError(
        () =>
          storage.adminUsers.create({
            tenantId: tenant.id,
            name: 'Ada 2',
            email: 'ada@example.com',
            role: 'admin',
          }),
        'conflict',
        /email already exists/,
      );
      await storage.adminUsers.create({
        tenantId: other.id,
        name: 'Ada',
        email: 'ada@example.com',
        role: 'admin',
      });
      await expectChurnError(
        () =>
          storage.adminUsers.create({
            tenantId: tenant.id,
            name: 'Bob',
            email: 'bob@example.com',
            role: 'owner' as 'admin',
          }),
        'validation_failed',
        /role: must be one of/,
      );
      const loginAt = new Date('2025-05-05T05:05:05.000Z');
      const updated = await storage.adminUsers.update({
        tenantId: tenant.id,
        id: admin.id,
        changes: { role: 'admin', lastLoginTime: loginAt, passwordHash: null },
      });
      expect(updated).toMatchObject({ role: 'admin', lastLoginTime: loginAt });
      expect(updated.passwordHash).toBeUndefined();
      expect(await storage.adminUsers.list({ tenantId: tenant.id })).toEqual([updated]);
      expect(await storage.adminUsers.delete({ tenantId: tenant.id, id: admin.id })).toBe(true);
    });

    it('stores customers and their payment methods with the seed rules', { timeout }, async () => {
      const tenant = await freshTenant('customers');
      const customer = await storage.customers.create({
        tenantId: tenant.id,
        name: 'Casey',
        email: 'casey@example.com',
        phone: '+1 415 555 0100',
        accountStatus: 'at-risk',
        riskCategory: 'failed-payment',
        riskSeverity: 'medium',
        accountValue: 49.5,
        stripeCustomerId: 'cus_123',
        lastPaymentDate: new Date('2025-01-01T00:00:00.000Z'),
      });
      expect(customer).toMatchObject({ accountValue: 49.5, currency: 'usd', metadata: {} });
      expect(await storage.customers.get({ tenantId: tenant.id, id: customer.id })).toEqual(
        customer,
      );
      expect(
        await storage.customers.findByStripeCustomerId({
          tenantId: tenant.id,
          stripeCustomerId: 'cus_123',
        }),
      ).toEqual(customer);
      const healthy = await storage.customers.create({
        tenantId: tenant.id,
        name: 'Harper',
        email: 'harper@example.com',
        accountStatus: 'active',
        accountValue: 10,
        externalId: 'user_42',
      });
      expect(healthy.riskCategory).toBeUndefined();
      // The tenant's own id finds the customer in that tenant only, and is unique there.
      expect(
        await storage.customers.findByExternalId({ tenantId: tenant.id, externalId: 'user_42' }),
      ).toEqual(healthy);
      expect(
        await storage.customers.findByExternalId({ tenantId: tenant.id, externalId: 'user_43' }),
      ).toBeUndefined();
      expect(
        await storage.customers.findByExternalId({ tenantId: tenant.id, externalId: customer.id }),
      ).toBeUndefined();
      const elsewhere = await freshTenant('customers-elsewhere');
      expect(
        await storage.customers.findByExternalId({ tenantId: elsewhere.id, externalId: 'user_42' }),
      ).toBeUndefined();
      expect(
        await storage.customers.findByStripeCustomerId({
          tenantId: elsewhere.id,
          stripeCustomerId: 'cus_123',
        }),
      ).toBeUndefined();
      const atRisk = await storage.customers.list({
        tenantId: tenant.id,
        accountStatus: 'at-risk',
      });
      expect(atRisk.map((row) => row.id)).toEqual([customer.id]);
      expect(await storage.customers.list({ tenantId: tenant.id })).toHaveLength(2);

      await expectChurnError(
        () =>
          storage.customers.create({
            tenantId: tenant.id,
            name: 'Zero',
            email: 'zero@example.com',
            accountStatus: 'active',
            accountValue: 0,
          }),
        'validation_failed',
        /accountValue: must be a positive number/,
      );
      await expectChurnError(
        () =>
          storage.customers.create({
            tenantId: tenant.id,
            name: 'Risky',
            email: 'risky@example.com',
            accountStatus: 'at-risk',
            accountValue: 5,
          }),
        'validation_failed',
        /required while accountStatus is at-risk/,
      );
      await expectChurnError(
        () =>
          storage.customers.create({
            tenantId: tenant.id,
            name: 'Dup',
            email: 'dup@example.com',
            accountStatus: 'active',
            accountValue: 5,
            stripeCustomerId: 'cus_123',
          }),
        'conflict',
        /stripeCustomerId/,
      );
      await expectChurnError(
        () =>
          storage.customers.create({
            tenantId: tenant.id,
            name: 'Twin',
            email: 'twin@example.com',
            accountStatus: 'active',
            accountValue: 5,
            externalId: 'user_42',
          }),
        'conflict',
        /externalId/,
      );
      const resolved = await storage.customers.update({
        tenantId: tenant.id,
        id: customer.id,
        changes: { accountStatus: 'resolved', phone: null, metadata: { plan: 'pro' } },
      });
      expect(resolved).toMatchObject({
        accountStatus: 'resolved',
        riskCategory: 'failed-payment',
        metadata: { plan: 'pro' },
      });
      expect(resolved.phone).toBeUndefined();

      const card = await storage.paymentMethods.create({
        tenantId: tenant.id,
        customerId: customer.id,
        cardType: 'visa',
        lastFourDigits: '4242',
        expiryMonth: 1,
        expiryYear: 2026,
        status: 'active',
        stripePaymentMethodId: 'pm_1',
        isDefault: true,
      });
      expect(card).toMatchObject({ failureCount: 0, isDefault: true });
      const spare = await storage.paymentMethods.create({
        tenantId: tenant.id,
        customerId: customer.id,
        cardType: 'mastercard',
        lastFourDigits: '4444',
        expiryMonth: 8,
        expiryYear: 2031,
        status: 'active',
      });
      for (const [changes, pattern] of [
        [{ expiryMonth: 13 }, /expiryMonth: must be a month number from 1 to 12/],
        [{ lastFourDigits: '42a2' }, /lastFourDigits: must be exactly 4 digits/],
        [{ failureCount: -1 }, /failureCount: must be a whole number, 0 or more/],
        [{ cardType: 'diners' }, /cardType: must be one of/],
      ] as const) {
        await expectChurnError(
          () =>
            storage.paymentMethods.create({
              tenantId: tenant.id,
              customerId: customer.id,
              cardType: 'visa',
              lastFourDigits: '1111',
              expiryMonth: 5,
              expiryYear: 2030,
              status: 'active',
              ...(changes as object),
            }),
          'validation_failed',
          pattern,
        );
      }
      await expectChurnError(
        () =>
          storage.paymentMethods.create({
            tenantId: tenant.id,
            customerId: 'no-such-customer',
            cardType: 'visa',
            lastFourDigits: '1111',
            expiryMonth: 5,
            expiryYear: 2030,
            status: 'active',
          }),
        'not_found',
        /customer named by customerId does not exist/,
      );

      const switched = await storage.paymentMethods.setDefault({
        tenantId: tenant.id,
        id: spare.id,
      });
      expect(switched.isDefault).toBe(true);
      const cards = await storage.paymentMethods.listByCustomer({
        tenantId: tenant.id,
        customerId: customer.id,
      });
      expect(cards.map((row) => [row.id, row.isDefault])).toEqual([
        [spare.id, true],
        [card.id, false],
      ]);
      const expiring = await storage.paymentMethods.listExpiring({
        tenantId: tenant.id,
        year: 2026,
        month: 2,
      });
      expect(expiring.map((row) => row.id)).toEqual([card.id]);
      const failed = await storage.paymentMethods.update({
        tenantId: tenant.id,
        id: card.id,
        changes: {
          status: 'failed',
          failureCount: 2,
          lastFailureDate: new Date('2025-06-01T00:00:00.000Z'),
        },
      });
      expect(failed).toMatchObject({ status: 'failed', failureCount: 2 });
      expect(
        await storage.paymentMethods.findByStripePaymentMethodId({
          tenantId: tenant.id,
          stripePaymentMethodId: 'pm_1',
        }),
      ).toEqual(failed);

      expect(await storage.customers.delete({ tenantId: tenant.id, id: customer.id })).toBe(true);
      expect(
        await storage.paymentMethods.get({ tenantId: tenant.id, id: card.id }),
      ).toBeUndefined();
      expect(await storage.customers.get({ tenantId: tenant.id, id: customer.id })).toBeUndefined();
    });

    it('keeps support and recovery conversations with their messages and retrievals', {
      timeout,
    }, async () => {
      const tenant = await freshTenant('conversations');
      const start = new Date('2025-06-01T10:00:00.000Z');
      const support = await storage.conversations.create({
        tenantId: tenant.id,
        purpose: 'support',
        sessionId: 'session-1',
        startedAt: start,
      });
      expect(support).toMatchObject({
        purpose: 'support',
        status: 'active',
        userId: null,
        customerId: null,
        lastActivity: start,
        metadata: {},
      });
      expect(support.recovery).toBeUndefined();

      const question = await storage.messages.create({
        tenantId: tenant.id,
        conversationId: support.id,
        role: 'user',
        content: 'How do refunds work?',
        queryType: 'billing',
        timestamp: new Date('2025-06-01T10:00:05.000Z'),
      });
      const answer = await storage.messages.create({
        tenantId: tenant.id,
        conversationId: support.id,
        role: 'assistant',
        content: 'Refunds take 5 to 10 days.',
        confidenceScore: 0.82,
        timestamp: new Date('2025-06-01T10:00:07.000Z'),
        metadata: { citations: ['doc-1'] },
      });
      const listed = await storage.messages.list({
        tenantId: tenant.id,
        conversationId: support.id,
      });
      expect(listed).toEqual([question, answer]);
      const touched = await storage.conversations.get({ tenantId: tenant.id, id: support.id });
      expect(touched?.lastActivity).toEqual(answer.timestamp);
      expect(
        (
          await storage.conversations.findLatestBySessionId({
            tenantId: tenant.id,
            sessionId: 'session-1',
          })
        )?.id,
      ).toBe(support.id);

      await expectChurnError(
        () =>
          storage.messages.create({
            tenantId: tenant.id,
            conversationId: support.id,
            role: 'user',
            content: 'sure?',
            confidenceScore: 0.5,
          }),
        'validation_failed',
        /confidenceScore/,
      );
      await expectChurnError(
        () =>
          storage.messages.create({
            tenantId: tenant.id,
            conversationId: support.id,
            role: 'user',
            content: '   ',
          }),
        'validation_failed',
        /content: must not be empty/,
      );
      await expectChurnError(
        () =>
          storage.messages.create({
            tenantId: tenant.id,
            conversationId: 'nope',
            role: 'user',
            content: 'hi',
          }),
        'not_found',
        /conversation/,
      );
      const scored = await storage.messages.update({
        tenantId: tenant.id,
        id: answer.id,
        changes: { confidenceScore: 0.9, queryType: 'refunds' },
      });
      expect(scored).toMatchObject({ confidenceScore: 0.9, queryType: 'refunds' });

      const document = makeDocument(tenant.id, 'refunds');
      const chunks = [makeChunk(document, 0), makeChunk(document, 1)];
      await storage.knowledge.replaceDocument({ document, chunks });
      const retrievals = await storage.retrievals.createMany({
        tenantId: tenant.id,
        messageId: answer.id,
        retrievals: [
          { chunkId: chunks[1]!.id, similarityScore: 0.7, rankPosition: 2 },
          { chunkId: chunks[0]!.id, similarityScore: 0.9, rerankScore: 0.95, rankPosition: 1 },
        ],
      });
      expect(retrievals.map((row) => row.rankPosition)).toEqual([1, 2]);
      expect(
        await storage.retrievals.listByMessage({ tenantId: tenant.id, messageId: answer.id }),
      ).toEqual(retrievals);
      expect(
        await storage.retrievals.listByChunk({ tenantId: tenant.id, chunkId: chunks[0]!.id }),
      ).toHaveLength(1);
      await expectChurnError(
        () =>
          storage.retrievals.createMany({
            tenantId: tenant.id,
            messageId: answer.id,
            retrievals: [{ chunkId: 'missing#0', similarityScore: 0.5, rankPosition: 3 }],
          }),
        'not_found',
        /chunk/,
      );

      // Recovery: needs a customer; the database derives the resolution time.
      const customer = await storage.customers.create({
        tenantId: tenant.id,
        name: 'Casey',
        email: 'casey@example.com',
        accountStatus: 'at-risk',
        riskCategory: 'expiring-card',
        riskSeverity: 'low',
        accountValue: 20,
      });
      const admin = await storage.adminUsers.create({
        tenantId: tenant.id,
        name: 'Ops',
        email: 'ops@example.com',
        role: 'admin',
      });
      await expectChurnError(
        () =>
          storage.conversations.create({
            tenantId: tenant.id,
            purpose: 'recovery',
            sessionId: 'session-2',
            recovery: {},
          }),
        'validation_failed',
        /recovery/,
      );
      const recovery = await storage.conversations.create({
        tenantId: tenant.id,
        purpose: 'recovery',
        sessionId: 'session-2',
        customerId: customer.id,
        startedAt: start,
        recovery: { adminUserId: admin.id },
      });
      expect(recovery.recovery).toEqual({
        status: 'initiated',
        adminUserId: admin.id,
        paymentAttempted: false,
      });
      await expectChurnError(
        () =>
          storage.conversations.update({
            tenantId: tenant.id,
            id: recovery.id,
            changes: {
              status: 'closed',
              endedAt: new Date('2025-06-01T10:02:00.000Z'),
              recovery: { status: 'completed' },
            },
          }),
        'validation_failed',
        /outcome/,
      );
      const completed = await storage.conversations.update({
        tenantId: tenant.id,
        id: recovery.id,
        changes: {
          status: 'closed',
          endedAt: new Date('2025-06-01T10:02:30.000Z'),
          lastActivity: new Date('2025-06-01T10:02:30.000Z'),
          recovery: { status: 'completed', outcome: 'payment-updated', paymentAttempted: true },
        },
      });
      expect(completed.recovery).toEqual({
        status: 'completed',
        outcome: 'payment-updated',
        adminUserId: admin.id,
        paymentAttempted: true,
        resolutionTime: 150,
      });
      const recoveries = await storage.conversations.list({
        tenantId: tenant.id,
        purpose: 'recovery',
      });
      expect(recoveries.map((row) => row.id)).toEqual([recovery.id]);
      expect(await storage.conversations.list({ tenantId: tenant.id })).toHaveLength(2);

      // Deleting the admin keeps the conversation; deleting the conversation cascades.
      await storage.adminUsers.delete({ tenantId: tenant.id, id: admin.id });
      const kept = await storage.conversations.get({ tenantId: tenant.id, id: recovery.id });
      expect(kept?.recovery?.adminUserId).toBeUndefined();
      expect(await storage.conversations.delete({ tenantId: tenant.id, id: support.id })).toBe(
        true,
      );
      expect(await storage.messages.get({ tenantId: tenant.id, id: answer.id })).toBeUndefined();
      expect(
        await storage.retrievals.listByMessage({ tenantId: tenant.id, messageId: answer.id }),
      ).toEqual([]);
    });

    it('pages a conversation from its newest messages back (newest, before)', {
      timeout,
    }, async () => {
      const tenant = await freshTenant('message-pages');
      const [conversation, other] = await Promise.all(
        ['pages-1', 'pages-2'].map((sessionId) =>
          storage.conversations.create({ tenantId: tenant.id, purpose: 'support', sessionId }),
        ),
      );
      const at = (second: number) => new Date(Date.UTC(2025, 5, 1, 10, 0, second));
      // m3 and m4 share a timestamp: the id orders them.
      const stamps = [1, 2, 3, 4, 4, 5];
      for (const [index, second] of stamps.entries()) {
        await storage.messages.create({
          id: `m${index + 1}`,
          tenantId: tenant.id,
          conversationId: conversation!.id,
          role: index % 2 === 0 ? 'user' : 'assistant',
          content: `message ${index + 1}`,
          timestamp: at(second),
        });
      }
      const elsewhere = await storage.messages.create({
        tenantId: tenant.id,
        conversationId: other!.id,
        role: 'user',
        content: 'another conversation',
        timestamp: at(3),
      });
      const ids = async (options: {
        newest?: boolean;
        before?: string;
        limit?: number;
        offset?: number;
      }) =>
        (
          await storage.messages.list({
            tenantId: tenant.id,
            conversationId: conversation!.id,
            ...options,
          })
        ).map((message) => message.id);

      expect(await ids({})).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
      expect(await ids({ limit: 2 })).toEqual(['m1', 'm2']);
      // The newest end, still oldest first within the page.
      expect(await ids({ newest: true, limit: 2 })).toEqual(['m5', 'm6']);
      expect(await ids({ newest: true, limit: 2, offset: 2 })).toEqual(['m3', 'm4']);
      // A cursor: older than m5 (same timestamp as m4, later id), then older than m3.
      expect(await ids({ newest: true, limit: 3, before: 'm5' })).toEqual(['m2', 'm3', 'm4']);
      expect(await ids({ newest: true, limit: 3, before: 'm2' })).toEqual(['m1']);
      expect(await ids({ before: 'm4' })).toEqual(['m1', 'm2', 'm3']);
      // A cursor that is not a message of this conversation matches nothing.
      expect(await ids({ newest: true, before: elsewhere.id })).toEqual([]);
      expect(await ids({ newest: true, before: 'no-such-message' })).toEqual([]);
    });

    it("lists one person's conversations from every device (ownedBy)", {
      timeout,
    }, async () => {
      const tenant = await freshTenant('owned');
      const other = await freshTenant('owned-other');
      const customer = await storage.customers.create({
        tenantId: tenant.id,
        name: 'Robin',
        email: 'robin@example.com',
        accountStatus: 'at-risk',
        riskCategory: 'failed-payment',
        riskSeverity: 'high',
        accountValue: 49,
      });
      const stranger = await storage.customers.create({
        tenantId: tenant.id,
        name: 'Sam',
        email: 'sam@example.com',
        accountStatus: 'at-risk',
        riskCategory: 'failed-payment',
        riskSeverity: 'high',
        accountValue: 49,
      });
      const at = (minute: number) => new Date(Date.UTC(2025, 5, 1, 10, minute));
      const create = (
        tenantId: string,
        fields: { userId?: string; customerId?: string; minute: number },
      ) =>
        storage.conversations.create({
          tenantId,
          purpose: fields.customerId === undefined ? 'support' : 'recovery',
          sessionId: `session-${fields.minute}`,
          ...(fields.userId === undefined ? {} : { userId: fields.userId }),
          ...(fields.customerId === undefined
            ? {}
            : { customerId: fields.customerId, recovery: {} }),
          startedAt: at(fields.minute),
        });
      const laptop = await create(tenant.id, { userId: 'user-7', minute: 1 });
      const recovery = await create(tenant.id, { customerId: customer.id, minute: 2 });
      const phone = await create(tenant.id, { userId: 'user-7', minute: 3 });
      await create(tenant.id, { userId: 'user-8', minute: 4 });
      await create(tenant.id, { customerId: stranger.id, minute: 5 });
      await create(other.id, { userId: 'user-7', minute: 6 });

      const ids = async (filter: Omit<ConversationFilter, 'tenantId'>) =>
        (await storage.conversations.list({ tenantId: tenant.id, ...filter })).map(
          (conversation) => conversation.id,
        );
      const owner = { userId: 'user-7', customerIds: [customer.id] };
      // Most recently active first; another person's and another tenant's are never there.
      expect(await ids({ ownedBy: owner })).toEqual([phone.id, recovery.id, laptop.id]);
      expect(await ids({ ownedBy: { userId: 'user-7' } })).toEqual([phone.id, laptop.id]);
      expect(await ids({ ownedBy: { userId: 'user-7', customerIds: [] } })).toEqual([
        phone.id,
        laptop.id,
      ]);
      expect(await ids({ ownedBy: owner, purpose: 'recovery' })).toEqual([recovery.id]);
      expect(await ids({ ownedBy: owner, limit: 2, offset: 1 })).toEqual([recovery.id, laptop.id]);
      expect(await ids({ ownedBy: { userId: 'nobody' } })).toEqual([]);
    });

    it('records feedback, analytics, escalations, integrations, A/B tests and metrics', {
      timeout,
    }, async () => {
      const tenant = await freshTenant('engagement');
      const { message, conversation } = await populate(tenant.id);
      await expectChurnError(
        () =>
          storage.feedback.create({
            tenantId: tenant.id,
            messageId: message.id,
            userId: 'user-1',
            feedbackType: 'thumbs_down',
          }),
        'conflict',
        /already given feedback/,
      );
      await expectChurnError(
        () =>
          storage.feedback.create({
            tenantId: tenant.id,
            messageId: message.id,
            userId: 'user-2',
            feedbackType: 'comment',
            rating: 6,
            comment: 'meh',
          }),
        'validation_failed',
        /rating: must be a whole number from 1 to 5/,
      );
      await storage.feedback.create({
        tenantId: tenant.id,
        messageId: message.id,
        userId: null,
        feedbackType: 'thumbs_down',
      });
      await storage.feedback.create({
        tenantId: tenant.id,
        messageId: message.id,
        userId: null,
        feedbackType: 'thumbs_down',
      });
      expect(
        await storage.feedback.list({ tenantId: tenant.id, messageId: message.id }),
      ).toHaveLength(3);

      await storage.analytics.record({
        tenantId: tenant.id,
        metricName: 'satisfaction',
        metricValue: 4.5,
        dimensions: { category: 'billing' },
        recordedAt: new Date('2025-01-10T00:00:00.000Z'),
      });
      const satisfaction = await storage.analytics.list({
        tenantId: tenant.id,
        metricName: 'satisfaction',
      });
      expect(satisfaction).toHaveLength(1);
      expect(satisfaction[0]).toMatchObject({
        metricValue: 4.5,
        dimensions: { category: 'billing' },
      });
      expect(
        await storage.analytics.list({
          tenantId: tenant.id,
          from: new Date('2025-01-01'),
          to: new Date('2025-02-01'),
        }),
      ).toHaveLength(1);
      await expectChurnError(
        () =>
          storage.analytics.record({
            tenantId: tenant.id,
            metricName: 'Response Time',
            metricValue: 1,
          }),
        'validation_failed',
        /metricName/,
      );

      const [escalation] = await storage.escalations.list({
        tenantId: tenant.id,
        status: 'pending',
      });
      expect(escalation).toMatchObject({
        conversationId: conversation.id,
        reason: 'low_confidence',
        status: 'pending',
      });
      const resolved = await storage.escalations.update({
        tenantId: tenant.id,
        id: escalation!.id,
        changes: { status: 'resolved', ticketId: 'T-1' },
      });
      expect(resolved).toMatchObject({ status: 'resolved', ticketId: 'T-1' });
      expect(resolved.resolvedAt).toBeInstanceOf(Date);
      expect(await storage.escalations.list({ tenantId: tenant.id, status: 'pending' })).toEqual(
        [],
      );

      await expectChurnError(
        () => storage.integrations.create({ tenantId: tenant.id, platform: 'webhook', config: {} }),
        'validation_failed',
        /webhookUrl/,
      );
      const hook = await storage.integrations.create({
        tenantId: tenant.id,
        platform: 'webhook',
        config: { secretRef: 'env:HOOK_SECRET' },
        webhookUrl: 'https://hooks.example.com/churn',
      });
      const disabled = await storage.integrations.update({
        tenantId: tenant.id,
        id: hook.id,
        changes: { enabled: false },
      });
      expect(disabled.enabled).toBe(false);
      expect(
        await storage.integrations.list({ tenantId: tenant.id, enabledOnly: true }),
      ).toHaveLength(1);
      expect(await storage.integrations.delete({ tenantId: tenant.id, id: hook.id })).toBe(true);

      const test = await storage.abTests.findByName({ tenantId: tenant.id, testName: 'prompts' });
      expect(test?.variants).toEqual(['A', 'B']);
      const sticky = await storage.abTests.assign({
        tenantId: tenant.id,
        testId: test!.id,
        userId: 'user-1',
        variant: 'B',
      });
      expect(sticky.variant).toBe('A');
      await expectChurnError(
        () =>
          storage.abTests.assign({
            tenantId: tenant.id,
            testId: test!.id,
            userId: 'user-2',
            variant: 'C',
          }),
        'validation_failed',
        /variant/,
      );
      await expectChurnError(
        () =>
          storage.abTests.create({
            tenantId: tenant.id,
            testName: 'prompts',
            variants: ['A', 'B'],
          }),
        'conflict',
      );
      expect(
        await storage.abTests.listAssignments({ tenantId: tenant.id, testId: test!.id }),
      ).toHaveLength(1);

      const replaced = await storage.churnMetrics.record({
        tenantId: tenant.id,
        periodStart: new Date('2025-01-01T00:00:00.000Z'),
        periodEnd: new Date('2025-02-01T00:00:00.000Z'),
        totalInterventions: 12,
        successfulResolutions: 9,
        averageResolutionTime: 90,
        customerRetentionRate: 75,
        revenueRetained: 441.5,
      });
      const periods = await storage.churnMetrics.list({ tenantId: tenant.id });
      expect(periods).toEqual([replaced]);
      expect(replaced.revenueRetained).toBe(441.5);
      await expectChurnError(
        () =>
          storage.churnMetrics.record({
            tenantId: tenant.id,
            periodStart: new Date('2025-03-01T00:00:00.000Z'),
            periodEnd: new Date('2025-04-01T00:00:00.000Z'),
            totalInterventions: 2,
            successfulResolutions: 3,
            averageResolutionTime: 90,
            customerRetentionRate: 75,
            revenueRetained: 1,
          }),
        'validation_failed',
        /successfulResolutions/,
      );
    });

    it('records each webhook event once, even under concurrent deliveries', {
      timeout,
    }, async () => {
      const tenant = await freshTenant('webhooks');
      const other = await freshTenant('webhooks-other');
      const event = {
        tenantId: tenant.id,
        provider: 'stripe',
        eventId: 'evt_concurrent',
        type: 'invoice.payment_failed',
        occurredAt: new Date('2025-01-01T00:00:00.000Z'),
        payload: { id: 'evt_concurrent', data: { object: { amount_due: 4900 } } },
      };
      const results = await Promise.all(
        Array.from({ length: 5 }, () => storage.webhookEvents.recordOnce(event)),
      );
      expect(results.filter((result) => result.firstTime)).toHaveLength(1);
      expect(new Set(results.map((result) => result.event.id)).size).toBe(1);
      expect(results[0]!.event.payload).toEqual(event.payload);
      expect(
        (await storage.webhookEvents.recordOnce({ ...event, tenantId: other.id })).firstTime,
      ).toBe(true);
      const processed = await storage.webhookEvents.markProcessed({
        tenantId: tenant.id,
        provider: 'stripe',
        eventId: 'evt_concurrent',
      });
      expect(processed.processedAt).toBeInstanceOf(Date);
      expect(
        (
          await storage.webhookEvents.get({
            tenantId: other.id,
            provider: 'stripe',
            eventId: 'evt_concurrent',
          })
        )?.processedAt,
      ).toBeUndefined();
      await expectChurnError(
        () =>
          storage.webhookEvents.markProcessed({
            tenantId: tenant.id,
            provider: 'stripe',
            eventId: 'evt_missing',
          }),
        'not_found',
      );
    });

    it("never lets one tenant read, change, delete or point at another tenant's rows", {
      timeout,
    }, async () => {
      const tenantA = await freshTenant('isolation-a');
      const tenantB = await freshTenant('isolation-b');
      const rows = await populate(tenantA.id);
      const b = tenantB.id;
      const byId = (id: string) => ({ tenantId: b, id });

      expect(await storage.apiKeys.get(byId(rows.apiKey.id))).toBeUndefined();
      expect(await storage.adminUsers.get(byId(rows.admin.id))).toBeUndefined();
      expect(await storage.customers.get(byId(rows.customer.id))).toBeUndefined();
      expect(await storage.paymentMethods.get(byId(rows.paymentMethod.id))).toBeUndefined();
      expect(await storage.conversations.get(byId(rows.conversation.id))).toBeUndefined();
      expect(await storage.messages.get(byId(rows.message.id))).toBeUndefined();
      expect(await storage.escalations.get(byId(rows.escalation.id))).toBeUndefined();
      expect(await storage.integrations.get(byId(rows.integration.id))).toBeUndefined();
      expect(await storage.abTests.get(byId(rows.test.id))).toBeUndefined();
      expect(
        await storage.knowledge.getDocument({ tenantId: b, documentId: rows.document.id }),
      ).toBeUndefined();
      expect(await storage.knowledge.getChunks({ tenantId: b, chunkIds: [rows.chunk.id] })).toEqual(
        [],
      );
      expect(
        await storage.retrievals.listByMessage({ tenantId: b, messageId: rows.message.id }),
      ).toEqual([]);
      expect(
        await storage.webhookEvents.get({ tenantId: b, provider: 'stripe', eventId: 'evt_1' }),
      ).toBeUndefined();
      expect(await storage.customers.list({ tenantId: b })).toEqual([]);
      expect(await storage.conversations.list({ tenantId: b })).toEqual([]);
      expect(
        await storage.messages.list({ tenantId: b, conversationId: rows.conversation.id }),
      ).toEqual([]);
      expect(await storage.feedback.list({ tenantId: b })).toEqual([]);
      expect(await storage.analytics.list({ tenantId: b })).toEqual([]);
      expect(await storage.churnMetrics.list({ tenantId: b })).toEqual([]);

      await expectChurnError(
        () => storage.customers.update({ ...byId(rows.customer.id), changes: { name: 'Mallory' } }),
        'not_found',
      );
      await expectChurnError(
        () =>
          storage.paymentMethods.update({
            ...byId(rows.paymentMethod.id),
            changes: { status: 'invalid' },
          }),
        'not_found',
      );
      await expectChurnError(
        () => storage.paymentMethods.setDefault(byId(rows.paymentMethod.id)),
        'not_found',
      );
      await expectChurnError(
        () =>
          storage.conversations.update({
            ...byId(rows.conversation.id),
            changes: { status: 'closed' },
          }),
        'not_found',
      );
      await expectChurnError(
        () => storage.messages.update({ ...byId(rows.message.id), changes: { content: 'x' } }),
        'not_found',
      );
      await expectChurnError(
        () => storage.adminUsers.update({ ...byId(rows.admin.id), changes: { role: 'developer' } }),
        'not_found',
      );
      await expectChurnError(() => storage.apiKeys.revoke(byId(rows.apiKey.id)), 'not_found');
      await expectChurnError(
        () =>
          storage.escalations.update({
            ...byId(rows.escalation.id),
            changes: { status: 'closed' },
          }),
        'not_found',
      );
      await expectChurnError(
        () =>
          storage.integrations.update({
            ...byId(rows.integration.id),
            changes: { enabled: false },
          }),
        'not_found',
      );
      await expectChurnError(
        () =>
          storage.abTests.assign({ tenantId: b, testId: rows.test.id, userId: 'u', variant: 'A' }),
        'not_found',
      );

      expect(await storage.customers.delete(byId(rows.customer.id))).toBe(false);
      expect(await storage.paymentMethods.delete(byId(rows.paymentMethod.id))).toBe(false);
      expect(await storage.conversations.delete(byId(rows.conversation.id))).toBe(false);
      expect(await storage.messages.delete(byId(rows.message.id))).toBe(false);
      expect(await storage.apiKeys.delete(byId(rows.apiKey.id))).toBe(false);
      expect(await storage.adminUsers.delete(byId(rows.admin.id))).toBe(false);
      expect(await storage.integrations.delete(byId(rows.integration.id))).toBe(false);
      await storage.knowledge.deleteDocument({ tenantId: b, documentId: rows.document.id });

      // Pointing at another tenant's rows is as good as pointing at nothing.
      await expectChurnError(
        () =>
          storage.paymentMethods.create({
            tenantId: b,
            customerId: rows.customer.id,
            cardType: 'visa',
            lastFourDigits: '1234',
            expiryMonth: 1,
            expiryYear: 2030,
            status: 'active',
          }),
        'not_found',
      );
      await expectChurnError(
        () =>
          storage.messages.create({
            tenantId: b,
            conversationId: rows.conversation.id,
            role: 'user',
            content: 'hi',
          }),
        'not_found',
      );
      await expectChurnError(
        () =>
          storage.feedback.create({
            tenantId: b,
            messageId: rows.message.id,
            userId: 'u',
            feedbackType: 'thumbs_up',
          }),
        'not_found',
      );
      await expectChurnError(
        () =>
          storage.escalations.create({
            tenantId: b,
            conversationId: rows.conversation.id,
            reason: 'low_confidence',
          }),
        'not_found',
      );

      // Tenant A's rows are all still there.
      expect(
        await storage.customers.get({ tenantId: tenantA.id, id: rows.customer.id }),
      ).toMatchObject({ name: 'Casey Customer' });
      expect(
        await storage.paymentMethods.get({ tenantId: tenantA.id, id: rows.paymentMethod.id }),
      ).toMatchObject({ status: 'active' });
      expect(await storage.messages.get({ tenantId: tenantA.id, id: rows.message.id })).toEqual(
        rows.message,
      );
      expect(
        await storage.knowledge.getDocument({ tenantId: tenantA.id, documentId: rows.document.id }),
      ).toEqual(rows.document);
    });

    it('deletes everything a tenant owns with the tenant, and nothing else', {
      timeout,
    }, async () => {
      const doomed = await freshTenant('cascade');
      const kept = await freshTenant('cascade-kept');
      const rows = await populate(doomed.id);
      const keptRows = await populate(kept.id);
      expect(await storage.tenants.delete({ tenantId: doomed.id })).toBe(true);
      const t = doomed.id;
      expect(
        await storage.apiKeys.findActiveByHash({ keyHash: rows.apiKey.keyHash }),
      ).toBeUndefined();
      expect(await storage.apiKeys.list({ tenantId: t, includeRevoked: true })).toEqual([]);
      expect(await storage.adminUsers.list({ tenantId: t })).toEqual([]);
      expect(await storage.customers.list({ tenantId: t })).toEqual([]);
      expect(
        await storage.paymentMethods.listByCustomer({ tenantId: t, customerId: rows.customer.id }),
      ).toEqual([]);
      expect(await storage.conversations.list({ tenantId: t })).toEqual([]);
      expect(
        await storage.messages.list({ tenantId: t, conversationId: rows.conversation.id }),
      ).toEqual([]);
      expect(
        await storage.retrievals.listByMessage({ tenantId: t, messageId: rows.message.id }),
      ).toEqual([]);
      expect(await storage.knowledge.listDocuments({ tenantId: t })).toEqual([]);
      expect(await storage.knowledge.listChunks({ tenantId: t })).toEqual([]);
      expect(await storage.feedback.list({ tenantId: t })).toEqual([]);
      expect(await storage.analytics.list({ tenantId: t })).toEqual([]);
      expect(await storage.escalations.list({ tenantId: t })).toEqual([]);
      expect(await storage.integrations.list({ tenantId: t })).toEqual([]);
      expect(await storage.abTests.list({ tenantId: t })).toEqual([]);
      expect(await storage.abTests.listAssignments({ tenantId: t, testId: rows.test.id })).toEqual(
        [],
      );
      expect(await storage.churnMetrics.list({ tenantId: t })).toEqual([]);
      expect(
        await storage.webhookEvents.get({ tenantId: t, provider: 'stripe', eventId: 'evt_1' }),
      ).toBeUndefined();

      expect(
        await storage.customers.get({ tenantId: kept.id, id: keptRows.customer.id }),
      ).toBeDefined();
      expect(await storage.knowledge.listChunks({ tenantId: kept.id })).toHaveLength(1);
      expect(
        await storage.retrievals.listByMessage({
          tenantId: kept.id,
          messageId: keptRows.message.id,
        }),
      ).toHaveLength(1);
      await expectChurnError(
        () =>
          storage.customers.create({
            tenantId: t,
            name: 'Late',
            email: 'late@example.com',
            accountStatus: 'active',
            accountValue: 1,
          }),
        'not_found',
        /tenant does not exist/,
      );
    });

    it('commits a transaction as a whole and rolls it back on error', { timeout }, async () => {
      const tenantId = freshId('transaction');
      const result = await storage.transaction(async (transaction) => {
        const tenant = await transaction.tenants.create({ id: tenantId, name: 'Atomic' });
        const customer = await transaction.customers.create({
          tenantId: tenant.id,
          name: 'Casey',
          email: 'casey@example.com',
          accountStatus: 'active',
          accountValue: 1,
        });
        // Nested calls run in the same transaction.
        return transaction.transaction(async (inner) => {
          expect(await inner.customers.get({ tenantId, id: customer.id })).toEqual(customer);
          return customer.id;
        });
      });
      expect(await storage.customers.get({ tenantId, id: result })).toBeDefined();

      const failingId = freshId('rollback');
      const thrown = new Error('changed my mind');
      const error = await captureRejection(() =>
        storage.transaction(async (transaction) => {
          await transaction.tenants.create({ id: failingId, name: 'Never' });
          await transaction.customers.create({
            tenantId: failingId,
            name: 'Ghost',
            email: 'ghost@example.com',
            accountStatus: 'active',
            accountValue: 1,
          });
          throw thrown;
        }),
      );
      expect(error).toBe(thrown);
      expect(await storage.tenants.get({ tenantId: failingId })).toBeUndefined();
      expect(await storage.customers.list({ tenantId: failingId })).toEqual([]);

      const constraintId = freshId('rollback-constraint');
      await expectChurnError(
        () =>
          storage.transaction(async (transaction) => {
            await transaction.tenants.create({ id: constraintId, name: 'Half' });
            await transaction.customers.create({
              tenantId: constraintId,
              name: 'Bad',
              email: 'bad@example.com',
              accountStatus: 'active',
              accountValue: -1,
            });
          }),
        'validation_failed',
        /accountValue/,
      );
      expect(await storage.tenants.get({ tenantId: constraintId })).toBeUndefined();
    });

    if (options.schema) {
      const schema = options.schema;
      it('migrates idempotently: a second run applies nothing', { timeout }, async () => {
        expect(await schema.migrate()).toEqual({ applied: [] });
        expect(await schema.migrate()).toEqual({ applied: [] });
      });

      it('has every index of the seeds', { timeout }, async () => {
        const names = await schema.listIndexNames();
        for (const required of schema.requiredIndexNames) expect(names).toContain(required);
      });
    }

    it('reports broken rules as ChurnErrors, never as driver errors', { timeout }, async () => {
      const tenant = await freshTenant('errors');
      const error = await captureRejection(() =>
        storage.integrations.create({
          tenantId: tenant.id,
          platform: 'teams' as 'slack',
          config: {},
        }),
      );
      expect(isChurnErrorWithCode(error, 'validation_failed')).toBe(true);
      expect(JSON.parse(JSON.stringify(error))).toMatchObject({
        code: 'validation_failed',
        message: 'Invalid Integration: platform: must be one of: slack, discord, webhook',
      });
    });
  });
}
