import { runRetention } from '@churn/server';
import { type CliIo, exitCodes, UsageError } from '../cli-io.js';
import type { CliCommand } from '../run-cli.js';
import {
  parseCommandArguments,
  printJson,
  reportCommandError,
  storageOptions,
  storageOptionsUsage,
  withStorage,
} from './migrate.js';

/** The help of `churn retention`. */
export const retentionUsage = `Usage: churn retention run [--dry-run] [--tenant TENANT_ID] [storage options]

Deletes what each tenant's retention policy says has expired (defaults: conversations
90 days after their last activity while open, 1 year once closed; analytics 2 years;
feedback 1 year; A/B tests 6 months after they ended; the finished integration
delivery log 30 days). Messages, retrievals and escalations go with their
conversation. Prints what was deleted, per table and per tenant, as JSON. The server
runs the same job every hour; one instance at a time holds the lock, and a run that
finds it taken prints "ran": false and deletes nothing.

Options:
  --dry-run            Count what would be deleted; delete nothing.
  --tenant ID          One tenant only.
${storageOptionsUsage}
  -h, --help           Show this help.
`;

/** `churn retention run`: applies the retention policies now. */
export async function runRetentionCommand(argv: string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseCommandArguments(
      argv,
      {
        ...storageOptions,
        'dry-run': { type: 'boolean' },
        tenant: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      'churn retention',
    );
    if (values.help || positionals.length === 0) {
      io.stdout(retentionUsage);
      return exitCodes.ok;
    }
    if (positionals[0] !== 'run' || positionals.length > 1) {
      throw new UsageError(
        `Unknown subcommand "${positionals.join(' ')}": the subcommand is \`churn retention run\`.`,
      );
    }
    const report = await withStorage(values, (storage) =>
      runRetention(storage.db, {
        dryRun: values['dry-run'] ?? false,
        ...(values.tenant === undefined ? {} : { tenantId: values.tenant }),
      }),
    );
    printJson(io, {
      ran: report.ran,
      dryRun: report.dryRun,
      now: report.now.toISOString(),
      total: report.total,
      tenants: report.tenants.map((tenant) => ({
        tenantId: tenant.tenantId,
        deleted: tenant.deleted,
        policy: tenant.policy,
      })),
    });
    return report.ran ? exitCodes.ok : exitCodes.failed;
  } catch (error) {
    return reportCommandError(error, io, 'churn retention');
  }
}

/** `churn retention`. */
export const retentionCommand: CliCommand = {
  name: 'retention',
  summary: 'Apply the retention policies now (run [--dry-run] [--tenant ID]).',
  run: runRetentionCommand,
};
