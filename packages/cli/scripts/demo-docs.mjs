// Generates the demo's help centre (`packages/cli/demo/docs`, ingested by `churn dev`) from
// the evaluation docs (`eval/docs`), with the product renamed from "Plannery" to the demo
// tenant "Acme Analytics": one source of truth instead of a hand-kept copy. `build` runs it.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the docs come from and go by default. */
export const defaultSource = resolve(packageDir, '..', '..', 'eval', 'docs');
export const defaultTarget = join(packageDir, 'demo', 'docs');

/** The renames, applied in order (the most specific first). */
const renames = [
  [/plannery\.app/g, 'acme-analytics.example'],
  // A header name cannot hold a space.
  [/Plannery-Signature/g, 'Acme-Analytics-Signature'],
  [/\b([Aa]) Plannery\b/g, '$1n Acme Analytics'],
  [/Plannery/g, 'Acme Analytics'],
];

/** The text with the evaluation product's name replaced by the demo's. */
export function rebrand(text) {
  return renames.reduce(
    (result, [pattern, replacement]) => result.replace(pattern, replacement),
    text,
  );
}

const extensions = new Set(['.md', '.markdown', '.html', '.htm', '.txt']);

/**
 * Writes every document of `source` to `target`, renamed; `target` is emptied first.
 * @returns {Promise<string[]>} the file names written, sorted.
 */
export async function generateDemoDocs({ source = defaultSource, target = defaultTarget } = {}) {
  let names;
  try {
    names = (await readdir(source)).filter((name) =>
      extensions.has(name.slice(name.lastIndexOf('.'))),
    );
  } catch (error) {
    throw new Error(
      `The evaluation docs are missing at ${source}: the demo's help centre is generated from them.`,
      {
        cause: error,
      },
    );
  }
  names.sort();
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  for (const name of names) {
    await writeFile(join(target, name), rebrand(await readFile(join(source, name), 'utf8')));
  }
  return names;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const names = await generateDemoDocs();
  console.log(`demo docs: ${names.length} documents from eval/docs into demo/docs`);
}
