// Checks what each published package would ship: `publint` (package.json and files)
// and `@arethetypeswrong/cli` (types resolve for ESM consumers under node16 and bundlers).
// Run after `pnpm build`. Exits non-zero when any package has a problem.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './setup.mjs';

const packagesDir = join(root, 'packages');
let failures = 0;
for (const name of readdirSync(packagesDir)) {
  const dir = join(packagesDir, name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (manifest.private) continue;
  for (const [tool, args] of [
    ['publint', ['exec', 'publint', '--strict']],
    // ESM-only packages: CommonJS `require` and node10 resolution are out of scope.
    ['attw', ['exec', 'attw', '--pack', '.', '--profile', 'esm-only', '--format', 'table-flipped']],
  ]) {
    const result = spawnSync('pnpm', args, { cwd: dir, encoding: 'utf8' });
    const ok = result.status === 0;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${manifest.name} ${tool}`);
    if (!ok) {
      failures += 1;
      console.log(result.stdout, result.stderr);
    }
  }
}
process.exit(failures > 0 ? 1 : 0);
