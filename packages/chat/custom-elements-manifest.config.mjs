// The custom-elements manifest (custom-elements.json) is generated from the components'
// JSDoc: `pnpm --filter @churn/chat manifest`. A test checks the committed one is current.
export default {
  globs: ['src/churn-chat/*.ts', 'src/events/*.ts', 'src/define.ts'],
  exclude: ['src/**/*.test.ts'],
  outdir: '.',
  litelement: true,
  dev: false,
};
