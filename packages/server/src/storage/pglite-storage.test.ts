import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeKnowledgeStoreConformance,
  describeStorageConformance,
} from '@churn/testing/conformance';
import { describe, expect, it } from 'vitest';
import { createPGliteStorage, type PostgresStorage } from './postgres-storage.js';
import {
  knowledgeStoreWithTenants,
  listIndexNames,
  seedIndexNames,
} from './storage-test-helpers.js';

// One in-memory database for the whole file: opening PGlite costs seconds, and
// every test works in tenants of its own.
let shared: Promise<PostgresStorage> | undefined;
const sharedStorage = () => {
  shared ??= createPGliteStorage();
  return shared;
};

// The knowledge-store suite runs first on the same database; the storage suite
// runs next and closes it when done.
describeKnowledgeStoreConformance(
  'pglite',
  async () => knowledgeStoreWithTenants(await sharedStorage()),
  { timeoutMs: 30_000 },
);

describeStorageConformance('pglite (in memory)', sharedStorage, {
  timeoutMs: 30_000,
  schema: {
    migrate: async () => (await sharedStorage()).migrate(),
    listIndexNames: async () => listIndexNames(await sharedStorage()),
    requiredIndexNames: seedIndexNames,
  },
});

describe('createPGliteStorage with a folder', () => {
  it('keeps its data across a close and a reopen, without migrating twice', {
    timeout: 60_000,
  }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'churn-pglite-'));
    // A folder whose parents do not exist yet, like `.churn/data` on a fresh checkout.
    const dataDir = join(root, '.churn', 'data');
    try {
      const first = await createPGliteStorage({ dataDir });
      const tenant = await first.tenants.create({ name: 'Persistent' });
      await first.close();
      await first.close();

      const second = await createPGliteStorage({ dataDir });
      try {
        expect(await second.tenants.get({ tenantId: tenant.id })).toEqual(tenant);
        expect(await second.migrate()).toEqual({ applied: [] });
        expect(second.provider).toBe('pglite');
      } finally {
        await second.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('rejects a schema name that is not a plain identifier', async () => {
    await expect(createPGliteStorage({ schema: 'bad; drop' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });
});
