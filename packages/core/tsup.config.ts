import { defineConfig } from 'tsup';

export default defineConfig({
  // One entry per subpath export: importing `@churn/core` never loads the
  // OpenAI or Pinecone SDKs; `@churn/core/openai` and `/pinecone` do.
  entry: {
    index: 'src/index.ts',
    openai: 'src/providers/openai/index.ts',
    pinecone: 'src/providers/pinecone/index.ts',
    stripe: 'src/providers/stripe/index.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  treeshake: true,
  external: ['openai', '@pinecone-database/pinecone', 'stripe'],
});
