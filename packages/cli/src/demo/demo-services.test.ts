import { ChurnError } from '@churn/core';
import { describe, expect, it } from 'vitest';
import { resolveDemoServices } from './demo-services.js';

const openAI = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' };

describe('resolveDemoServices: OpenAI-compatible embeddings', () => {
  it('uses 1536 dimensions unless OPENAI_EMBEDDING_DIMENSIONS says otherwise', async () => {
    const standard = await resolveDemoServices(openAI, '.churn');
    expect(standard.knowledgeBase.embedder?.dimensions).toBe(1536);
    // A local model behind an OpenAI-compatible server (Ollama's nomic-embed-text).
    const local = await resolveDemoServices(
      { ...openAI, OPENAI_EMBEDDING_MODEL: 'nomic-embed-text', OPENAI_EMBEDDING_DIMENSIONS: '768' },
      '.churn',
    );
    expect(local.knowledgeBase.embedder).toMatchObject({
      modelId: 'nomic-embed-text',
      dimensions: 768,
    });
  });

  it('refuses a size that is not a whole number, saying what to set', async () => {
    for (const value of ['0', '-3', '1.5', 'big']) {
      const error = await resolveDemoServices(
        { ...openAI, OPENAI_EMBEDDING_DIMENSIONS: value },
        '.churn',
      ).catch((caught: unknown) => caught);
      expect(ChurnError.isInstance(error) && error.code).toBe('configuration');
      expect((error as Error).message).toContain(
        `OPENAI_EMBEDDING_DIMENSIONS must be the embeddings model's vector size, a whole number like 1536 or 768, got "${value}"`,
      );
    }
  });
});
