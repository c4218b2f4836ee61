import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createFieldEncryptor,
  createStorage,
  identitySecretContext,
  type PostgresStorage,
  parseEncryptionKeys,
} from '@churn/server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runKeys } from './keys.js';
import { runTenants } from './tenants.js';

type Command = (
  argv: string[],
  io: { stdout: (t: string) => void; stderr: (t: string) => void },
) => Promise<number>;

async function run(command: Command, ...argv: string[]) {
  const output = { stdout: '', stderr: '' };
  const code = await command(argv, {
    stdout: (text) => {
      output.stdout += text;
    },
    stderr: (text) => {
      output.stderr += text;
    },
  });
  return { code, ...output };
}

interface Created {
  tenant: { id: string };
  identitySecret: string;
}

/** The `tenants.identity_secret` column as stored, read with SQL, not through the CLI. */
async function rawIdentitySecret(storage: PostgresStorage, tenantId: string): Promise<string> {
  const row = await storage.db
    .withTables<{ tenants: { id: string; identity_secret: string | null } }>()
    .selectFrom('tenants')
    .select('identity_secret')
    .where('id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return row.identity_secret ?? '';
}

const newKey = () => randomBytes(32).toString('base64');
const encryptorOf = (keys: string) => createFieldEncryptor({ keys: parseEncryptionKeys(keys) });

const folders: string[] = [];
function folder(): string {
  const path = mkdtempSync(join(tmpdir(), 'churn-cli-encryption-'));
  folders.push(path);
  return path;
}

afterEach(() => {
  delete process.env.CHURN_ENCRYPTION_KEY;
});
afterAll(() => {
  for (const path of folders) rmSync(path, { recursive: true, force: true });
});

describe('churn tenants create on the embedded database', () => {
  it('stores the identity secret encrypted with the key in <data-dir>/encryption-key', {
    timeout: 120_000,
  }, async () => {
    const dataDir = folder();
    const created = await run(runTenants, 'create', '--name', 'Sealed Co', '--data-dir', dataDir);
    expect(created.code, created.stderr).toBe(0);
    const output = JSON.parse(created.stdout) as Created;

    const keyFile = join(dataDir, 'encryption-key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const encryptor = encryptorOf(readFileSync(keyFile, 'utf8'));
    const storage = await createStorage({ dataDir: join(dataDir, 'data') });
    try {
      const stored = await rawIdentitySecret(storage, output.tenant.id);
      expect(stored).toMatch(new RegExp(`^enc:v1:${encryptor.currentKeyId}:`));
      expect(stored).not.toContain(output.identitySecret);
      expect(encryptor.decrypt(stored, identitySecretContext(output.tenant.id))).toBe(
        output.identitySecret,
      );
    } finally {
      await storage.close();
    }
  });

  it('rotate-encryption --new-key re-encrypts everything and leaves only the new key', {
    timeout: 120_000,
  }, async () => {
    const dataDir = folder();
    const storageArgs = ['--data-dir', dataDir];
    const first = JSON.parse(
      (await run(runTenants, 'create', '--name', 'One', ...storageArgs)).stdout,
    ) as Created;
    const keyFile = join(dataDir, 'encryption-key');
    const oldKeys = readFileSync(keyFile, 'utf8').trim();

    const rotated = await run(runKeys, 'rotate-encryption', '--new-key', ...storageArgs);
    expect(rotated.code, rotated.stderr).toBe(0);
    const report = JSON.parse(rotated.stdout) as {
      keyId: string;
      tenants: number;
      remaining: number;
      before: { byKey: Record<string, number>; plaintext: number };
    };
    expect(report.tenants).toBe(1);
    expect(report.remaining).toBe(0);
    expect(report.before.byKey).toEqual({ [encryptorOf(oldKeys).currentKeyId]: 1 });
    expect(rotated.stderr).toMatch(/Restart the servers/);

    const newKeys = readFileSync(keyFile, 'utf8').trim();
    expect(newKeys).not.toContain(oldKeys);
    expect(newKeys.split(',')).toHaveLength(1);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const encryptor = encryptorOf(newKeys);
    expect(report.keyId).toBe(encryptor.currentKeyId);
    const storage = await createStorage({ dataDir: join(dataDir, 'data') });
    try {
      const stored = await rawIdentitySecret(storage, first.tenant.id);
      expect(encryptor.decrypt(stored, identitySecretContext(first.tenant.id))).toBe(
        first.identitySecret,
      );
    } finally {
      await storage.close();
    }
    // The old key alone no longer reads the database: the CLI refuses it before writing.
    process.env.CHURN_ENCRYPTION_KEY = oldKeys;
    const refused = await run(runTenants, 'create', '--name', 'Two', ...storageArgs);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /encrypted with key .*not configured here.*CHURN_ENCRYPTION_KEY/,
    );
  });

  it('refuses --new-key when CHURN_ENCRYPTION_KEY is set, and stray arguments', async () => {
    process.env.CHURN_ENCRYPTION_KEY = newKey();
    const withEnvironment = await run(
      runKeys,
      'rotate-encryption',
      '--new-key',
      '--data-dir',
      folder(),
    );
    expect(withEnvironment.code).toBe(2);
    expect(withEnvironment.stderr).toMatch(/CHURN_ENCRYPTION_KEY is set.*"new,old"/);
    const stray = await run(runKeys, 'rotate-encryption', 'everything');
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/takes options only/);
    const tenant = await run(runKeys, 'rotate-encryption', '--tenant', 't');
    expect(tenant.code).toBe(2);
    expect(tenant.stderr).toMatch(/no --tenant/);
    const help = await run(runKeys, 'rotate-encryption', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/churn keys rotate-encryption \[--new-key\]/);
    expect(help.stdout).toMatch(/CHURN_ENCRYPTION_KEY/);
  });
});

