import type { ConversationRecord, StorageV1 } from '@churn/core';
import { findVerifiedCustomer } from '../identity/verified-customer.js';
import type { RecoveryService } from './recovery-service.js';
import { startRecoverySession } from './recovery-sessions.js';

/** What the support reply says when it hands the customer to the card update. */
export const recoveryHandoffText =
  "I can help you fix that right here: I've opened a secure card update for you.";

/**
 * A verified customer asked about their own billing in a support conversation: when their
 * Customer record is at risk (a failed payment or an expiring card), starts their recovery
 * session (`trigger: 'customer'`; an open one is returned, never a second) and answers it.
 * `customerId` is the verified id: Churn's customer id, the tenant's own id (`externalId`) or
 * the Stripe customer id (see `findVerifiedCustomer`). Answers undefined for a customer who
 * is not at risk or has no Customer record: the support turn answers as usual.
 */
export async function handOffToRecovery(
  storage: StorageV1,
  service: RecoveryService,
  options: { tenantId: string; customerId: string },
): Promise<ConversationRecord | undefined> {
  const customer = await findVerifiedCustomer(storage, options.tenantId, options.customerId);
  if (customer?.accountStatus !== 'at-risk') return undefined;
  const { conversation } = await startRecoverySession(storage, service, {
    tenantId: options.tenantId,
    customer,
    trigger: 'customer',
  });
  return conversation;
}
