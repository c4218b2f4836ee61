import { afterAll } from 'vitest';
import { createPGliteStorage, type PostgresStorage } from '../storage/postgres-storage.js';
import { describeKnowledgeJobResume } from './knowledge-jobs-suite.js';

const opened: PostgresStorage[] = [];
afterAll(async () => {
  await Promise.all(opened.map((storage) => storage.close()));
});

describeKnowledgeJobResume('in-memory PGlite', async () => {
  const storage = await createPGliteStorage();
  opened.push(storage);
  return storage;
});
