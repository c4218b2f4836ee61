/** Entry of the `churn` command; each command lives in `commands/`. */
export async function runCli(argv: string[]): Promise<number> {
  const [command] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  process.stderr.write(`Unknown command "${command}". Run \`churn --help\` to see the commands.\n`);
  return 2;
}

const usage = `Usage: churn <command> [options]

Commands:
  help        Show this help.
`;
