import { defineConfig } from 'tsup';

export default defineConfig([
  // The Node entry: where the built app lives, for servers that host it.
  {
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    dts: true,
    platform: 'node',
    target: 'node20',
    tsconfig: 'tsconfig.json',
  },
  // The browser app: one module with hashed names (long-cached), chart.js and the widget
  // preview split into chunks loaded when their page opens. `index.html` is written after.
  {
    entry: { console: 'src/app/main.ts' },
    outDir: 'dist/assets',
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    splitting: true,
    minify: true,
    sourcemap: true,
    noExternal: [/.*/],
    tsconfig: 'tsconfig.json',
    esbuildOptions: (options) => {
      options.entryNames = '[name]-[hash]';
      options.chunkNames = 'chunk-[hash]';
      options.assetNames = '[name]-[hash]';
      options.legalComments = 'linked';
      options.metafile = true;
    },
  },
]);
