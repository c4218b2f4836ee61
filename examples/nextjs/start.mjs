// @ts-check
// `npm start`: builds the app when its sources changed since the last build (a hash kept in
// .next/churn-source-hash), then serves it with Next's production server on $PORT.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const next = createRequire(import.meta.url).resolve('next/dist/bin/next');
const port = process.env.PORT ?? '3000';

/** Every file under `path`, sorted, as [relative path, bytes] pairs. */
function files(path) {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(join(path, name)));
}

const hash = createHash('sha256');
for (const file of [
  ...files(join(here, 'app')),
  join(here, 'next.config.mjs'),
  join(here, 'package.json'),
  join(here, 'tsconfig.json'),
]) {
  hash.update(relative(here, file)).update('\0').update(readFileSync(file)).update('\0');
}
const sourceHash = hash.digest('hex');
const hashFile = join(here, '.next', 'churn-source-hash');
const built =
  existsSync(join(here, '.next', 'BUILD_ID')) &&
  existsSync(hashFile) &&
  readFileSync(hashFile, 'utf8') === sourceHash;

if (!built) {
  console.log(
    'Building the Next.js app (about 30 s; skipped next time while the sources are unchanged)...',
  );
  const result = spawnSync(process.execPath, [next, 'build'], {
    cwd: here,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeFileSync(hashFile, sourceHash);
}

const server = spawn(process.execPath, [next, 'start', '-p', port, '-H', '127.0.0.1'], {
  cwd: here,
  stdio: 'inherit',
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
});
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => server.kill(signal));
}
server.once('exit', (code) => process.exit(code ?? 0));
