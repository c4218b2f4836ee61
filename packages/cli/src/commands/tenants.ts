import {
  type CreateTenantInput,
  createTenant,
  deleteTenant,
  listTenants,
  parseCreateTenantInput,
  parseUpdateTenantInput,
  updateTenant,
} from '@churn/server';
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

/** The help of `churn tenants`. */
export const tenantsUsage = `Usage: churn tenants <create|list|update|delete> [options]

Manages tenants directly in the database (no server or platform key needed).

  churn tenants create --name NAME [--id ID] [--quota N] [--allowed-origin ORIGIN]...
                       [--branding JSON] [--admin-email EMAIL --admin-name NAME]
      Creates a tenant with a secret key, a publishable key and an identity secret,
      printed once as JSON: store them now. With --admin-email, also its first
      admin user; the password comes from $CHURN_ADMIN_PASSWORD (never a flag, so
      it stays out of shell history), or the user signs in by SSO later.
  churn tenants list [--limit N] [--offset N]
  churn tenants update TENANT_ID [--name NAME] [--quota N] [--allowed-origin ORIGIN]...
                       [--no-allowed-origins] [--branding JSON|null]
      --allowed-origin replaces the whole list; --no-allowed-origins empties it.
  churn tenants delete TENANT_ID --yes
      Deletes the tenant and everything it owns (keys, users, customers,
      conversations, documents). There is no undo: --yes confirms.

${storageOptionsUsage}
  -h, --help           Show this help (also after a subcommand).

${encryptionKeyUsageText}
`;

const tenantOptions = {
  ...storageOptions,
  help: { type: 'boolean', short: 'h' },
  name: { type: 'string' },
  id: { type: 'string' },
  quota: { type: 'string' },
  'allowed-origin': { type: 'string', multiple: true },
  'no-allowed-origins': { type: 'boolean' },
  branding: { type: 'string' },
  'admin-email': { type: 'string' },
  'admin-name': { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  yes: { type: 'boolean' },
} as const;

function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) {
    throw new UsageError(`${flag} must be a whole number, 0 or more, got "${value}".`);
  }
  return Number(value);
}

function jsonOption(value: string | undefined, flag: string): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw new UsageError(
      `${flag} must be JSON, like ${flag} '{"primaryColor":"#635bff","greeting":"Hi!"}'.`,
    );
  }
}

function onlyOne(positionals: string[], what: string, command: string): string {
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? `Missing ${what}. Run \`${command} --help\`.`
        : `Expected one ${what}, got ${positionals.length}. Run \`${command} --help\`.`,
    );
  }
  return positionals[0]!;
}

/** `churn tenants ...`: create, list, update or delete tenants. */
export async function runTenants(argv: string[], io: CliIo): Promise<number> {
  const [subcommand, ...rest] = argv;
  const command = `churn tenants${subcommand && !subcommand.startsWith('-') ? ` ${subcommand}` : ''}`;
  try {
    if (!subcommand || subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
      io.stdout(tenantsUsage);
      return exitCodes.ok;
    }
    const { values, positionals } = parseCommandArguments(rest, tenantOptions, command);
    if (values.help) {
      io.stdout(tenantsUsage);
      return exitCodes.ok;
    }
    switch (subcommand) {
      case 'create': {
        if (positionals.length > 0) {
          throw new UsageError(
            `Unexpected argument "${positionals[0]}": give the name with --name.`,
          );
        }
        const password = process.env.CHURN_ADMIN_PASSWORD || undefined;
        const admin =
          values['admin-email'] === undefined
            ? undefined
            : {
                email: values['admin-email'],
                name: values['admin-name'] ?? values['admin-email'],
                ...(password ? { password } : {}),
              };
        const input: CreateTenantInput = parseCreateTenantInput({
          name: values.name,
          ...(values.id === undefined ? {} : { id: values.id }),
          ...(values.quota === undefined
            ? {}
            : { usageQuota: wholeNumber(values.quota, '--quota') }),
          ...(values['allowed-origin'] ? { allowedOrigins: values['allowed-origin'] } : {}),
          ...(values.branding === undefined
            ? {}
            : { customBranding: jsonOption(values.branding, '--branding') }),
          ...(admin ? { admin } : {}),
        });
        // The identity secret is stored encrypted with the server's key, never in plaintext.
        const created = await withEncryptedStorage(values, (storage) =>
          createTenant(storage, input),
        );
        printJson(io, created);
        io.stderr(
          'Store the secret key, the publishable key and the identity secret now: they are not shown again.\n',
        );
        return exitCodes.ok;
      }
      case 'list': {
        const page = {
          ...(values.limit === undefined ? {} : { limit: wholeNumber(values.limit, '--limit') }),
          ...(values.offset === undefined
            ? {}
            : { offset: wholeNumber(values.offset, '--offset') }),
        };
        printJson(io, {
          tenants: await withEncryptedStorage(values, (storage) => listTenants(storage, page)),
        });
        return exitCodes.ok;
      }
      case 'update': {
        const tenantId = onlyOne(positionals, 'TENANT_ID', command);
        if (values['no-allowed-origins'] && values['allowed-origin']) {
          throw new UsageError('Use --allowed-origin or --no-allowed-origins, not both.');
        }
        const changes = parseUpdateTenantInput({
          ...(values.name === undefined ? {} : { name: values.name }),
          ...(values.quota === undefined
            ? {}
            : { usageQuota: wholeNumber(values.quota, '--quota') }),
          ...(values['allowed-origin'] ? { allowedOrigins: values['allowed-origin'] } : {}),
          ...(values['no-allowed-origins'] ? { allowedOrigins: [] } : {}),
          ...(values.branding === undefined
            ? {}
            : { customBranding: jsonOption(values.branding, '--branding') }),
        });
        const tenant = await withEncryptedStorage(values, (storage) =>
          updateTenant(storage, tenantId, changes),
        );
        printJson(io, { tenant });
        return exitCodes.ok;
      }
      case 'delete': {
        const tenantId = onlyOne(positionals, 'TENANT_ID', command);
        if (!values.yes) {
          throw new UsageError(
            `Deleting tenant "${tenantId}" deletes everything it owns and cannot be undone: add --yes to confirm.`,
          );
        }
        const deleted = await withEncryptedStorage(values, (storage) =>
          deleteTenant(storage, tenantId),
        );
        if (!deleted)
          throw new UsageError(`No tenant "${tenantId}": check the id (churn tenants list).`);
        printJson(io, { deleted: true, tenantId });
        return exitCodes.ok;
      }
      default:
        throw new UsageError(
          `Unknown subcommand "${subcommand}": use create, list, update or delete. Run \`churn tenants --help\`.`,
        );
    }
  } catch (error) {
    return reportCommandError(error, io, command);
  }
}

/** The `churn tenants` command. */
export const tenantsCommand: CliCommand = {
  name: 'tenants',
  summary: 'Create, list, update and delete tenants (keys and identity secret shown once).',
  run: runTenants,
};
