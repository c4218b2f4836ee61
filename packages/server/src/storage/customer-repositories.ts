import type {
  CustomerRecord,
  CustomerRepository,
  PaymentMethodRecord,
  PaymentMethodRepository,
} from '@churn/core';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { CustomersTable, Database, PaymentMethodsTable } from './database.js';
import {
  compact,
  fromJson,
  guarded,
  inTransaction,
  newId,
  notFound,
  optional,
  toJson,
  toNumber,
} from './storage-helpers.js';
import { tenantRows } from './tenant-rows.js';

function toCustomer(row: Selectable<CustomersTable>): CustomerRecord {
  return compact({
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    email: row.email,
    phone: optional(row.phone),
    accountStatus: row.account_status as CustomerRecord['accountStatus'],
    riskCategory: optional(row.risk_category) as CustomerRecord['riskCategory'],
    riskSeverity: optional(row.risk_severity) as CustomerRecord['riskSeverity'],
    lastPaymentDate: optional(row.last_payment_date),
    accountValue: toNumber(row.account_value),
    currency: row.currency,
    customerSince: row.customer_since,
    stripeCustomerId: optional(row.stripe_customer_id),
    externalId: optional(row.external_id),
    metadata: fromJson(row.metadata),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

/** Customers over Kysely. */
export function createCustomerRepository(db: Kysely<Database>): CustomerRepository {
  const rows = tenantRows(db, 'customers', toCustomer);
  return guarded<CustomerRepository>({
    async create(customer) {
      return rows.insert({
        id: customer.id ?? newId(),
        tenant_id: customer.tenantId,
        name: customer.name,
        email: customer.email,
        phone: customer.phone ?? null,
        account_status: customer.accountStatus,
        risk_category: customer.riskCategory ?? null,
        risk_severity: customer.riskSeverity ?? null,
        last_payment_date: customer.lastPaymentDate ?? null,
        account_value: customer.accountValue,
        currency: customer.currency,
        customer_since: customer.customerSince,
        stripe_customer_id: customer.stripeCustomerId ?? null,
        external_id: customer.externalId ?? null,
        metadata: customer.metadata === undefined ? undefined : toJson(customer.metadata),
      });
    },
    get: rows.get,
    async findByStripeCustomerId({ tenantId, stripeCustomerId, lock }) {
      return rows.findBy({ tenantId, lock }, 'stripe_customer_id', stripeCustomerId);
    },
    async findByExternalId({ tenantId, externalId }) {
      return rows.findBy({ tenantId }, 'external_id', externalId);
    },
    async list(filter) {
      return rows.list(filter, (query) => {
        let filtered = query;
        if (filter.accountStatus) {
          filtered = filtered.where('account_status', '=', filter.accountStatus);
        }
        if (filter.riskCategory)
          filtered = filtered.where('risk_category', '=', filter.riskCategory);
        if (filter.riskSeverity)
          filtered = filtered.where('risk_severity', '=', filter.riskSeverity);
        return filtered.orderBy('customer_since', 'desc').orderBy('id');
      });
    },
    async update({ tenantId, id, changes }) {
      return rows.update(
        { tenantId, id },
        compact({
          name: changes.name,
          email: changes.email,
          phone: changes.phone,
          account_status: changes.accountStatus,
          risk_category: changes.riskCategory,
          risk_severity: changes.riskSeverity,
          last_payment_date: changes.lastPaymentDate,
          account_value: changes.accountValue,
          currency: changes.currency,
          stripe_customer_id: changes.stripeCustomerId,
          external_id: changes.externalId,
          metadata: changes.metadata === undefined ? undefined : toJson(changes.metadata),
          updated_at: sql<Date>`now()`,
        }),
        'customer',
      );
    },
    delete: rows.remove,
  });
}

function toPaymentMethod(row: Selectable<PaymentMethodsTable>): PaymentMethodRecord {
  return compact({
    id: row.id,
    tenantId: row.tenant_id,
    customerId: row.customer_id,
    cardType: row.card_type as PaymentMethodRecord['cardType'],
    lastFourDigits: row.last_four_digits,
    expiryMonth: row.expiry_month,
    expiryYear: row.expiry_year,
    status: row.status as PaymentMethodRecord['status'],
    failureCount: row.failure_count,
    lastFailureDate: optional(row.last_failure_date),
    lastSuccessDate: optional(row.last_success_date),
    stripePaymentMethodId: optional(row.stripe_payment_method_id),
    isDefault: row.is_default,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

/** Payment methods over Kysely. */
export function createPaymentMethodRepository(db: Kysely<Database>): PaymentMethodRepository {
  const rows = tenantRows(db, 'payment_methods', toPaymentMethod);
  const repository: PaymentMethodRepository = {
    async create(paymentMethod) {
      return rows.insert({
        id: paymentMethod.id ?? newId(),
        tenant_id: paymentMethod.tenantId,
        customer_id: paymentMethod.customerId,
        card_type: paymentMethod.cardType,
        last_four_digits: paymentMethod.lastFourDigits,
        expiry_month: paymentMethod.expiryMonth,
        expiry_year: paymentMethod.expiryYear,
        status: paymentMethod.status,
        failure_count: paymentMethod.failureCount,
        last_failure_date: paymentMethod.lastFailureDate ?? null,
        last_success_date: paymentMethod.lastSuccessDate ?? null,
        stripe_payment_method_id: paymentMethod.stripePaymentMethodId ?? null,
        is_default: paymentMethod.isDefault,
      });
    },
    get: rows.get,
    async findByStripePaymentMethodId({ tenantId, stripePaymentMethodId }) {
      return rows.findBy({ tenantId }, 'stripe_payment_method_id', stripePaymentMethodId);
    },
    async listByCustomer({ tenantId, customerId }) {
      const rows = await db
        .selectFrom('payment_methods')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('customer_id', '=', customerId)
        .orderBy('is_default', 'desc')
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute();
      return rows.map(toPaymentMethod);
    },
    async listExpiring(options) {
      return rows.list(options, (query) =>
        query
          .where('status', 'in', ['active', 'expired'])
          .where((where) =>
            where.or([
              where('expiry_year', '<', options.year),
              where.and([
                where('expiry_year', '=', options.year),
                where('expiry_month', '<=', options.month),
              ]),
            ]),
          )
          .orderBy('expiry_year')
          .orderBy('expiry_month')
          .orderBy('id'),
      );
    },
    async update({ tenantId, id, changes }) {
      return rows.update(
        { tenantId, id },
        compact({
          expiry_month: changes.expiryMonth,
          expiry_year: changes.expiryYear,
          status: changes.status,
          failure_count: changes.failureCount,
          last_failure_date: changes.lastFailureDate,
          last_success_date: changes.lastSuccessDate,
          stripe_payment_method_id: changes.stripePaymentMethodId,
          is_default: changes.isDefault,
          updated_at: sql<Date>`now()`,
        }),
        'payment method',
      );
    },
    async setDefault({ tenantId, id }) {
      return inTransaction(db, async (transaction) => {
        const target = await transaction
          .selectFrom('payment_methods')
          .select(['customer_id'])
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst();
        if (!target) throw notFound('payment method', id);
        await transaction
          .updateTable('payment_methods')
          .set({ is_default: false, updated_at: sql<Date>`now()` })
          .where('tenant_id', '=', tenantId)
          .where('customer_id', '=', target.customer_id)
          .where('is_default', '=', true)
          .where('id', '<>', id)
          .execute();
        const row = await transaction
          .updateTable('payment_methods')
          .set({ is_default: true, updated_at: sql<Date>`now()` })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return toPaymentMethod(row);
      });
    },
    delete: rows.remove,
  };
  return guarded(repository);
}
