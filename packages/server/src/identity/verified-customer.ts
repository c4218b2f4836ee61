import type { CustomerRecord, StorageV1 } from '@churn/core';

/**
 * The Customer record of a verified end customer, in this tenant only.
 *
 * The tenant's backend signs the customer's identity with an id it knows: usually its own
 * user id, sometimes the Stripe customer id, rarely Churn's own customer id. The record whose
 * `id`, else `externalId`, else `stripeCustomerId` equals the verified id is the customer, in
 * that order (at most three indexed lookups, each scoped to the tenant). Undefined when no
 * record of the tenant matches: the customer is verified, but Churn has no record of them.
 */
export async function findVerifiedCustomer(
  storage: Pick<StorageV1, 'customers'>,
  tenantId: string,
  verifiedId: string,
): Promise<CustomerRecord | undefined> {
  if (verifiedId.length === 0) return undefined;
  const byId = await storage.customers.get({ tenantId, id: verifiedId });
  if (byId) return byId;
  const byExternalId = await storage.customers.findByExternalId({
    tenantId,
    externalId: verifiedId,
  });
  if (byExternalId) return byExternalId;
  return storage.customers.findByStripeCustomerId({ tenantId, stripeCustomerId: verifiedId });
}
