import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage, hashApiKey } from '@churn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../capture-io.js';
import type { CliIo } from '../cli-io.js';
import { runCli } from '../run-cli.js';
import { runKeys } from './keys.js';
import { runMigrate } from './migrate.js';
import { runTenants } from './tenants.js';

type Command = (argv: string[], io: CliIo) => Promise<number>;

async function run(command: Command, ...argv: string[]) {
  const { output, io } = captureIo();
  const code = await command(argv, io);
  return { code, ...output };
}

interface CreatedTenantOutput {
  tenant: { id: string; name: string; usageQuota: number; allowedOrigins: string[] };
  secretKey: { key: string; apiKey: { id: string; prefix: string } };
  publishableKey: { key: string; apiKey: { id: string } };
  identitySecret: string;
  adminUser?: { email: string; role: string; hasPassword: boolean };
}

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe('help', () => {
  it('prints the help of every command and subcommand', async () => {
    for (const [command, argv, pattern] of [
      [runMigrate, ['--help'], /churn migrate/],
      [runTenants, ['--help'], /churn tenants create/],
      [runTenants, ['create', '--help'], /churn tenants create/],
      [runTenants, [], /churn tenants/],
      [runKeys, ['--help'], /churn keys create/],
      [runKeys, ['rotate', '-h'], /--grace-period/],
    ] as const) {
      const result = await run(command, ...argv);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(pattern);
      expect(result.stdout).toMatch(/--data-dir/);
    }
    const index = await run(runCli);
    expect(index.stdout).toMatch(/tenants/);
    expect(index.stdout).toMatch(/keys/);
    expect(index.stdout).toMatch(/migrate/);
  });

  it('answers 2 with a message for wrong usage, before touching a database', async () => {
    for (const [command, argv, pattern] of [
      [runTenants, ['create', '--bogus'], /bogus.*--help/],
      [runTenants, ['explode'], /Unknown subcommand "explode"/],
      [runTenants, ['create'], /name/],
      [runTenants, ['create', '--name', 'X', '--quota', 'lots'], /--quota must be a whole number/],
      [runTenants, ['create', '--name', 'X', '--branding', '{oops'], /--branding must be JSON/],
      [
        runTenants,
        ['create', '--name', 'X', '--allowed-origin', 'https://a.test/'],
        /allowedOrigins/,
      ],
      [runTenants, ['delete', 'some-id'], /--yes/],
      [runTenants, ['update'], /Missing TENANT_ID/],
      [runKeys, ['create', '--scope', 'secret'], /Missing --tenant/],
      [runKeys, ['create', '--tenant', 't', '--scope', 'root'], /scope/],
      [runKeys, ['rotate', '--tenant', 't', 'k', '--grace-period', '-5'], /grace-period/],
      [runMigrate, ['extra'], /Unexpected argument/],
    ] as const) {
      const result = await run(command, ...argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr, argv.join(' ')).toMatch(pattern);
      expect(result.stdout).toBe('');
    }
  });
});

