import { defineConfig } from 'tsup';

// One entry per subpath export. Frameworks are (optional) peer dependencies, so tsup
// leaves them external; shared code goes to chunks, so `@churn/server/express` never
// loads the Next.js adapter.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    node: 'src/adapters/node/index.ts',
    express: 'src/adapters/express/index.ts',
    fastify: 'src/adapters/fastify/index.ts',
    hono: 'src/adapters/hono/index.ts',
    next: 'src/adapters/next/index.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  target: 'node20',
});
