import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFieldEncryptor, parseEncryptionKeys } from '../encryption/field-encryptor.js';
import { rotateEncryption } from '../encryption/rotate-encryption.js';
import { createChurnHandler } from '../handler/create-churn-handler.js';
import type { DeliveryRecord } from '../outbox/delivery-outbox.js';
import type { PostgresStorage } from '../storage/postgres-storage.js';
import {
  callApi,
  createTestTenant,
  memoryLogger,
  testPlatformKey,
  testServerSecret,
} from '../tenants/tenant-test-helpers.js';
import type { IntegrationView } from './integration-service.js';
import { IntegrationsRuntime, type IntegrationsSettings } from './integrations-runtime.js';
import {
  manualClock,
  startReceiver,
  type TestReceiver,
  testEncryptionKey,
} from './integrations-test-helpers.js';
import { deliveryIdHeader, signatureHeader, verifySignature } from './webhook-signature.js';

/**
 * The integrations suite over one storage (in-memory PGlite, or the real PostgreSQL server
 * in a schema of its own): real HTTP receivers on 127.0.0.1, the admin API, the outbox.
 */
export function describeIntegrationsSuite(name: string, open: () => Promise<PostgresStorage>) {
  describe(`integrations (${name})`, () => {
    let storage: PostgresStorage;
    const clock = manualClock();
    const settings: IntegrationsSettings = {
      allowPrivateNetwork: true,
      timeoutMs: 2_000,
      baseDelayMs: 1_000,
      maxDelayMs: 60_000,
      random: () => 0.5,
      consoleUrl: 'https://console.example.com',
    };
    const receivers: TestReceiver[] = [];
    let handler: ReturnType<typeof createChurnHandler>;
    let runtime: IntegrationsRuntime;

    beforeAll(async () => {
      storage = await open();
      const operations = {
        workers: false,
        encryptionKey: testEncryptionKey,
        integrations: settings,
        now: clock.now,
      };
      handler = createChurnHandler({
        storage,
        platformKey: testPlatformKey,
        secret: testServerSecret,
        logger: memoryLogger(),
        operations,
      });
      runtime = new IntegrationsRuntime({
        db: storage.db,
        storage,
        encryptor: createFieldEncryptor({ keys: parseEncryptionKeys(testEncryptionKey) }),
        settings,
        now: clock.now,
        logger: memoryLogger(),
      });
    });

    afterAll(async () => {
      await handler?.close();
      for (const receiver of receivers) await receiver.close();
    });

    async function receiver(answer: Parameters<typeof startReceiver>[0]) {
      const started = await startReceiver(answer);
      receivers.push(started);
      return started;
    }

    async function tenantWithConversation() {
      const created = await createTestTenant(handler, { name: `Acme ${Math.random()}` });
      const conversation = await storage.conversations.create({
        tenantId: created.tenant.id,
        purpose: 'support',
        sessionId: `s_${Math.random()}`,
        userId: 'visitor_1',
      });
      await storage.messages.create({
        tenantId: created.tenant.id,
        conversationId: conversation.id,
        role: 'user',
        content: 'I was charged twice, I want a human!',
      });
      return { tenantId: created.tenant.id, token: created.secretKey.key, conversation, created };
    }

    async function escalate(tenantId: string, conversationId: string) {
      return storage.escalations.create({
        tenantId,
        conversationId,
        reason: 'user_frustration',
        escalatedAt: clock.now(),
      });
    }

    async function createIntegration(token: string, body: Record<string, unknown>) {
      const answer = await callApi<{ integration: IntegrationView; signingSecret?: string }>(
        handler,
        'POST',
        '/api/integrations',
        { token, body },
      );
      expect(answer.status, answer.text).toBe(201);
      return answer.body;
    }

    async function deliveries(token: string, integrationId: string, query = '') {
      const answer = await callApi<{ deliveries: DeliveryRecord[] }>(
        handler,
        'GET',
        `/api/integrations/${integrationId}/deliveries${query}`,
        { token },
      );
      expect(answer.status, answer.text).toBe(200);
      return answer.body.deliveries;
    }

    it('delivers an escalation to Slack, Discord and a signed webhook, and stores the ticket id', async () => {
      const { tenantId, token, conversation } = await tenantWithConversation();
      let secret = '';
      const slack = await receiver(() => ({ status: 200, body: 'ok' }));
      const discord = await receiver(() => ({ status: 204 }));
      const generic = await receiver((request) => {
        const valid = verifySignature({
          secret,
          header: request.headers[signatureHeader] as string,
          body: request.body,
          now: clock.now(),
        });
        return valid
          ? { status: 200, body: JSON.stringify({ ticketId: 'TICKET-42' }) }
          : { status: 401, body: '{"error":"bad signature"}' };
      });
      await createIntegration(token, {
        platform: 'slack',
        name: 'Support channel',
        webhookUrl: `${slack.url}/services/T000/B000/slack-token-abc`,
      });
      await createIntegration(token, {
        platform: 'discord',
        webhookUrl: `${discord.url}/api/webhooks/1/discord-token-xyz`,
      });
      const webhook = await createIntegration(token, {
        platform: 'webhook',
        webhookUrl: `${generic.url}/churn`,
      });
      expect(webhook.signingSecret).toMatch(/^whsec_/);
      secret = webhook.signingSecret ?? '';

      const escalation = await escalate(tenantId, conversation.id);
      await runtime.notify(escalation, conversation);
      await runtime.notify(escalation, conversation); // queued once per integration
      const report = await runtime.runOnce();
      expect(report).toMatchObject({ attempted: 3, delivered: 3, dead: 0, retrying: 0 });

      expect(slack.requests).toHaveLength(1);
      const slackBody = JSON.parse(slack.requests[0]!.body) as { text: string; blocks: unknown[] };
      expect(slackBody.text).toContain('user frustration');
      expect(slack.requests[0]!.body).toContain(
        `https://console.example.com/conversations/${conversation.id}`,
      );
      expect(slack.requests[0]!.body).toContain('charged twice');
      expect(discord.requests).toHaveLength(1);
      expect(discord.requests[0]!.path).toContain('wait=true');
      expect(JSON.parse(discord.requests[0]!.body)).toMatchObject({
        allowed_mentions: { parse: [] },
      });
      expect(generic.requests).toHaveLength(1);
      const genericBody = JSON.parse(generic.requests[0]!.body) as {
        id: string;
        type: string;
        data: { escalation: { id: string } };
      };
      expect(genericBody.type).toBe('escalation.created');
      expect(genericBody.data.escalation.id).toBe(escalation.id);
      expect(generic.requests[0]!.headers[deliveryIdHeader]).toBe(genericBody.id);
      expect(generic.requests[0]!.headers[signatureHeader]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

      const stored = await storage.escalations.get({ tenantId, id: escalation.id });
      expect(stored?.ticketId).toBe('TICKET-42');
      const log = await deliveries(token, webhook.integration.id);
      expect(log).toHaveLength(1);
      expect(log[0]).toMatchObject({ status: 'delivered', attempts: 1, ticketId: 'TICKET-42' });
    });

    it('keeps URLs and secrets encrypted at rest and out of every answer; rotation re-encrypts', async () => {
      const { tenantId, token } = await tenantWithConversation();
      const created = await createIntegration(token, {
        platform: 'webhook',
        webhookUrl: 'http://127.0.0.1:9/hooks/secret-path-token',
      });
      const row = await sql<{ webhook_url: string; signing_secret: string }>`
        select webhook_url, signing_secret from integrations where id = ${created.integration.id}`.execute(
        storage.db,
      );
      const stored = row.rows[0]!;
      expect(stored.webhook_url).toMatch(/^enc:v1:k/);
      expect(stored.webhook_url).not.toContain('secret-path-token');
      expect(stored.signing_secret).toMatch(/^enc:v1:k/);
      expect(stored.signing_secret).not.toContain(created.signingSecret);
      const listed = await callApi(handler, 'GET', '/api/integrations', { token });
      expect(listed.status).toBe(200);
      expect(listed.text).not.toContain('secret-path-token');
      expect(listed.text).not.toContain(created.signingSecret);
      expect(listed.text).toContain('http://127.0.0.1:9/…');

      const newKey = Buffer.alloc(32, 9).toString('base64');
      const rotated = createFieldEncryptor({
        keys: parseEncryptionKeys(`${newKey},${testEncryptionKey}`),
      });
      const report = await rotateEncryption(storage.db, rotated);
      expect(report.integrations).toBeGreaterThanOrEqual(1);
      const after = await sql<{ webhook_url: string; signing_secret: string }>`
        select webhook_url, signing_secret from integrations where id = ${created.integration.id}`.execute(
        storage.db,
      );
      expect(after.rows[0]!.webhook_url).toContain(`enc:v1:${rotated.currentKeyId}:`);
      expect(
        rotated.decrypt(
          after.rows[0]!.webhook_url,
          `integrations.webhook_url:${created.integration.id}`,
        ),
      ).toBe('http://127.0.0.1:9/hooks/secret-path-token');
      // Only the new key now: everything still decrypts.
      const onlyNew = createFieldEncryptor({ keys: parseEncryptionKeys(newKey) });
      expect(
        onlyNew.decrypt(
          after.rows[0]!.signing_secret,
          `integrations.signing_secret:${created.integration.id}`,
        ),
      ).toBe(created.signingSecret);
      // Put every row back under the test key for the other tests.
      await rotateEncryption(
        storage.db,
        createFieldEncryptor({ keys: parseEncryptionKeys(`${testEncryptionKey},${newKey}`) }),
      );
      expect(tenantId).toBeTruthy();
    });

    it('retries while the receiver is down and delivers every pending escalation once it is back', async () => {
      const { tenantId, token, conversation } = await tenantWithConversation();
      const generic = await receiver(() => ({ status: 200, body: '{"id":"T-1"}' }));
      const integration = await createIntegration(token, {
        platform: 'webhook',
        webhookUrl: `${generic.url}/down-then-up`,
      });
      await generic.down();
      const escalations = [];
      for (let index = 0; index < 3; index += 1) {
        const conversationN = await storage.conversations.create({
          tenantId,
          purpose: 'support',
          sessionId: `down_${index}_${Math.random()}`,
        });
        const escalation = await escalate(tenantId, conversationN.id);
        await runtime.notify(escalation, conversationN);
        escalations.push(escalation);
      }
      // One more, never notified (the process died first): the sweep queues it.
      escalations.push(await escalate(tenantId, conversation.id));

      const first = await runtime.runOnce();
      expect(first.queued).toBe(1);
      expect(first.retrying).toBe(4);
      let log = await deliveries(token, integration.integration.id, '?status=pending');
      expect(log).toHaveLength(4);
      expect(log.every((delivery) => delivery.attempts === 1 && delivery.lastError)).toBe(true);
      expect(log[0]!.lastError).toMatch(/could not be reached/);

      expect((await runtime.runOnce()).attempted).toBe(0); // not due yet: backoff
      clock.advance(1_000);
      expect((await runtime.runOnce()).retrying).toBe(4);
      await generic.up();
      clock.advance(1_000);
      expect((await runtime.runOnce()).attempted).toBe(0); // second retry waits 2 s
      clock.advance(1_000);
      expect((await runtime.runOnce()).delivered).toBe(4);
      expect((await runtime.runOnce()).attempted).toBe(0);

      const ids = generic.requests.map((request) => request.headers[deliveryIdHeader]);
      expect(new Set(ids).size).toBe(4);
      const delivered = generic.requests.map(
        (request) =>
          (JSON.parse(request.body) as { data: { escalation: { id: string } } }).data.escalation.id,
      );
      expect(delivered.sort()).toEqual(escalations.map((escalation) => escalation.id).sort());
      log = await deliveries(token, integration.integration.id);
      expect(log.map((delivery) => [delivery.status, delivery.attempts])).toEqual(
        Array(4).fill(['delivered', 3]),
      );
    });

    it('dead-letters after max attempts, shows it in the API, and retries on request', async () => {
      const { tenantId, token, conversation } = await tenantWithConversation();
      let status = 500;
      const failing = await receiver(() => ({ status }));
      const integration = await createIntegration(token, {
        platform: 'webhook',
        webhookUrl: `${failing.url}/always-500`,
        config: { maxAttempts: 2 },
      });
      const escalation = await escalate(tenantId, conversation.id);
      await runtime.notify(escalation, conversation);
      expect((await runtime.runOnce()).retrying).toBe(1);
      clock.advance(60_000);
      expect((await runtime.runOnce()).dead).toBe(1);
      const dead = await deliveries(token, integration.integration.id, '?status=dead');
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({
        status: 'dead',
        attempts: 2,
        maxAttempts: 2,
        lastStatusCode: 500,
        lastError: 'The receiver answered 500.',
      });
      clock.advance(3_600_000);
      expect((await runtime.runOnce()).attempted).toBe(0); // dead stays dead

      status = 200;
      const retried = await callApi<{ delivery: DeliveryRecord }>(
        handler,
        'POST',
        `/api/integrations/${integration.integration.id}/deliveries/${dead[0]!.id}/retry`,
        { token },
      );
      expect(retried.status).toBe(202);
      expect(retried.body.delivery).toMatchObject({ status: 'pending', attempts: 0 });
      expect((await runtime.runOnce()).delivered).toBe(1);
    });

    it('sends a test message on request and reports a failing receiver', async () => {
      const { token } = await tenantWithConversation();
      const slack = await receiver(() => ({ status: 200, body: 'ok' }));
      const integration = await createIntegration(token, {
        platform: 'slack',
        webhookUrl: `${slack.url}/services/test`,
      });
      const sent = await callApi<{ delivery: DeliveryRecord }>(
        handler,
        'POST',
        `/api/integrations/${integration.integration.id}/test`,
        { token },
      );
      expect(sent.status, sent.text).toBe(200);
      expect(sent.body.delivery).toMatchObject({ kind: 'test', status: 'delivered', attempts: 1 });
      expect(slack.requests[0]!.body).toContain('Test from Churn');

      await slack.down();
      const failed = await callApi<{ delivery: DeliveryRecord }>(
        handler,
        'POST',
        `/api/integrations/${integration.integration.id}/test`,
        { token },
      );
      expect(failed.body.delivery).toMatchObject({ kind: 'test', status: 'dead', attempts: 1 });
      expect(failed.body.delivery.lastError).toMatch(/could not be reached/);
    });

    it('manages integrations: update, disable, delete, validation, roles and tenant isolation', async () => {
      const { token, created } = await tenantWithConversation();
      const other = await tenantWithConversation();
      const integration = await createIntegration(token, {
        platform: 'webhook',
        webhookUrl: 'http://127.0.0.1:9/a',
      });
      const id = integration.integration.id;
      const patched = await callApi<{ integration: IntegrationView; signingSecret?: string }>(
        handler,
        'PATCH',
        `/api/integrations/${id}`,
        { token, body: { enabled: false, name: 'Tickets', rotateSigningSecret: true } },
      );
      expect(patched.status, patched.text).toBe(200);
      expect(patched.body.integration).toMatchObject({ enabled: false, name: 'Tickets' });
      expect(patched.body.signingSecret).toMatch(/^whsec_/);
      expect(patched.body.signingSecret).not.toBe(integration.signingSecret);

      const invalid = await callApi(handler, 'POST', '/api/integrations', {
        token,
        body: { platform: 'teams', webhookUrl: 'nope' },
      });
      expect(invalid.status).toBe(400);
      expect(
        (await callApi(handler, 'GET', `/api/integrations/${id}`, { token: other.token })).status,
      ).toBe(404);
      expect(
        (await callApi(handler, 'GET', '/api/integrations', { token: created.publishableKey.key }))
          .status,
      ).toBe(403);
      expect((await callApi(handler, 'DELETE', `/api/integrations/${id}`, { token })).status).toBe(
        204,
      );
      expect((await callApi(handler, 'GET', `/api/integrations/${id}`, { token })).status).toBe(
        404,
      );
    });

    it('refuses private, loopback and link-local receivers at create and at delivery (DNS rebinding)', async () => {
      let answers = ['93.184.216.34'];
      const guarded = createChurnHandler({
        storage,
        platformKey: testPlatformKey,
        secret: testServerSecret,
        logger: memoryLogger(),
        operations: {
          workers: false,
          encryptionKey: testEncryptionKey,
          now: clock.now,
          integrations: { resolver: async () => answers, timeoutMs: 1_000 },
        },
      });
      try {
        const tenant = await createTestTenant(guarded, { name: 'Guarded' });
        const token = tenant.secretKey.key;
        for (const url of [
          'https://10.1.2.3/hook',
          'https://169.254.169.254/latest/meta-data',
          'http://localhost:8080/hook',
          'https://[::1]/hook',
        ]) {
          const answer = await callApi(guarded, 'POST', '/api/integrations', {
            token,
            body: { platform: 'webhook', webhookUrl: url },
          });
          expect(answer.status, url).toBe(400);
          expect(answer.text).toMatch(/refused|https URL/);
        }
        answers = ['10.0.0.5'];
        const internal = await callApi(guarded, 'POST', '/api/integrations', {
          token,
          body: { platform: 'webhook', webhookUrl: 'https://internal.example.com/hook' },
        });
        expect(internal.status).toBe(400);
        expect(internal.text).toContain('10.0.0.5');

        answers = ['93.184.216.34'];
        const created = await callApi<{ integration: IntegrationView }>(
          guarded,
          'POST',
          '/api/integrations',
          { token, body: { platform: 'webhook', webhookUrl: 'https://rebind.example.com/hook' } },
        );
        expect(created.status, created.text).toBe(201);
        answers = ['127.0.0.1'];
        const test = await callApi<{ delivery: DeliveryRecord }>(
          guarded,
          'POST',
          `/api/integrations/${created.body.integration.id}/test`,
          { token },
        );
        expect(test.body.delivery.status).toBe('dead');
        expect(test.body.delivery.lastError).toMatch(/127\.0\.0\.1, a private, loopback/);
      } finally {
        await guarded.close();
      }
    });
  });
}
