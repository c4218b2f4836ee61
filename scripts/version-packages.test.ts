import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { packagesInChangesets, publishedPackages, versionPackages } from './version-packages.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const copies: string[] = [];
afterAll(() => {
  for (const copy of copies) rmSync(copy, { recursive: true, force: true });
});

/**
 * A copy of what `changeset version` reads and writes: the root manifest, the workspace
 * file, `.changeset/` and every workspace package.json (never the real repository: versioning
 * consumes the changesets). `node_modules` is linked so the changelog generator resolves.
 */
function copyOfRepository(): string {
  const copy = mkdtempSync(join(tmpdir(), 'churn-release-'));
  copies.push(copy);
  for (const file of ['package.json', 'pnpm-workspace.yaml']) {
    cpSync(join(root, file), join(copy, file));
  }
  cpSync(join(root, '.changeset'), join(copy, '.changeset'), { recursive: true });
  for (const group of ['packages', 'examples']) {
    for (const name of readdirSync(join(root, group))) {
      const manifest = join(root, group, name, 'package.json');
      if (!existsSync(manifest)) continue;
      mkdirSync(join(copy, group, name), { recursive: true });
      cpSync(manifest, join(copy, group, name, 'package.json'));
    }
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  return copy;
}

describe('scripts/version-packages.mjs (changeset version on a copy)', () => {
  it('writes a CHANGELOG.md with each pending changeset for every bumped package', {
    timeout: 120_000,
  }, () => {
    const copy = copyOfRepository();
    // A changeset of our own, so the check does not depend on which ones are pending.
    writeFileSync(
      join(copy, '.changeset', 'release-test-marker.md'),
      '---\n"@churn/core": patch\n---\n\nRelease test marker: CHANGELOGs come out of changesets.\n',
    );
    const named = packagesInChangesets(copy);
    expect(named.has('@churn/core')).toBe(true);
    const published = publishedPackages(copy);

    const { versions, problems } = versionPackages(copy);
    expect(problems).toEqual([]);
    for (const name of named) {
      if (!published.has(name)) continue;
      expect(versions[name], name).toBeDefined();
    }
    const core = readFileSync(join(copy, 'packages', 'core', 'CHANGELOG.md'), 'utf8');
    expect(core).toMatch(/^# @churn\/core\n/);
    expect(core).toContain(`## ${versions['@churn/core']!.to}`);
    expect(core).toContain('Release test marker: CHANGELOGs come out of changesets.');
    // The changesets were consumed; the README and config stay.
    expect(readdirSync(join(copy, '.changeset')).sort()).toEqual(['README.md', 'config.json']);
    // Private packages (the examples) are not versioned.
    for (const name of readdirSync(join(copy, 'examples'))) {
      expect(existsSync(join(copy, 'examples', name, 'CHANGELOG.md')), name).toBe(false);
    }
    // The real repository is untouched.
    expect(existsSync(join(root, '.changeset', 'release-test-marker.md'))).toBe(false);
  });
});
