import { ChurnError } from '@churn/core';
import type { Kysely } from 'kysely';
import { resolveFieldEncryptor } from '../encryption/encryption-key.js';
import type { FieldEncryptor } from '../encryption/field-encryptor.js';
import type { EscalationNotifier } from '../escalations/escalation-notifier.js';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import type { Route } from '../http/router.js';
import { createIntervalJob, type IntervalJob } from '../outbox/interval-job.js';
import { retentionRoutes } from '../retention/retention-routes.js';
import { runRetention } from '../retention/run-retention.js';
import type { Database } from '../storage/database.js';
import { integrationRoutes } from './integration-routes.js';
import { IntegrationsRuntime, type IntegrationsSettings } from './integrations-runtime.js';

/** Settings of integrations, the outbox worker, retention and encryption at rest. */
export interface OperationsSettings {
  /**
   * AES-256 key(s) for sensitive columns: 32 bytes in base64, several separated by commas,
   * the newest first. Default env `CHURN_ENCRYPTION_KEY`, else one generated in
   * `<dataDir>/encryption-key`.
   */
  encryptionKey?: string;
  /** Receivers, timeouts, SSRF guard, retries. */
  integrations?: IntegrationsSettings;
  /** Run the outbox worker and the retention job in this process. Default true. */
  workers?: boolean;
  /** How often the outbox worker looks for due deliveries. Default 5 s (and at once when something is queued). */
  outboxIntervalMs?: number;
  /** How often the retention job runs. Default one hour. */
  retentionIntervalMs?: number;
  /** The clock (tests inject one). */
  now?: () => Date;
}

/** What the routes and jobs share, opened once per handler. */
export interface Operations {
  db: Kysely<Database>;
  encryptor: FieldEncryptor;
  integrations: IntegrationsRuntime;
  now: () => Date;
}

interface OperationsEntry {
  settings: OperationsSettings;
  encryptor?: Promise<FieldEncryptor>;
  opened?: Promise<Operations>;
  outbox?: IntervalJob;
}

const entries = new WeakMap<ChurnHandlerState, OperationsEntry>();

function entryOf(state: ChurnHandlerState): OperationsEntry {
  let entry = entries.get(state);
  if (!entry) {
    entry = { settings: {} };
    entries.set(state, entry);
  }
  return entry;
}

/**
 * The field encryptor of a handler (encryption at rest), resolved once from
 * `operations.encryptionKey`, `CHURN_ENCRYPTION_KEY` or `<dataDir>/encryption-key`.
 */
export function encryptorOf(state: ChurnHandlerState): Promise<FieldEncryptor> {
  const entry = entryOf(state);
  entry.encryptor ??= resolveFieldEncryptor({
    key: entry.settings.encryptionKey ?? process.env.CHURN_ENCRYPTION_KEY,
    dataDir: state.dataDir,
  });
  entry.encryptor.catch(() => {
    entry.encryptor = undefined;
  });
  return entry.encryptor;
}

/**
 * The operations of a handler (integrations, encryption), opened on first use over the
 * handler's storage, which must be the server's PostgreSQL or PGlite storage.
 */
export function operationsOf(state: ChurnHandlerState): Promise<Operations> {
  const entry = entryOf(state);
  entry.opened ??= (async () => {
    const { storage } = await state.services.load();
    const db = (storage as { db?: Kysely<Database> }).db;
    if (!db) {
      throw new ChurnError(
        'configuration',
        'Integrations and retention need the server storage (createStorage): a custom StorageV1 has no SQL access.',
      );
    }
    const encryptor = await encryptorOf(state);
    const now = entry.settings.now ?? (() => new Date());
    const integrations = new IntegrationsRuntime({
      db,
      storage,
      encryptor,
      now,
      logger: state.logger,
      ...(entry.settings.integrations ? { settings: entry.settings.integrations } : {}),
    });
    integrations.onQueued = () => entry.outbox?.wake();
    return { db, encryptor, integrations, now };
  })();
  entry.opened.catch(() => {
    entry.opened = undefined;
  });
  return entry.opened;
}

/**
 * Wires integrations, retention and encryption into a handler: sets the escalation notifier
 * on the state (`onEscalation`), and starts the outbox worker and the retention job (they
 * only work once the storage is open, and never open it themselves). Answers `close`, which
 * stops both and waits for a run in progress.
 */
export function startOperations(
  state: ChurnHandlerState,
  settings: OperationsSettings = {},
): { close(): Promise<void> } {
  const entry = entryOf(state);
  entry.settings = settings;
  const notifier: EscalationNotifier = {
    notify: async (escalation, conversation) =>
      (await operationsOf(state)).integrations.notify(escalation, conversation),
  };
  (state as ChurnHandlerState & { onEscalation?: EscalationNotifier }).onEscalation = notifier;
  if (settings.workers === false) return { close: async () => {} };
  const outbox = createIntervalJob({
    name: 'integration outbox',
    intervalMs: settings.outboxIntervalMs ?? 5_000,
    logger: state.logger,
    run: async () => {
      if (!state.services.ready) return;
      await (await operationsOf(state)).integrations.runOnce();
    },
  });
  const retention = createIntervalJob({
    name: 'retention',
    intervalMs: settings.retentionIntervalMs ?? 3_600_000,
    logger: state.logger,
    run: async () => {
      if (!state.services.ready) return;
      const operations = await operationsOf(state);
      await runRetention(operations.db, { now: operations.now() });
    },
  });
  entry.outbox = outbox;
  outbox.start();
  retention.start();
  return {
    async close() {
      await Promise.all([outbox.stop(), retention.stop()]);
    },
  };
}

/** The admin routes of integrations (`/api/integrations...`) and retention (`/api/retention`). */
export function operationsRoutes(): Route<ChurnHandlerState>[] {
  return [...integrationRoutes(), ...retentionRoutes()];
}
