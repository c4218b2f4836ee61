import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChurnHandler } from '../handler/create-churn-handler.js';
import { testEncryptionKey } from '../integrations/integrations-test-helpers.js';
import type { PostgresStorage } from '../storage/postgres-storage.js';
import {
  callApi,
  createTestTenant,
  memoryLogger,
  testPlatformKey,
  testServerSecret,
} from '../tenants/tenant-test-helpers.js';
import { defaultRetentionPolicy, type RetentionPolicy } from './retention-policy.js';
import { runRetention } from './run-retention.js';

const day = 86_400_000;

/** The retention suite over one storage (PGlite or the real server). */
export function describeRetentionSuite(name: string, open: () => Promise<PostgresStorage>) {
  describe(`retention (${name})`, () => {
    let storage: PostgresStorage;
    let handler: ReturnType<typeof createChurnHandler>;
    const now = new Date('2031-06-01T00:00:00Z');
    const ago = (days: number) => new Date(now.getTime() - days * day);

    beforeAll(async () => {
      storage = await open();
      handler = createChurnHandler({
        storage,
        platformKey: testPlatformKey,
        secret: testServerSecret,
        logger: memoryLogger(),
        operations: { workers: false, encryptionKey: testEncryptionKey },
      });
    });
    afterAll(async () => {
      await handler?.close();
    });

    /** A tenant with rows on both sides of every default period. */
    async function seed() {
      const created = await createTestTenant(handler, { name: `Retained ${Math.random()}` });
      const tenantId = created.tenant.id;
      const conversation = async (status: 'active' | 'closed', lastActivity: Date) => {
        const record = await storage.conversations.create({
          tenantId,
          purpose: 'support',
          sessionId: `s_${Math.random()}`,
        });
        await storage.messages.create({
          tenantId,
          conversationId: record.id,
          role: 'user',
          content: 'hello',
          timestamp: new Date(lastActivity.getTime() - 1000),
        });
        await sql`update conversations set status = ${status}, started_at = ${new Date(lastActivity.getTime() - 2000)},
          last_activity = ${lastActivity} where id = ${record.id}`.execute(storage.db);
        return record;
      };
      const oldActive = await conversation('active', ago(91));
      await conversation('active', ago(89));
      await conversation('closed', ago(364));
      const oldClosed = await conversation('closed', ago(366));
      await storage.escalations.create({
        tenantId,
        conversationId: oldActive.id,
        reason: 'low_confidence',
        escalatedAt: ago(92),
      });
      const recent = await conversation('active', ago(1));
      const messages = await storage.messages.list({ tenantId, conversationId: recent.id });
      await storage.feedback.create({
        tenantId,
        messageId: messages[0]!.id,
        feedbackType: 'thumbs_up',
        timestamp: ago(366),
      });
      await storage.feedback.create({
        tenantId,
        messageId: messages[0]!.id,
        userId: 'u2',
        feedbackType: 'thumbs_down',
        timestamp: ago(10),
      });
      await storage.analytics.record({
        tenantId,
        metricName: 'deflection_rate',
        metricValue: 1,
        recordedAt: ago(731),
      });
      await storage.analytics.record({
        tenantId,
        metricName: 'deflection_rate',
        metricValue: 1,
        recordedAt: ago(729),
      });
      const oldTest = await storage.abTests.create({
        tenantId,
        testName: 'old',
        variants: ['A', 'B'],
        status: 'completed',
        startedAt: ago(400),
        endedAt: ago(184),
      });
      await storage.abTests.assign({ tenantId, testId: oldTest.id, userId: 'u1', variant: 'A' });
      await storage.abTests.create({
        tenantId,
        testName: 'recent',
        variants: ['A', 'B'],
        status: 'completed',
        startedAt: ago(400),
        endedAt: ago(182),
      });
      await storage.abTests.create({
        tenantId,
        testName: 'running',
        variants: ['A', 'B'],
        status: 'running',
        startedAt: ago(900),
      });
      return { tenantId, token: created.secretKey.key, oldActive, oldClosed };
    }

    it('counts in a dry run, then deletes exactly what the default policy says', async () => {
      const { tenantId, oldActive, oldClosed } = await seed();
      const dry = await runRetention(storage.db, { tenantId, now, dryRun: true });
      const expected = {
        conversations: 2,
        messages: 2,
        escalations: 1,
        feedback: 1,
        analytics: 1,
        abTests: 1,
        abTestAssignments: 1,
        integrationDeliveries: 0,
      };
      expect(dry).toMatchObject({ ran: true, dryRun: true, total: expected });
      expect(await storage.conversations.get({ tenantId, id: oldActive.id })).toBeDefined();

      const real = await runRetention(storage.db, { tenantId, now });
      expect(real.total).toEqual(expected);
      expect(await storage.conversations.get({ tenantId, id: oldActive.id })).toBeUndefined();
      expect(await storage.conversations.get({ tenantId, id: oldClosed.id })).toBeUndefined();
      expect(await storage.escalations.list({ tenantId })).toHaveLength(0);
      expect(await storage.conversations.list({ tenantId })).toHaveLength(3);
      expect(await storage.analytics.list({ tenantId })).toHaveLength(1);
      expect(
        (await storage.abTests.list({ tenantId })).map((test) => test.testName).sort(),
      ).toEqual(['recent', 'running']);
      // Nothing left to do.
      const again = await runRetention(storage.db, { tenantId, now });
      expect(Object.values(again.total).every((value) => value === 0)).toBe(true);
    });

    it('reads and edits the policy per tenant over the API, and the run follows it', async () => {
      const { tenantId, token } = await seed();
      const read = await callApi<{ policy: RetentionPolicy }>(handler, 'GET', '/api/retention', {
        token,
      });
      expect(read.status).toBe(200);
      expect(read.body.policy).toEqual(defaultRetentionPolicy);
      const patched = await callApi<{ policy: RetentionPolicy }>(
        handler,
        'PATCH',
        '/api/retention',
        {
          token,
          body: { activeConversationDays: 30, analyticsDays: 3650 },
        },
      );
      expect(patched.status, patched.text).toBe(200);
      expect(patched.body.policy).toMatchObject({
        activeConversationDays: 30,
        analyticsDays: 3650,
        feedbackDays: 365,
      });
      const invalid = await callApi(handler, 'PATCH', '/api/retention', {
        token,
        body: { feedbackDays: 0 },
      });
      expect(invalid.status).toBe(400);
      const report = await runRetention(storage.db, { tenantId, now, dryRun: true });
      // 91 and 89 days old active ones now both expire (30 days); analytics are kept 10 years.
      expect(report.total).toMatchObject({ conversations: 3, analytics: 0 });
    });

    it('deleting a tenant removes everything retention would, and its policy and delivery log', async () => {
      const { tenantId, token } = await seed();
      await callApi(handler, 'PATCH', '/api/retention', { token, body: { feedbackDays: 10 } });
      await callApi(handler, 'POST', '/api/integrations', {
        token,
        body: { platform: 'webhook', webhookUrl: 'https://hooks.example.com/x' },
      }).catch(() => undefined);
      const deleted = await callApi(handler, 'DELETE', `/api/tenants/${tenantId}`, {
        token: testPlatformKey,
      });
      expect([200, 204]).toContain(deleted.status);
      for (const table of [
        'conversations',
        'messages',
        'escalations',
        'feedback',
        'analytics',
        'ab_tests',
        'ab_test_assignments',
        'integrations',
        'integration_deliveries',
        'retention_policies',
      ]) {
        const rows = await sql<{
          count: string | number;
        }>`select count(*) as count from ${sql.table(table)} where tenant_id = ${tenantId}`.execute(
          storage.db,
        );
        expect(Number(rows.rows[0]!.count), table).toBe(0);
      }
      const report = await runRetention(storage.db, { tenantId, now });
      expect(report.tenants).toHaveLength(0);
    });
  });
}
