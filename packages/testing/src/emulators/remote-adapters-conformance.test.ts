import { createOpenAIEmbeddingModel, createOpenAILanguageModel } from '@churn/core/openai';
import { createPineconeVectorStore } from '@churn/core/pinecone';
import { afterAll, beforeAll } from 'vitest';
import { describeEmbeddingModelConformance } from '../conformance/embedding-model.js';
import { describeLanguageModelConformance } from '../conformance/language-model.js';
import { describeVectorStoreConformance } from '../conformance/vector-store.js';
import { type OpenAIEmulator, startOpenAIEmulator } from './openai-emulator.js';
import { type PineconeEmulator, startPineconeEmulator } from './pinecone-emulator.js';

// The real adapters, through the official SDKs, against the local emulators.
let openai: OpenAIEmulator;
let pinecone: PineconeEmulator;

beforeAll(async () => {
  openai = await startOpenAIEmulator({ chunkDelayMs: 5 });
  pinecone = await startPineconeEmulator({ dimension: 16 });
});
afterAll(async () => {
  await openai.close();
  await pinecone.close();
});

describeEmbeddingModelConformance(
  'openai (emulator)',
  () => createOpenAIEmbeddingModel({ apiKey: openai.apiKey, baseURL: openai.url }),
  { expectedDimensions: 1536, largestBatch: 2048 },
);

describeLanguageModelConformance(
  'openai (emulator)',
  () => createOpenAILanguageModel({ apiKey: openai.apiKey, baseURL: openai.url }),
  {
    toolCall: {
      prompt: [{ role: 'user', content: 'Look up invoice in_123 with lookup_invoice, please.' }],
      tools: [
        {
          name: 'lookup_invoice',
          description: 'Finds an invoice by its number.',
          parameters: {
            type: 'object',
            properties: { invoiceNumber: { type: 'string' } },
            required: ['invoiceNumber'],
          },
        },
      ],
    },
    longPrompt: [{ role: 'user', content: 'Tell me everything about refunds. '.repeat(20) }],
  },
);

describeVectorStoreConformance('pinecone (emulator)', () =>
  createPineconeVectorStore({ apiKey: pinecone.apiKey, indexHost: pinecone.url, dimensions: 16 }),
);
