import { type CliIo, exitCodes, processIo } from './cli-io.js';
import { devCommand } from './commands/dev.js';
import { evalCommand } from './commands/eval.js';
import { ingestCommand } from './commands/ingest.js';
import { keysCommand } from './commands/keys.js';
import { migrateCommand } from './commands/migrate.js';
import { retentionCommand } from './commands/retention.js';
import { stripeCommand } from './commands/stripe-sync.js';
import { tenantsCommand } from './commands/tenants.js';

/** One `churn` command: its name, a one-line summary, and how it runs. */
export interface CliCommand {
  name: string;
  summary: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

const commands: CliCommand[] = [
  devCommand,
  evalCommand,
  migrateCommand,
  tenantsCommand,
  keysCommand,
  ingestCommand,
  retentionCommand,
  stripeCommand,
];

function usage(): string {
  const width = Math.max(...commands.map((command) => command.name.length), 4) + 2;
  return [
    'Usage: churn <command> [options]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    `  ${'help'.padEnd(width)}Show this help.`,
    '',
    'Run `churn <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

/**
 * Entry of the `churn` command; each command lives in `commands/`. Returns the
 * exit code: 0 done, 1 failed while running, 2 wrong usage or input.
 */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return exitCodes.ok;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr(`Unknown command "${name}". Run \`churn --help\` to see the commands.\n`);
    return exitCodes.usage;
  }
  return command.run(rest, io);
}
