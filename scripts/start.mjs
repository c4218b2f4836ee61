// The main job: install, build, then start Churn on embedded defaults with the
// demo data (`churn dev`). Arguments after `npm start --` go to `churn dev`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root, setup } from './setup.mjs';

try {
  setup();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [join(root, 'packages/cli/dist/bin.js'), 'dev', ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
