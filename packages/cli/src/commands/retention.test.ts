import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage } from '@churn/server';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from '../capture-io.js';
import { runCli } from '../run-cli.js';

const folder = mkdtempSync(join(tmpdir(), 'churn-retention-cli-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('churn retention', () => {
  it('prints its help and refuses unknown subcommands', async () => {
    const help = captureIo();
    expect(await runCli(['retention', '--help'], help.io)).toBe(0);
    expect(help.output.stdout).toMatch(/churn retention run \[--dry-run\]/);
    const wrong = captureIo();
    expect(await runCli(['retention', 'purge', '--data-dir', folder], wrong.io)).toBe(2);
    expect(wrong.output.stderr).toMatch(/churn retention run/);
  });

  it('reports counts per table in a dry run, then deletes them', { timeout: 60_000 }, async () => {
    const storage = await createStorage({ dataDir: join(folder, 'data') });
    let tenantId: string;
    try {
      const tenant = await storage.tenants.create({ name: 'Old data' });
      tenantId = tenant.id;
      const conversation = await storage.conversations.create({
        tenantId,
        purpose: 'support',
        sessionId: 's1',
      });
      await storage.messages.create({
        tenantId,
        conversationId: conversation.id,
        role: 'user',
        content: 'hi',
        timestamp: new Date('2020-01-01T00:00:00Z'),
      });
      await storage.db
        .updateTable('conversations')
        .set({
          started_at: new Date('2019-12-31T00:00:00Z'),
          last_activity: new Date('2020-01-01T00:00:00Z'),
        })
        .where('id', '=', conversation.id)
        .execute();
      await storage.analytics.record({
        tenantId,
        metricName: 'turns',
        metricValue: 1,
        recordedAt: new Date('2020-01-01T00:00:00Z'),
      });
      await storage.analytics.record({ tenantId, metricName: 'turns', metricValue: 1 });
    } finally {
      await storage.close();
    }
    const dry = captureIo();
    expect(
      await runCli(
        ['retention', 'run', '--dry-run', '--tenant', tenantId, '--data-dir', folder],
        dry.io,
      ),
    ).toBe(0);
    const dryReport = JSON.parse(dry.output.stdout) as {
      dryRun: boolean;
      total: Record<string, number>;
    };
    expect(dryReport.dryRun).toBe(true);
    expect(dryReport.total).toMatchObject({
      conversations: 1,
      messages: 1,
      analytics: 1,
      feedback: 0,
    });

    const real = captureIo();
    expect(await runCli(['retention', 'run', '--data-dir', folder], real.io)).toBe(0);
    const report = JSON.parse(real.output.stdout) as {
      total: Record<string, number>;
      tenants: unknown[];
    };
    expect(report.total).toMatchObject({ conversations: 1, messages: 1, analytics: 1 });
    expect(report.tenants).toHaveLength(1);

    const again = captureIo();
    expect(await runCli(['retention', 'run', '--dry-run', '--data-dir', folder], again.io)).toBe(0);
    expect(JSON.parse(again.output.stdout).total).toMatchObject({ conversations: 0, analytics: 0 });
  });
});
