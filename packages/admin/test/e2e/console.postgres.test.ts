import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createPostgresStorage } from '../../../server/src/index.js';
import { describeConsole } from './console-suite.js';

// The same console run against real PostgreSQL (DATABASE_URL, or the local server), in a
// schema of its own that is dropped afterwards. Fails, never skips, when PostgreSQL is down.
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describeConsole('PostgreSQL', {
  screenshots: false,
  openStorage: async () => {
    const schema = `churn_admin_e2e_${randomBytes(6).toString('hex')}`;
    const dataDir = await mkdtemp(join(tmpdir(), 'churn-admin-e2e-pg-'));
    let storage: Awaited<ReturnType<typeof createPostgresStorage>>;
    try {
      storage = await createPostgresStorage({ databaseUrl, schema });
    } catch (error) {
      throw new Error(
        `PostgreSQL is unreachable at ${databaseUrl}: start it, or set DATABASE_URL. These tests do not skip.`,
        { cause: error },
      );
    }
    return {
      storage,
      dataDir,
      close: async () => {
        await storage.close();
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        await client.query(`drop schema if exists ${schema} cascade`);
        await client.end();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
});
