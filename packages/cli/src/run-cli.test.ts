import { describe, expect, it } from 'vitest';
import { captureIo } from './capture-io.js';
import { runCli } from './run-cli.js';

async function run(...argv: string[]) {
  const { io, output } = captureIo();
  const code = await runCli(argv, io);
  return { code, ...output };
}

/** The command names `churn --help` lists (so a new command is checked without editing this). */
async function listedCommands(): Promise<string[]> {
  const { stdout } = await run('--help');
  const section = stdout.split('Commands:\n')[1]!.split('\n\n')[0]!;
  return section
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0]!)
    .filter((name) => name !== '' && name !== 'help');
}

describe('churn: help and usage errors of every command', () => {
  it('lists every command of the CLI', async () => {
    expect(await listedCommands()).toEqual([
      'dev',
      'eval',
      'migrate',
      'tenants',
      'keys',
      'ingest',
      'retention',
      'stripe',
    ]);
  });

  it('answers --help and -h with the usage of each command, exit 0', async () => {
    for (const name of await listedCommands()) {
      for (const flag of ['--help', '-h']) {
        const result = await run(name, flag);
        expect(result.code, `${name} ${flag}`).toBe(0);
        expect(result.stdout, `${name} ${flag}`).toMatch(new RegExp(`^Usage: churn ${name}\\b`));
        expect(result.stderr).toBe('');
      }
    }
  });

  it('answers an unknown option with exit 2 and where to look, before doing anything', async () => {
    for (const name of await listedCommands()) {
      const argv = ['tenants', 'keys'].includes(name)
        ? [name, 'list', '--no-such-option']
        : ['retention', 'stripe'].includes(name)
          ? [name, name === 'retention' ? 'run' : 'sync', '--no-such-option']
          : [name, '--no-such-option'];
      const result = await run(...argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr, argv.join(' ')).toMatch(/Unknown option '--no-such-option'/);
      // Either the command's --help is named, or its usage is printed.
      expect(result.stderr, argv.join(' ')).toMatch(
        new RegExp(`churn ${name}[^\\n]* --help|Usage: churn ${name}`),
      );
      expect(result.stderr).not.toMatch(/To specify a positional argument/);
      expect(result.stdout).toBe('');
    }
  });

  it('answers an unknown command with exit 2 and the way to list them', async () => {
    const result = await run('deploy');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Unknown command "deploy".*churn --help/);
  });
});
