// Turns the pending changesets into versions and CHANGELOGs: runs `changeset version`, then
// checks that every published package a changeset named got its CHANGELOG.md entry for its
// new version, and prints what changed. `pnpm version-packages` runs it on the repository
// (it consumes the changesets: do it in the release branch, see docs/releasing.md);
// `--cwd DIR` runs it on another copy (the test does, on a temporary one).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The published (non-private) packages under `packages/` of `root`, by name. */
export function publishedPackages(root) {
  const packagesDir = join(root, 'packages');
  const found = new Map();
  for (const name of readdirSync(packagesDir)) {
    const file = join(packagesDir, name, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    if (!manifest.private) found.set(manifest.name, { dir: join(packagesDir, name), manifest });
  }
  return found;
}

/** The package names the pending changesets of `root` bump (their front matter). */
export function packagesInChangesets(root) {
  const dir = join(root, '.changeset');
  const names = new Set();
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.md') || file === 'README.md') continue;
    const text = readFileSync(join(dir, file), 'utf8');
    const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text)?.[1] ?? '';
    for (const match of front.matchAll(
      /^\s*["']?([^"':\s]+)["']?\s*:\s*(major|minor|patch)\s*$/gm,
    )) {
      names.add(match[1]);
    }
  }
  return names;
}

/**
 * Runs `changeset version` in `root` and checks the result.
 * @returns {{ versions: Record<string, { from: string, to: string }>, problems: string[] }}
 */
export function versionPackages(root) {
  const before = publishedPackages(root);
  const named = packagesInChangesets(root);
  const bin = createRequire(join(here, '..', 'package.json')).resolve('@changesets/cli/bin.js');
  const result = spawnSync(process.execPath, [bin, 'version'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `changeset version failed (exit ${result.status}):\n${result.stdout}${result.stderr}`,
    );
  }
  const after = publishedPackages(root);
  const versions = {};
  const problems = [];
  for (const [name, { dir, manifest }] of after) {
    const from = before.get(name)?.manifest.version;
    if (from === manifest.version) {
      if (named.has(name)) problems.push(`${name}: named by a changeset but still at ${from}.`);
      continue;
    }
    versions[name] = { from, to: manifest.version };
    const changelog = join(dir, 'CHANGELOG.md');
    if (!existsSync(changelog)) {
      problems.push(`${name}: no CHANGELOG.md after changeset version.`);
    } else if (!readFileSync(changelog, 'utf8').includes(`## ${manifest.version}`)) {
      problems.push(`${name}: CHANGELOG.md has no "## ${manifest.version}" entry.`);
    }
  }
  return { versions, problems };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cwdIndex = process.argv.indexOf('--cwd');
  const root = resolve(cwdIndex === -1 ? join(here, '..') : (process.argv[cwdIndex + 1] ?? '.'));
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(
      'Usage: node scripts/version-packages.mjs [--cwd DIR]\n\nRuns `changeset version` (consumes .changeset/*.md into versions and packages/*/CHANGELOG.md)\nand checks every bumped package got its CHANGELOG entry. See docs/releasing.md.',
    );
    process.exit(0);
  }
  try {
    const { versions, problems } = versionPackages(root);
    for (const [name, { from, to }] of Object.entries(versions))
      console.log(`${name} ${from} -> ${to}`);
    if (Object.keys(versions).length === 0)
      console.log('No pending changesets: nothing to version.');
    for (const problem of problems) console.error(`problem: ${problem}`);
    process.exit(problems.length > 0 ? 1 : 0);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
