import { resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ChurnError, ValidationError } from '@churn/core';
import { createStorage, migrate, type PostgresStorage, type StorageSettings } from '@churn/server';
import { type CliIo, exitCodes, UsageError } from '../cli-io.js';
import type { CliCommand } from '../run-cli.js';

/** The storage options every database command takes. */
export const storageOptionsUsage = `Storage (the same database the server uses):
  --database-url URL   PostgreSQL, like postgres://user:password@host:5432/db.
                       Default: $DATABASE_URL.
  --data-dir DIR       Without a database URL: the embedded database in DIR/data,
                       the folder \`churn dev --data-dir\` uses. Default ./.churn
                       (stop a server using that folder first: the embedded
                       database has one user at a time).
  --schema NAME        PostgreSQL schema of the tables. Default public.`;

/** The `parseArgs` options of {@link storageOptionsUsage}. */
export const storageOptions = {
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
  schema: { type: 'string' },
} as const;

/** Parsed values of {@link storageOptions}. */
export interface StorageOptionValues {
  'database-url'?: string | undefined;
  'data-dir'?: string | undefined;
  schema?: string | undefined;
}

/** The storage settings the options name: `--database-url` / `DATABASE_URL`, else `<data-dir>/data`. */
export function storageSettingsOf(values: StorageOptionValues): StorageSettings {
  const databaseUrl = values['database-url'] ?? (process.env.DATABASE_URL || undefined);
  return {
    ...(databaseUrl ? { databaseUrl } : {}),
    dataDir: resolve(values['data-dir'] ?? '.churn', 'data'),
    ...(values.schema ? { schema: values.schema } : {}),
  };
}

/** Opens the storage (migrating it), runs `run`, and closes it whatever happens. */
export async function withStorage<T>(
  values: StorageOptionValues,
  run: (storage: PostgresStorage) => Promise<T>,
): Promise<T> {
  const storage = await createStorage(storageSettingsOf(values));
  try {
    return await run(storage);
  } finally {
    await storage.close();
  }
}

/**
 * `parseArgs` with the project's usage errors: an unknown or malformed option becomes a
 * {@link UsageError} that names the command's `--help`.
 */
export function parseCommandArguments<TOptions extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: TOptions,
  command: string,
): ReturnType<
  typeof parseArgs<{ args: string[]; options: TOptions; strict: true; allowPositionals: true }>
> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (error) {
    // Node's advice about positionals starting with '-' is noise for a mistyped option.
    const message = (error instanceof Error ? error.message : String(error)).replace(
      /\. To specify a positional argument starting with a '-'.*$/s,
      '',
    );
    throw new UsageError(
      `${message.replace(/\.$/, '')}. Run \`${command} --help\` for the options.`,
    );
  }
}

/**
 * Writes what went wrong to stderr and answers the exit code: 2 for wrong usage or input
 * (usage errors, validation failures, unknown ids), 1 for failures while running.
 */
export function reportCommandError(error: unknown, io: CliIo, command: string): number {
  if (error instanceof UsageError) {
    io.stderr(`${command}: ${error.message}\n`);
    return exitCodes.usage;
  }
  if (ChurnError.isInstance(error)) {
    io.stderr(`${command}: ${error.message}\n`);
    if (error instanceof ValidationError || error.code === 'validation_failed') {
      return exitCodes.usage;
    }
    return error.code === 'not_found' || error.code === 'conflict'
      ? exitCodes.usage
      : exitCodes.failed;
  }
  io.stderr(`${command}: ${error instanceof Error ? error.message : String(error)}\n`);
  return exitCodes.failed;
}

/** Prints a value as indented JSON, one trailing newline. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** The help of `churn migrate`. */
export const migrateUsage = `Usage: churn migrate [--database-url URL | --data-dir DIR] [--schema NAME]

Applies the pending database migrations and exits. The server also migrates when
it starts; run this first when several instances start together, or to check a
database. Prints {"applied": [...]} (empty when already up to date).

${storageOptionsUsage}
  -h, --help           Show this help.
`;

/** `churn migrate`: applies pending migrations. */
export async function runMigrate(argv: string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseCommandArguments(
      argv,
      { ...storageOptions, help: { type: 'boolean', short: 'h' } },
      'churn migrate',
    );
    if (values.help) {
      io.stdout(migrateUsage);
      return exitCodes.ok;
    }
    if (positionals.length > 0) {
      throw new UsageError(
        `Unexpected argument "${positionals[0]}". Run \`churn migrate --help\`.`,
      );
    }
    const report = await migrate(storageSettingsOf(values));
    printJson(io, report);
    return exitCodes.ok;
  } catch (error) {
    return reportCommandError(error, io, 'churn migrate');
  }
}

/** The `churn migrate` command. */
export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'Apply pending database migrations (DATABASE_URL or the embedded data folder).',
  run: runMigrate,
};
