import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Imports @churn/testing the way an adapter author's test does: by package name, from the
// built `dist`, with no source condition. It runs from packages/core, which depends on
// @churn/testing through node_modules.
const consumer = fileURLToPath(new URL('../../core/', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('the built @churn/testing', () => {
  it('starts and stops the OpenAI emulator from its built output', () => {
    expect(existsSync(dist), 'run `pnpm build` first').toBe(true);
    const script = `
      import { startOpenAIEmulator } from '@churn/testing';
      import * as conformance from '@churn/testing/conformance';
      const emulator = await startOpenAIEmulator();
      // emulator.url is the SDK's baseURL, which ends in /v1.
      const response = await fetch(emulator.url + '/embeddings', {
        method: 'POST',
        headers: { authorization: 'Bearer ' + emulator.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'text-embedding-3-small', input: ['hello'], encoding_format: 'float' }),
      });
      const body = await response.json();
      await emulator.close();
      console.log(JSON.stringify({
        status: response.status,
        dimensions: body.data[0].embedding.length,
        suites: Object.keys(conformance).filter((name) => name.startsWith('describe')).sort(),
        resolved: import.meta.resolve('@churn/testing'),
      }));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: consumer,
      encoding: 'utf8',
    });
    const result = JSON.parse(output);
    expect(result.status).toBe(200);
    expect(result.dimensions).toBe(1536);
    expect(result.suites).toEqual(
      expect.arrayContaining([
        'describeEmbeddingModelConformance',
        'describeKnowledgeStoreConformance',
        'describeLanguageModelConformance',
        'describeVectorStoreConformance',
      ]),
    );
    expect(result.resolved).toMatch(/\/packages\/testing\/dist\/index\.js$/);
  });
});