describe('churn tenants create and keys rotate-encryption on PostgreSQL', () => {
  const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `churn_cli_enc_${randomBytes(6).toString('hex')}`;
  const storageArgs = ['--database-url', databaseUrl, '--schema', schema];

  afterAll(async () => {
    const database = await createStorage({ databaseUrl, migrate: false });
    try {
      await database.db.schema.dropSchema(schema).ifExists().cascade().execute();
    } finally {
      await database.close();
    }
  });

  it('needs the server key, encrypts with it, and rotates to a new one', {
    timeout: 120_000,
  }, async () => {
    // No key configured and no key file in --data-dir: refused, nothing written.
    const emptyDir = folder();
    const missing = await run(
      runTenants,
      'create',
      '--name',
      'No Key Co',
      ...storageArgs,
      '--data-dir',
      emptyDir,
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/No encryption key: set CHURN_ENCRYPTION_KEY/);
    expect(missing.stdout).toBe('');

    const oldKey = newKey();
    process.env.CHURN_ENCRYPTION_KEY = oldKey;
    const created = await run(runTenants, 'create', '--name', 'Pg Sealed', ...storageArgs);
    expect(created.code, `PostgreSQL must be reachable at ${databaseUrl}: ${created.stderr}`).toBe(
      0,
    );
    const output = JSON.parse(created.stdout) as Created;

    const storage = await createStorage({ databaseUrl, schema });
    try {
      const stored = await rawIdentitySecret(storage, output.tenant.id);
      expect(stored).toMatch(new RegExp(`^enc:v1:${encryptorOf(oldKey).currentKeyId}:`));
      expect(stored).not.toContain(output.identitySecret);

      // Another key than the one the database holds: refused before anything is written.
      process.env.CHURN_ENCRYPTION_KEY = newKey();
      const wrongKey = await run(runTenants, 'create', '--name', 'Wrong Key', ...storageArgs);
      expect(wrongKey.code).toBe(2);
      expect(wrongKey.stderr).toMatch(/not configured here/);
      expect(wrongKey.stdout).toBe('');

      process.env.CHURN_ENCRYPTION_KEY = oldKey;
      const secondRun = await run(runTenants, 'create', '--name', 'Second', ...storageArgs);
      expect(secondRun.code, secondRun.stderr).toBe(0);
      const second = JSON.parse(secondRun.stdout) as Created;
      // A legacy row (written before encryption existed) is encrypted by the rotation too.
      await storage.db
        .withTables<{ tenants: { id: string; identity_secret: string | null } }>()
        .updateTable('tenants')
        .set({ identity_secret: 'legacy-plaintext-identity-secret-0123456789abcdef' })
        .where('id', '=', output.tenant.id)
        .execute();

      const rotatedKey = newKey();
      process.env.CHURN_ENCRYPTION_KEY = `${rotatedKey},${oldKey}`;
      const rotated = await run(runKeys, 'rotate-encryption', ...storageArgs);
      expect(rotated.code, rotated.stderr).toBe(0);
      const report = JSON.parse(rotated.stdout) as {
        keyId: string;
        tenants: number;
        remaining: number;
        before: { plaintext: number };
      };
      expect(report.before.plaintext).toBe(1);
      expect(report.tenants).toBe(2);
      expect(report.remaining).toBe(0);
      expect(rotated.stderr).toMatch(/remove the older keys from CHURN_ENCRYPTION_KEY/);

      const onlyNew = encryptorOf(rotatedKey);
      expect(report.keyId).toBe(onlyNew.currentKeyId);
      const first = await rawIdentitySecret(storage, output.tenant.id);
      expect(onlyNew.decrypt(first, identitySecretContext(output.tenant.id))).toBe(
        'legacy-plaintext-identity-secret-0123456789abcdef',
      );
      const again = await rawIdentitySecret(storage, second.tenant.id);
      expect(onlyNew.decrypt(again, identitySecretContext(second.tenant.id))).toBe(
        second.identitySecret,
      );

      // With the new key alone, the CLI writes again.
      process.env.CHURN_ENCRYPTION_KEY = rotatedKey;
      const after = await run(runTenants, 'create', '--name', 'After', ...storageArgs);
      expect(after.code, after.stderr).toBe(0);
    } finally {
      await storage.close();
    }
  });
});
