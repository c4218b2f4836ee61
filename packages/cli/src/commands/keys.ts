import { ValidationError } from '@churn/core';
import {
  createApiKey,
  getTenant,
  listApiKeys,
  maxGracePeriodSeconds,
  revokeApiKey,
  rotateApiKey,
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
import { rotateEncryptionCommand } from './rotate-encryption.js';

/** The help of `churn keys`. */
export const keysUsage = `Usage: churn keys <create|list|revoke|rotate> --tenant TENANT_ID [options]
       churn keys rotate-encryption [--new-key] [options]

Manages a tenant's API keys directly in the database. Keys are stored as SHA-256
hashes with a visible prefix (sk_live_4f2a...): a key is printed once, when it is
created or rotated, and can never be read again.

  churn keys create --tenant ID --scope secret|publishable [--name NAME]
      secret keys (sk_live_...) stay on servers; publishable keys (pk_live_...)
      go in the widget.
  churn keys list --tenant ID [--include-revoked]
  churn keys revoke --tenant ID KEY_ID
  churn keys rotate --tenant ID KEY_ID [--grace-period SECONDS]
      A new key of the same scope; the old one is revoked now, or after the
      grace period (at most ${maxGracePeriodSeconds} seconds, 7 days).
  churn keys rotate-encryption [--new-key]
      Re-encrypts every encrypted value (identity secrets, integration webhook URLs
      and signing secrets) under the newest encryption key, and encrypts any value
      still in plaintext. Put the new key first in CHURN_ENCRYPTION_KEY ("new,old")
      and run it; or, with the key file, --new-key generates the key, re-encrypts
      and leaves only the new key in the file. Prints what it did as JSON, with
      "remaining" (values not under the new key: 0 when done). See
      docs/operations.md, "Encryption at rest".

${storageOptionsUsage}

${encryptionKeyUsageText}
  -h, --help           Show this help (also after a subcommand).
`;

const keyOptions = {
  ...storageOptions,
  help: { type: 'boolean', short: 'h' },
  tenant: { type: 'string' },
  scope: { type: 'string' },
  name: { type: 'string' },
  'include-revoked': { type: 'boolean' },
  'grace-period': { type: 'string' },
  'new-key': { type: 'boolean' },
} as const;

/** `churn keys ...`: create, list, revoke or rotate a tenant's API keys. */
export async function runKeys(argv: string[], io: CliIo): Promise<number> {
  const [subcommand, ...rest] = argv;
  const command = `churn keys${subcommand && !subcommand.startsWith('-') ? ` ${subcommand}` : ''}`;
  try {
    if (!subcommand || subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
      io.stdout(keysUsage);
      return exitCodes.ok;
    }
    const { values, positionals } = parseCommandArguments(rest, keyOptions, command);
    if (values.help) {
      io.stdout(keysUsage);
      return exitCodes.ok;
    }
    if (subcommand === 'rotate-encryption') {
      return await rotateEncryptionCommand(values, positionals, io);
    }
    if (values['new-key']) {
      throw new UsageError('--new-key belongs to `churn keys rotate-encryption`.');
    }
    if (!['create', 'list', 'revoke', 'rotate'].includes(subcommand)) {
      throw new UsageError(
        `Unknown subcommand "${subcommand}": use create, list, revoke, rotate or rotate-encryption. Run \`churn keys --help\`.`,
      );
    }
    const tenantId = values.tenant;
    if (!tenantId) {
      throw new UsageError(`Missing --tenant TENANT_ID (see \`churn tenants list\`).`);
    }
    const keyId = () => {
      if (positionals.length !== 1) {
        throw new UsageError(`${command} needs exactly one KEY_ID (see \`churn keys list\`).`);
      }
      return positionals[0]!;
    };
    if (subcommand === 'create') {
      const scope = values.scope;
      if (scope !== 'secret' && scope !== 'publishable') {
        throw new ValidationError('API key', [
          {
            path: ['scope'],
            message: 'must be "secret" (servers) or "publishable" (the widget): pass --scope',
          },
        ]);
      }
      const created = await withEncryptedStorage(values, async (storage) => {
        await getTenant(storage, tenantId);
        return createApiKey(storage, { tenantId, scope, name: values.name });
      });
      printJson(io, created);
      io.stderr('Store the key now: it is not shown again.\n');
      return exitCodes.ok;
    }
    if (subcommand === 'list') {
      const apiKeys = await withEncryptedStorage(values, async (storage) => {
        await getTenant(storage, tenantId);
        return listApiKeys(storage, {
          tenantId,
          includeRevoked: values['include-revoked'] === true,
        });
      });
      printJson(io, { apiKeys });
      return exitCodes.ok;
    }
    if (subcommand === 'revoke') {
      const id = keyId();
      const apiKey = await withEncryptedStorage(values, (storage) =>
        revokeApiKey(storage, { tenantId, id }),
      );
      printJson(io, { apiKey });
      return exitCodes.ok;
    }
    const id = keyId();
    const grace = values['grace-period'];
    let gracePeriodSeconds = 0;
    if (grace !== undefined) {
      gracePeriodSeconds = Number(grace);
      if (!/^\d+$/.test(grace.trim()) || gracePeriodSeconds > maxGracePeriodSeconds) {
        throw new UsageError(
          `--grace-period must be a whole number of seconds from 0 to ${maxGracePeriodSeconds}, got "${grace}".`,
        );
      }
    }
    const rotated = await withEncryptedStorage(values, (storage) =>
      rotateApiKey(storage, { tenantId, id, gracePeriodSeconds }),
    );
    printJson(io, rotated);
    io.stderr('Store the new key now: it is not shown again.\n');
    return exitCodes.ok;
  } catch (error) {
    return reportCommandError(error, io, command);
  }
}

/** The `churn keys` command. */
export const keysCommand: CliCommand = {
  name: 'keys',
  summary: "Create, list, revoke and rotate a tenant's API keys; rotate the encryption key.",
  run: runKeys,
};
