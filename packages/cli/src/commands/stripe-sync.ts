import type { PaymentProviderV1 } from '@churn/core';
import { syncAtRiskCustomers } from '@churn/server';
import { type CliIo, exitCodes, UsageError } from '../cli-io.js';
import type { CliCommand } from '../run-cli.js';
import { encryptionKeyUsageText, withEncryptedStorage } from './cli-encryption.js';
import {
  parseCommandArguments,
  printJson,
  reportCommandError,
  storageOptions,
  storageOptionsUsage,
} from './migrate.js';

/** The help of `churn stripe`. */
export const stripeUsage = `Usage: churn stripe sync [--tenant ID] [--expiring-within DAYS] [storage options]

Fills a tenant's at-risk customers from Stripe: customers with an open invoice whose
payment failed, and customers whose card expires within DAYS (default 30; expired cards
count). Creates or updates their Customer and PaymentMethod rows (brand, last four and
expiry only) with the risk category and severity, and starts the recovery sessions the
tenant's intervention rules ask for. Prints a JSON report.

Stripe comes from the environment: STRIPE_SECRET_KEY (sk_test_... / sk_live_... / rk_...),
STRIPE_WEBHOOK_SECRET (optional here), STRIPE_API_BASE (optional, like
http://127.0.0.1:12111 for stripe-mock).

Options:
  --tenant ID             The tenant to fill (optional when the database holds one tenant).
  --expiring-within DAYS  Cards expiring within this many days count as at risk (default 30).
${storageOptionsUsage}
  -h, --help              Show this help.

${encryptionKeyUsageText}
`;

async function stripeFromEnvironment(): Promise<PaymentProviderV1> {
  const secretKey = process.env.STRIPE_SECRET_KEY;
  if (!secretKey) {
    throw new UsageError(
      'STRIPE_SECRET_KEY is not set: export your Stripe secret key (a test-mode key, sk_test_..., to try it).',
    );
  }
  const base = process.env.STRIPE_API_BASE;
  let apiBase: { host: string; port: number; protocol: 'http' | 'https' } | undefined;
  if (base) {
    const url = new URL(base);
    apiBase = {
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'http:' ? 80 : 443)),
      protocol: url.protocol === 'http:' ? 'http' : 'https',
    };
  }
  const { createStripePaymentProvider } = await import('@churn/core/stripe');
  return createStripePaymentProvider({
    secretKey,
    webhookSecret: process.env.STRIPE_WEBHOOK_SECRET || 'whsec_unused_by_the_sync',
    ...(apiBase ? { apiBase } : {}),
  });
}

/** `churn stripe sync`: fills at-risk customers from Stripe. */
export async function runStripeCommand(argv: string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseCommandArguments(
      argv,
      {
        ...storageOptions,
        tenant: { type: 'string' },
        'expiring-within': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      'churn stripe',
    );
    if (values.help || positionals.length === 0) {
      io.stdout(stripeUsage);
      return exitCodes.ok;
    }
    if (positionals[0] !== 'sync' || positionals.length > 1) {
      throw new UsageError(
        `Unknown subcommand "${positionals.join(' ')}": the subcommand is \`churn stripe sync\`.`,
      );
    }
    const daysText = values['expiring-within'];
    if (daysText !== undefined && !/^\d{1,3}$/.test(daysText.trim())) {
      throw new UsageError(
        `--expiring-within must be a whole number of days (0 to 999), got "${daysText}".`,
      );
    }
    const provider = await stripeFromEnvironment();
    const report = await withEncryptedStorage(values, async (storage) => {
      let tenantId = values.tenant;
      if (tenantId === undefined) {
        const tenants = await storage.tenants.list({ limit: 2 });
        if (tenants.length !== 1) {
          throw new UsageError(
            tenants.length === 0
              ? 'The database holds no tenant: create one with `churn tenants create` first.'
              : 'The database holds several tenants: name one with --tenant ID.',
          );
        }
        tenantId = tenants[0]!.id;
      } else if (!(await storage.tenants.get({ tenantId }))) {
        throw new UsageError(`No tenant "${tenantId}": list them with \`churn tenants list\`.`);
      }
      return syncAtRiskCustomers(storage, provider, {
        tenantId,
        ...(daysText === undefined ? {} : { expiringWithinDays: Number(daysText) }),
      });
    });
    printJson(io, report);
    return exitCodes.ok;
  } catch (error) {
    return reportCommandError(error, io, 'churn stripe');
  }
}

/** The `churn stripe` command. */
export const stripeCommand: CliCommand = {
  name: 'stripe',
  summary: 'Fill at-risk customers from Stripe (sync).',
  run: runStripeCommand,
};
