import type { ConversationRecord, EscalationRecord, StorageV1 } from '@churn/core';
import { ChurnError } from '@churn/core';
import type { Kysely } from 'kysely';
import type { FieldEncryptor } from '../encryption/field-encryptor.js';
import type { EscalationNotifier } from '../escalations/escalation-notifier.js';
import type { ChurnLogger } from '../http/error-to-response.js';
import { type BackoffSettings, retryDelay } from '../outbox/backoff.js';
import {
  type ClaimedDelivery,
  claimDueDeliveries,
  type DeliveryRecord,
  deliveryView,
  enqueueDelivery,
  getDelivery,
  markDelivered,
  markFailed,
  queueMissedEscalations,
} from '../outbox/delivery-outbox.js';
import type { Database } from '../storage/database.js';
import {
  buildReceiverRequest,
  type DeliveryEvent,
  type EscalationSummary,
  ticketIdFrom,
} from './integration-messages.js';
import {
  type DecryptedIntegration,
  defaultMaxAttempts,
  IntegrationService,
} from './integration-service.js';
import {
  type OutboundSettings,
  PrivateAddressError,
  sendOutboundRequest,
} from './outbound-request.js';

/** Settings of integrations and their outbox. */
export interface IntegrationsSettings extends OutboundSettings, BackoffSettings {
  /** The console's address, for links in messages (an integration's `config.consoleUrl` wins). Default env `CHURN_CONSOLE_URL`. */
  consoleUrl?: string;
  /** Deliveries attempted per worker run. Default 20. */
  batchSize?: number;
  /** How long a claimed delivery stays with its worker before another may take it over. Default 60 s. */
  leaseMs?: number;
  /** Pending escalations younger than this with no delivery are queued by the worker. Default one day. */
  sweepWindowMs?: number;
}

/** What one outbox run did. */
export interface OutboxRunReport {
  queued: number;
  attempted: number;
  delivered: number;
  retrying: number;
  dead: number;
}

/** The outbox outcome of one attempt. */
type AttemptOutcome = 'delivered' | 'pending' | 'dead';

function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && ![408, 409, 425, 429].includes(status);
}

function safeMessage(error: unknown): string {
  if (ChurnError.isInstance(error)) return error.message;
  return 'The request failed.';
}

/**
 * Integrations at work: the service (CRUD, encrypted), the notifier that queues
 * escalations in the outbox, and the outbox run that delivers them with retries.
 */
export class IntegrationsRuntime {
  readonly service: IntegrationService;
  readonly #db: Kysely<Database>;
  readonly #storage: StorageV1;
  readonly #settings: IntegrationsSettings;
  readonly #now: () => Date;
  readonly #logger: ChurnLogger;
  /** Called after something was queued (the worker runs at once). */
  onQueued: () => void = () => {};

  constructor(options: {
    db: Kysely<Database>;
    storage: StorageV1;
    encryptor: FieldEncryptor;
    settings?: IntegrationsSettings;
    now?: () => Date;
    logger: ChurnLogger;
  }) {
    this.#db = options.db;
    this.#storage = options.storage;
    this.#settings = options.settings ?? {};
    this.#now = options.now ?? (() => new Date());
    this.#logger = options.logger;
    this.service = new IntegrationService({
      db: options.db,
      encryptor: options.encryptor,
      outbound: this.#settings,
    });
  }

  /** The {@link EscalationNotifier} of the handler: queues one delivery per enabled integration. */
  get notifier(): EscalationNotifier {
    return { notify: (escalation, conversation) => this.notify(escalation, conversation) };
  }

