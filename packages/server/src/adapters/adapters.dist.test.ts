import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// The BUILT package, the way a user imports it: each adapter is its own entry and loads
// only what it needs (importing the Express adapter never loads Next.js, Fastify or Hono).
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dist = join(packageDir, 'dist');
const entries = ['index', 'node', 'express', 'fastify', 'hono', 'next'];

/** Every file and bare specifier an entry of dist/ imports, statically or dynamically. */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(join(dist, file), 'utf8');
    // Static `import … from '…'` / `export … from '…'` statements, bare `import '…'` and
    // dynamic `import('…')`; plain strings that happen to contain "from" do not count.
    const statements =
      /^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm;
    for (const found of source.matchAll(statements)) {
      const match = [found[0], found[1] ?? found[2] ?? found[3]];
      const specifier = match[1]!;
      if (specifier.startsWith('./')) visit(specifier.slice(2));
      else packages.add(specifier);
    }
  };
  visit(`${entry}.js`);
  return { files, packages };
}

describe('@churn/server built entries', () => {
  beforeAll(() => {
    const missing = entries.filter((entry) => !existsSync(join(dist, `${entry}.js`)));
    if (missing.length > 0) {
      throw new Error(
        `The built package is missing ${missing.join(', ')}: run \`pnpm --filter @churn/server build\` first.`,
      );
    }
  });

  it.each(entries)('the %s entry imports no framework at run time', (entry) => {
    const { files, packages } = importGraph(entry);
    // Only Node built-ins and the package's own dependencies (the core, the storage
    // drivers): framework types are erased, framework values never imported.
    const dependencies = Object.keys(
      JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).dependencies ?? {},
    );
    const packageName = (specifier: string) =>
      specifier.startsWith('@')
        ? specifier.split('/').slice(0, 2).join('/')
        : specifier.split('/')[0]!;
    const others = [...packages].filter(
      (name) => !isBuiltin(name) && !dependencies.includes(packageName(name)),
    );
    expect(others).toEqual([]);
    expect(dependencies).not.toEqual(expect.arrayContaining(['express']));
    expect(dependencies).not.toEqual(expect.arrayContaining(['next']));
    for (const other of entries.filter((name) => name !== entry && name !== 'index')) {
      expect(files.has(`${other}.js`)).toBe(false);
    }
  });

  it('serves /healthz through the built Express adapter on a real socket', () => {
    const script = `
      import { createServer } from 'node:http';
      import { createRequire } from 'node:module';
      import express from 'express';
      import { createChurnHandler } from '@churn/server';
      import { toExpressHandler } from '@churn/server/express';
      const app = express();
      app.use(toExpressHandler(createChurnHandler({ dataDir: process.env.CHURN_DATA_DIR })));
      const server = createServer(app).listen(0, '127.0.0.1', async () => {
        const response = await fetch('http://127.0.0.1:' + server.address().port + '/healthz');
        const loaded = Object.keys(createRequire(import.meta.url).cache);
        console.log(JSON.stringify({
          status: response.status,
          body: await response.json(),
          nextLoaded: loaded.some((file) => file.includes('/node_modules/next/')),
        }));
        server.close();
      });
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: packageDir,
      encoding: 'utf8',
      timeout: 80_000,
      env: { ...process.env, CHURN_DATA_DIR: mkdtempSync(join(tmpdir(), 'churn-dist-')) },
    });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      status: 200,
      body: { status: 'ok' },
      nextLoaded: false,
    });
    // The child opens embedded PostgreSQL from scratch: allow what its own timeout allows.
  }, 90_000);
});
