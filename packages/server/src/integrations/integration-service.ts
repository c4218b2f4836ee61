import { randomUUID } from 'node:crypto';
import { ChurnError, ValidationError } from '@churn/core';
import { type Kysely, type Selectable, sql } from 'kysely';
import { z } from 'zod';
import type { FieldEncryptor } from '../encryption/field-encryptor.js';
import { HttpError } from '../http/http-error.js';
import { type OperationsDatabase, operationsDb } from '../outbox/outbox-tables.js';
import type { Database } from '../storage/database.js';
import { mapStorageError } from '../storage/map-storage-error.js';
import { assertPublicUrl, type OutboundSettings, PrivateAddressError } from './outbound-request.js';
import { generateSigningSecret } from './webhook-signature.js';

/** Default attempts of a delivery before it is dead-lettered. */
export const defaultMaxAttempts = 8;

const platforms = ['slack', 'discord', 'webhook'] as const;

/** An integration's platform. */
export type IntegrationPlatformName = (typeof platforms)[number];

/** The settings kept in `config` (nothing secret: secrets have their own encrypted columns). */
export const IntegrationConfigSchema = z
  .object({
    /** Attempts before a delivery is dead-lettered, 1 to 20. Default 8. */
    maxAttempts: z.number().int().min(1).max(20).optional(),
    /** The console's address, for the link in messages (overrides the server's setting). */
    consoleUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(500)
      .optional(),
  })
  .strict();

/** An integration's settings. */
export type IntegrationConfig = z.output<typeof IntegrationConfigSchema>;

const WebhookUrlInputSchema = z
  .url({ protocol: /^https?$/, error: 'must be an https URL like https://hooks.example.com/churn' })
  .max(500, { error: 'must be at most 500 characters' });

/** The body of `POST /api/integrations`. */
export const CreateIntegrationSchema = z
  .object({
    platform: z.enum(platforms, { error: 'must be one of: slack, discord, webhook' }),
    name: z.string().trim().min(1).max(100).optional(),
    webhookUrl: WebhookUrlInputSchema,
    enabled: z.boolean().optional(),
    config: IntegrationConfigSchema.optional(),
  })
  .strict();

/** The body of `PATCH /api/integrations/:id`. */
export const UpdateIntegrationSchema = z
  .object({
    name: z.string().trim().min(1).max(100).nullable().optional(),
    webhookUrl: WebhookUrlInputSchema.optional(),
    enabled: z.boolean().optional(),
    config: IntegrationConfigSchema.optional(),
    /** `true`: a new signing secret (generic webhooks), answered once. */
    rotateSigningSecret: z.literal(true).optional(),
  })
  .strict();

/** An integration as the admin API shows it: no URL token, no secret. */
export interface IntegrationView {
  id: string;
  platform: IntegrationPlatformName;
  name?: string;
  enabled: boolean;
  /** Scheme and host of the webhook URL only (the path of Slack and Discord URLs is a token). */
  webhookUrlPreview: string;
  hasSigningSecret: boolean;
  config: IntegrationConfig;
  createdAt: Date;
  updatedAt: Date;
}

/** An integration with its secrets decrypted: server side only, never answered. */
export interface DecryptedIntegration extends IntegrationView {
  tenantId: string;
  webhookUrl: string;
  signingSecret?: string;
}

/** What creating an integration (or rotating its secret) answers: the signing secret, once. */
export interface IntegrationWithSecret {
  integration: IntegrationView;
  /** Generic webhooks only, shown once: receivers verify `churn-signature` with it. */
  signingSecret?: string;
}

type IntegrationRow = Selectable<OperationsDatabase['integrations']>;

/** The associated data that binds an encrypted column value to its row. */
export function encryptionContext(column: 'webhook_url' | 'signing_secret', id: string): string {
  return `integrations.${column}:${id}`;
}