  /**
   * Queues the escalation for every enabled integration of its tenant (once each, however
   * often it is called) and wakes the worker. Nothing is sent inline: a receiver that is
   * down delays nothing and loses nothing.
   */
  async notify(escalation: EscalationRecord, _conversation?: ConversationRecord): Promise<void> {
    const integrations = await this.service.list(escalation.tenantId, { enabledOnly: true });
    for (const integration of integrations) {
      await enqueueDelivery(this.#db, {
        tenantId: escalation.tenantId,
        integrationId: integration.id,
        escalationId: escalation.id,
        kind: 'escalation',
        maxAttempts: integration.config.maxAttempts ?? defaultMaxAttempts,
        now: this.#now(),
      });
    }
    if (integrations.length > 0) this.onQueued();
  }

  /**
   * The "send test" action: queues a test delivery (one attempt) and makes it now. Answers
   * the delivery, delivered or dead with its error.
   */
  async sendTest(tenantId: string, integrationId: string): Promise<DeliveryRecord> {
    await this.service.get(tenantId, integrationId);
    const queued = await enqueueDelivery(this.#db, {
      tenantId,
      integrationId,
      kind: 'test',
      maxAttempts: 1,
      now: this.#now(),
    });
    if (!queued) throw new ChurnError('internal', 'The test delivery could not be queued.');
    await this.runOnce({ ids: [queued.id], sweep: false });
    const delivery = await getDelivery(this.#db, { tenantId, id: queued.id });
    if (!delivery) throw new ChurnError('internal', 'The test delivery disappeared.');
    return deliveryView(delivery);
  }

  /**
   * One pass of the outbox: queues missed escalations, claims what is due and attempts
   * each once. The worker calls it on its interval; tests call it directly.
   */
  async runOnce(
    options: { ids?: readonly string[]; sweep?: boolean } = {},
  ): Promise<OutboxRunReport> {
    const report: OutboxRunReport = { queued: 0, attempted: 0, delivered: 0, retrying: 0, dead: 0 };
    if (options.sweep ?? true) {
      report.queued = await queueMissedEscalations(this.#db, {
        now: this.#now(),
        windowMs: this.#settings.sweepWindowMs ?? 86_400_000,
        maxAttempts: defaultMaxAttempts,
      });
    }
    const claimed = await claimDueDeliveries(this.#db, {
      now: this.#now(),
      limit: this.#settings.batchSize ?? 20,
      leaseMs: this.#settings.leaseMs ?? 60_000,
      ...(options.ids === undefined ? {} : { ids: options.ids }),
    });
    for (const delivery of claimed) {
      report.attempted += 1;
      const outcome = await this.#attempt(delivery);
      if (outcome === 'delivered') report.delivered += 1;
      else if (outcome === 'dead') report.dead += 1;
      else report.retrying += 1;
    }
    return report;
  }

  async #fail(
    delivery: ClaimedDelivery,
    error: string,
    options: { permanent: boolean; statusCode?: number },
  ): Promise<AttemptOutcome> {
    const now = this.#now();
    const status = await markFailed(this.#db, delivery, {
      now,
      error,
      permanent: options.permanent,
      ...(options.statusCode === undefined ? {} : { statusCode: options.statusCode }),
      retryAt: new Date(now.getTime() + retryDelay(delivery.attempts, this.#settings)),
    });
    if (status === 'dead') {
      this.#logger.warn('An integration delivery failed for good (dead letter).', {
        deliveryId: delivery.id,
        integrationId: delivery.integrationId,
        tenantId: delivery.tenantId,
        attempts: delivery.attempts,
        error,
      });
      return 'dead';
    }
    return 'pending';
  }

  async #event(
    delivery: ClaimedDelivery,
    integration: DecryptedIntegration,
  ): Promise<DeliveryEvent | string> {
    if (delivery.kind === 'test') return { type: 'integration.test' };
    const escalation = delivery.escalationId
      ? await this.#storage.escalations.get({
          tenantId: delivery.tenantId,
          id: delivery.escalationId,
        })
      : undefined;
    if (!escalation) return 'The escalation no longer exists.';
    const conversation = await this.#storage.conversations.get({
      tenantId: delivery.tenantId,
      id: escalation.conversationId,
    });
    if (!conversation) return 'The conversation no longer exists.';
    const messages = await this.#storage.messages.list({
      tenantId: delivery.tenantId,
      conversationId: conversation.id,
      newest: true,
      limit: 200,
    });
    const lastCustomer = [...messages].reverse().find((message) => message.role === 'user');
    const consoleUrl =
      integration.config.consoleUrl ?? this.#settings.consoleUrl ?? process.env.CHURN_CONSOLE_URL;
    const summary: EscalationSummary = {
      escalation: {
        id: escalation.id,
        reason: escalation.reason,
        status: escalation.status,
        escalatedAt: escalation.escalatedAt,
        ...(escalation.ticketId ? { ticketId: escalation.ticketId } : {}),
      },
      conversation: {
        id: conversation.id,
        purpose: conversation.purpose,
        status: conversation.status,
        startedAt: conversation.startedAt,
        lastActivity: conversation.lastActivity,
        ...(conversation.customerId ? { customerId: conversation.customerId } : {}),
        ...(conversation.userId ? { userId: conversation.userId } : {}),
      },
      ...(lastCustomer ? { lastCustomerMessage: lastCustomer.content.slice(0, 500) } : {}),
      ...(consoleUrl
        ? {
            consoleLink: `${consoleUrl.replace(/\/+$/, '')}/conversations/${encodeURIComponent(conversation.id)}`,
          }
        : {}),
    };
    return { type: 'escalation.created', summary };
  }

  async #attempt(delivery: ClaimedDelivery): Promise<AttemptOutcome> {
    let integration: DecryptedIntegration | undefined;
    try {
      integration = await this.service.find(delivery.tenantId, delivery.integrationId);
    } catch (error) {
      return this.#fail(delivery, safeMessage(error), { permanent: false });
    }
    if (!integration)
      return this.#fail(delivery, 'The integration no longer exists.', { permanent: true });
    if (!integration.enabled) {
      return this.#fail(
        delivery,
        'The integration is disabled: enable it, then retry the delivery.',
        {
          permanent: true,
        },
      );
    }
    const event = await this.#event(delivery, integration);
    if (typeof event === 'string') return this.#fail(delivery, event, { permanent: true });
    const request = buildReceiverRequest(integration, event, {
      deliveryId: delivery.id,
      now: this.#now(),
    });
    let response: Awaited<ReturnType<typeof sendOutboundRequest>>;
    try {
      response = await sendOutboundRequest(request, this.#settings);
    } catch (error) {
      return this.#fail(delivery, safeMessage(error), {
        permanent: error instanceof PrivateAddressError,
      });
    }
    if (response.status < 200 || response.status >= 300) {
      return this.#fail(delivery, `The receiver answered ${response.status}.`, {
        permanent: isPermanentStatus(response.status),
        statusCode: response.status,
      });
    }
    const ticketId = ticketIdFrom(response.body);
    await markDelivered(this.#db, delivery, {
      now: this.#now(),
      statusCode: response.status,
      ...(ticketId === undefined ? {} : { ticketId }),
    });
    if (ticketId !== undefined && delivery.escalationId) {
      // The first receiver that answers a ticket id names the escalation's ticket.
      await this.#db
        .updateTable('escalations')
        .set({ ticket_id: ticketId })
        .where('tenant_id', '=', delivery.tenantId)
        .where('id', '=', delivery.escalationId)
        .where('ticket_id', 'is', null)
        .execute();
    }
    return 'delivered';
  }
}