describe('churn tenants and keys on the embedded database (--data-dir)', () => {
  it('migrates, creates, lists, updates tenants, manages keys and deletes', {
    timeout: 120_000,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'churn-cli-'));
    folders.push(dataDir);
    const storage = ['--data-dir', dataDir];

    const migrated = await run(runMigrate, ...storage);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(JSON.parse(migrated.stdout).applied).toContain('002_tenant_access');
    expect(JSON.parse((await run(runMigrate, ...storage)).stdout)).toEqual({ applied: [] });

    process.env.CHURN_ADMIN_PASSWORD = 'a long admin password';
    let created: CreatedTenantOutput;
    try {
      const result = await run(
        runTenants,
        'create',
        '--name',
        'Cli Co',
        '--quota',
        '250',
        '--allowed-origin',
        'https://shop.cli.test',
        '--branding',
        '{"primaryColor":"#635bff"}',
        '--admin-email',
        'ops@cli.test',
        ...storage,
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/not shown again/);
      created = JSON.parse(result.stdout) as CreatedTenantOutput;
    } finally {
      delete process.env.CHURN_ADMIN_PASSWORD;
    }
    expect(created.tenant).toMatchObject({
      name: 'Cli Co',
      usageQuota: 250,
      allowedOrigins: ['https://shop.cli.test'],
    });
    expect(created.secretKey.key).toMatch(/^sk_live_/);
    expect(created.adminUser).toMatchObject({
      email: 'ops@cli.test',
      role: 'admin',
      hasPassword: true,
    });

    const listed = await run(runTenants, 'list', ...storage);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).tenants).toHaveLength(1);
    expect(listed.stdout).not.toContain(created.secretKey.key);
    expect(listed.stdout).not.toContain(created.identitySecret);

    const updated = await run(
      runTenants,
      'update',
      created.tenant.id,
      '--quota',
      '500',
      '--no-allowed-origins',
      ...storage,
    );
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout).tenant).toMatchObject({
      usageQuota: 500,
      allowedOrigins: [],
    });

    const tenant = ['--tenant', created.tenant.id];
    const key = await run(
      runKeys,
      'create',
      '--scope',
      'publishable',
      '--name',
      'Shop',
      ...tenant,
      ...storage,
    );
    expect(key.code, key.stderr).toBe(0);
    const keyOutput = JSON.parse(key.stdout) as {
      key: string;
      apiKey: { id: string; prefix: string };
    };
    expect(keyOutput.key).toMatch(/^pk_live_/);

    const rotated = await run(
      runKeys,
      'rotate',
      keyOutput.apiKey.id,
      '--grace-period',
      '60',
      ...tenant,
      ...storage,
    );
    expect(rotated.code, rotated.stderr).toBe(0);
    const rotatedOutput = JSON.parse(rotated.stdout) as {
      key: string;
      previous: { status: string };
    };
    expect(rotatedOutput.previous.status).toBe('expiring');

    const revoked = await run(
      runKeys,
      'revoke',
      created.secretKey.apiKey.id,
      ...tenant,
      ...storage,
    );
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(JSON.parse(revoked.stdout).apiKey.status).toBe('revoked');

    const keys = await run(runKeys, 'list', ...tenant, ...storage);
    const active = JSON.parse(keys.stdout).apiKeys as { id: string; prefix: string }[];
    expect(active.map((apiKey) => apiKey.id)).not.toContain(created.secretKey.apiKey.id);
    expect(keys.stdout).not.toContain(rotatedOutput.key);
    const all = await run(runKeys, 'list', '--include-revoked', ...tenant, ...storage);
    expect(JSON.parse(all.stdout).apiKeys.length).toBeGreaterThan(active.length);

    // The database holds hashes only.
    const database = await createStorage({ dataDir: join(dataDir, 'data') });
    try {
      const row = await database.apiKeys.findActiveByHash({
        keyHash: hashApiKey(rotatedOutput.key),
      });
      expect(row?.tenantId).toBe(created.tenant.id);
    } finally {
      await database.close();
    }

    const unknown = await run(runKeys, 'revoke', 'no-such-key', ...tenant, ...storage);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/No API key "no-such-key"/);

    const deleted = await run(runTenants, 'delete', created.tenant.id, '--yes', ...storage);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(JSON.parse((await run(runTenants, 'list', ...storage)).stdout).tenants).toEqual([]);
    const again = await run(runTenants, 'delete', created.tenant.id, '--yes', ...storage);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/No tenant/);
  });
});

describe('churn tenants on PostgreSQL (--database-url)', () => {
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `churn_test_${randomBytes(6).toString('hex')}`;

  // On PostgreSQL the CLI needs the server's encryption key (it never stores an identity
  // secret in plaintext, and never invents a key the server would not have).
  beforeAll(() => {
    process.env.CHURN_ENCRYPTION_KEY = randomBytes(32).toString('base64');
  });

  afterAll(async () => {
    delete process.env.CHURN_ENCRYPTION_KEY;
    const database = await createStorage({ databaseUrl, migrate: false });
    try {
      await database.db.schema.dropSchema(schema).ifExists().cascade().execute();
    } finally {
      await database.close();
    }
  });

  it('creates and lists a tenant in the real server', async () => {
    const storage = ['--database-url', databaseUrl, '--schema', schema];
    const migrated = await run(runMigrate, ...storage);
    expect(
      migrated.code,
      `PostgreSQL must be reachable at ${databaseUrl}: ${migrated.stderr}`,
    ).toBe(0);
    const created = await run(runCli, 'tenants', 'create', '--name', 'Pg Co', ...storage);
    expect(created.code, created.stderr).toBe(0);
    const tenantId = (JSON.parse(created.stdout) as CreatedTenantOutput).tenant.id;
    const listed = JSON.parse((await run(runCli, 'tenants', 'list', ...storage)).stdout) as {
      tenants: { id: string }[];
    };
    expect(listed.tenants.map((tenant) => tenant.id)).toEqual([tenantId]);
  });
});