function preview(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}/…`;
  } catch {
    return '…';
  }
}

function toDecrypted(row: IntegrationRow, encryptor: FieldEncryptor): DecryptedIntegration {
  const webhookUrl = row.webhook_url
    ? encryptor.decrypt(row.webhook_url, encryptionContext('webhook_url', row.id))
    : '';
  const signingSecret = row.signing_secret
    ? encryptor.decrypt(row.signing_secret, encryptionContext('signing_secret', row.id))
    : undefined;
  const parsed = IntegrationConfigSchema.safeParse(row.config);
  return {
    id: row.id,
    tenantId: row.tenant_id,
    platform: row.platform as IntegrationPlatformName,
    ...(row.name === null ? {} : { name: row.name }),
    enabled: row.enabled,
    webhookUrlPreview: preview(webhookUrl),
    hasSigningSecret: row.signing_secret !== null,
    config: parsed.success ? parsed.data : {},
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    webhookUrl,
    ...(signingSecret === undefined ? {} : { signingSecret }),
  };
}

/** The view of an integration: what may leave the server. */
export function integrationView(integration: DecryptedIntegration): IntegrationView {
  const { tenantId: _tenant, webhookUrl: _url, signingSecret: _secret, ...view } = integration;
  return view;
}

async function checkReceiverUrl(url: string, outbound: OutboundSettings): Promise<void> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && !outbound.allowPrivateNetwork) {
    throw new ValidationError('integration', [
      {
        path: ['webhookUrl'],
        message: 'must be an https URL (http is accepted only with allowPrivateNetwork)',
      },
    ]);
  }
  try {
    await assertPublicUrl(parsed, outbound);
  } catch (error) {
    if (error instanceof PrivateAddressError) {
      throw new ValidationError('integration', [{ path: ['webhookUrl'], message: error.message }]);
    }
    if (ChurnError.isInstance(error)) {
      throw new ValidationError('integration', [
        { path: ['webhookUrl'], message: `${error.message}` },
      ]);
    }
    throw error;
  }
}

async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (ChurnError.isInstance(error)) throw error;
    throw mapStorageError(error);
  }
}

function notFound(id: string): HttpError {
  return new HttpError(
    404,
    'not_found',
    `No integration "${id}" in this tenant: list them with GET /api/integrations.`,
  );
}

/** Integrations of tenants, with their secret columns encrypted at rest. */
export class IntegrationService {
  readonly #db: Kysely<OperationsDatabase>;
  readonly #encryptor: FieldEncryptor;
  readonly #outbound: OutboundSettings;

  constructor(settings: {
    db: Kysely<Database>;
    encryptor: FieldEncryptor;
    outbound: OutboundSettings;
  }) {
    this.#db = operationsDb(settings.db);
    this.#encryptor = settings.encryptor;
    this.#outbound = settings.outbound;
  }

  /** Creates an integration; a generic webhook gets a signing secret, answered once. */
  async create(
    tenantId: string,
    input: z.output<typeof CreateIntegrationSchema>,
  ): Promise<IntegrationWithSecret> {
    await checkReceiverUrl(input.webhookUrl, this.#outbound);
    const id = `int_${randomUUID()}`;
    const signingSecret = input.platform === 'webhook' ? generateSigningSecret() : undefined;
    const row = await guarded(() =>
      this.#db
        .insertInto('integrations')
        .values({
          id,
          tenant_id: tenantId,
          platform: input.platform,
          name: input.name ?? null,
          config: JSON.stringify(input.config ?? {}),
          webhook_url: this.#encryptor.encrypt(
            input.webhookUrl,
            encryptionContext('webhook_url', id),
          ),
          signing_secret:
            signingSecret === undefined
              ? null
              : this.#encryptor.encrypt(signingSecret, encryptionContext('signing_secret', id)),
          enabled: input.enabled ?? true,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return {
      integration: integrationView(toDecrypted(row, this.#encryptor)),
      ...(signingSecret === undefined ? {} : { signingSecret }),
    };
  }

  /** One integration with its secrets, or `undefined`. */
  async find(tenantId: string, id: string): Promise<DecryptedIntegration | undefined> {
    const row = await guarded(() =>
      this.#db
        .selectFrom('integrations')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return row ? toDecrypted(row, this.#encryptor) : undefined;
  }

  /** One integration with its secrets. @throws HttpError 404. */
  async get(tenantId: string, id: string): Promise<DecryptedIntegration> {
    const found = await this.find(tenantId, id);
    if (!found) throw notFound(id);
    return found;
  }

  /** A tenant's integrations, oldest first. */
  async list(
    tenantId: string,
    options: { enabledOnly?: boolean; limit?: number; offset?: number } = {},
  ): Promise<DecryptedIntegration[]> {
    let query = this.#db.selectFrom('integrations').selectAll().where('tenant_id', '=', tenantId);
    if (options.enabledOnly) query = query.where('enabled', '=', true);
    const rows = await guarded(() =>
      query
        .orderBy('created_at')
        .orderBy('id')
        .limit(options.limit ?? 100)
        .offset(options.offset ?? 0)
        .execute(),
    );
    return rows.map((row) => toDecrypted(row, this.#encryptor));
  }

  /** Changes an integration. @throws HttpError 404. */
  async update(
    tenantId: string,
    id: string,
    changes: z.output<typeof UpdateIntegrationSchema>,
  ): Promise<IntegrationWithSecret> {
    const existing = await this.get(tenantId, id);
    if (changes.webhookUrl !== undefined)
      await checkReceiverUrl(changes.webhookUrl, this.#outbound);
    if (changes.rotateSigningSecret && existing.platform !== 'webhook') {
      throw new ValidationError('integration changes', [
        { path: ['rotateSigningSecret'], message: 'only generic webhooks have a signing secret' },
      ]);
    }
    const signingSecret = changes.rotateSigningSecret ? generateSigningSecret() : undefined;
    const row = await guarded(() =>
      this.#db
        .updateTable('integrations')
        .set({
          ...(changes.name === undefined ? {} : { name: changes.name }),
          ...(changes.enabled === undefined ? {} : { enabled: changes.enabled }),
          ...(changes.config === undefined ? {} : { config: JSON.stringify(changes.config) }),
          ...(changes.webhookUrl === undefined
            ? {}
            : {
                webhook_url: this.#encryptor.encrypt(
                  changes.webhookUrl,
                  encryptionContext('webhook_url', id),
                ),
              }),
          ...(signingSecret === undefined
            ? {}
            : {
                signing_secret: this.#encryptor.encrypt(
                  signingSecret,
                  encryptionContext('signing_secret', id),
                ),
              }),
          updated_at: sql<Date>`now()`,
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst(),
    );
    if (!row) throw notFound(id);
    return {
      integration: integrationView(toDecrypted(row, this.#encryptor)),
      ...(signingSecret === undefined ? {} : { signingSecret }),
    };
  }

  /** Deletes an integration and its delivery log. @throws HttpError 404. */
  async delete(tenantId: string, id: string): Promise<void> {
    const result = await guarded(() =>
      this.#db
        .deleteFrom('integrations')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    if (Number(result.numDeletedRows) === 0) throw notFound(id);
  }
}
