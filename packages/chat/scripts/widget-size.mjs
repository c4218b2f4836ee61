// The widget's size budget: prints raw and gzip sizes of the script-tag file, its lazy
// chunks and the ESM entry, and the machine it ran on. `--check` exits 1 over budget.
// Run: pnpm --filter @churn/chat size [-- --check]   (after `pnpm --filter @churn/chat build`)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const budgetBytes = 20 * 1024;

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const measure = (file) => {
  const content = readFileSync(join(dist, file));
  return { file, raw: content.length, gzip: gzipSync(content, { level: 9 }).length };
};

if (!existsSync(join(dist, 'churn-chat.js'))) {
  console.error('dist/churn-chat.js is missing: run `pnpm --filter @churn/chat build` first.');
  process.exit(1);
}

const rows = [
  {
    ...measure('churn-chat.js'),
    note: 'script tag: the launcher and the chat (budget 20 KiB gzip)',
  },
  { ...measure('churn-chat-markdown.js'), note: 'lazy: the Markdown renderer (marked)' },
  {
    ...measure('churn-chat-payment.js'),
    note: 'lazy: the card step (Stripe.js loader, demo form)',
  },
  { ...measure('churn-chat-translations.js'), note: 'lazy: French, German, Spanish' },
  { ...measure('index.js'), note: 'ESM entry (lit, marked external)' },
  ...readdirSync(dist)
    .filter((file) =>
      /^(chunk|render-markdown|payment-module|churn-chat-translations)-.*\.js$/.test(file),
    )
    .map((file) => ({ ...measure(file), note: 'ESM chunk' })),
];

console.log(
  `widget size (${cpus()[0]?.model ?? 'unknown CPU'}, ${kib(totalmem())} RAM, Node ${process.version})`,
);
for (const row of rows) {
  console.log(
    `  ${row.file.padEnd(28)} ${kib(row.raw).padStart(10)} raw ${kib(row.gzip).padStart(10)} gzip  ${row.note}`,
  );
}
const main = rows[0];
const verdict = main.gzip <= budgetBytes ? 'within' : 'OVER';
console.log(
  `churn-chat.js: ${kib(main.gzip)} gzip (${main.gzip} bytes), ${verdict} the ${kib(budgetBytes)} (${budgetBytes} bytes) budget`,
);
if (process.argv.includes('--check') && main.gzip > budgetBytes) process.exit(1);
