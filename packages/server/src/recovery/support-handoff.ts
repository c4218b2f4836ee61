import type { ConversationRecord, CustomerRecord, StorageV1 } from '@churn/core';
import type { RecoveryService } from './recovery-service.js';
import { startRecoverySession } from './recovery-sessions.js';

/** What the support reply says when it hands the customer to the card update. */
export const recoveryHandoffText =
  "I can help you fix that right here: I've opened a secure card update for you.";

/**
 * A verified customer asked about their own billing in a support conversation and their
 * Customer record is at risk (a failed payment or an expiring card): starts their recovery
 * session (`trigger: 'customer'`; an open one is returned, never a second). The caller found
 * the record (see `findVerifiedCustomer` and `answerVerifiedBilling`).
 */
export async function handOffToRecovery(
  storage: StorageV1,
  service: RecoveryService,
  options: { tenantId: string; customer: CustomerRecord },
): Promise<ConversationRecord> {
  const { conversation } = await startRecoverySession(storage, service, {
    tenantId: options.tenantId,
    customer: options.customer,
    trigger: 'customer',
  });
  return conversation;
}
