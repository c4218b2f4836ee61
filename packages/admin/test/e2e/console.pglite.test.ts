import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPGliteStorage } from '../../../server/src/index.js';
import { describeConsole } from './console-suite.js';

// The console against the server on embedded PGlite in a temporary folder. This run saves the
// screenshots of docs/console.md.
describeConsole('PGlite', {
  screenshots: true,
  openStorage: async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'churn-admin-e2e-'));
    const storage = await createPGliteStorage({ dataDir: join(dataDir, 'data') });
    return {
      storage,
      dataDir,
      close: async () => {
        await storage.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
});
