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
  page,
  toJson,
  toNumber,
} from './storage-helpers.js';

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
  return guarded<CustomerRepository>({
    async create(customer) {
      const row = await db
        .insertInto('customers')
        .values({
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
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toCustomer(row);
    },
    async get({ tenantId, id }) {
      const row = await db
        .selectFrom('customers')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toCustomer(row) : undefined;
    },
    async findByStripeCustomerId({ tenantId, stripeCustomerId, lock }) {
      const query = db
        .selectFrom('customers')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('stripe_customer_id', '=', stripeCustomerId);
      const row = await (lock ? query.forUpdate() : query).executeTakeFirst();
      return row ? toCustomer(row) : undefined;
    },
    async list(filter) {
      const { limit, offset } = page(filter);
      let query = db.selectFrom('customers').selectAll().where('tenant_id', '=', filter.tenantId);
      if (filter.accountStatus) query = query.where('account_status', '=', filter.accountStatus);
      if (filter.riskCategory) query = query.where('risk_category', '=', filter.riskCategory);
      if (filter.riskSeverity) query = query.where('risk_severity', '=', filter.riskSeverity);
      const rows = await query
        .orderBy('customer_since', 'desc')
        .orderBy('id')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map(toCustomer);
    },
    async update({ tenantId, id, changes }) {
      const row = await db
        .updateTable('customers')
        .set(
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
        )
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw notFound('customer', id);
      return toCustomer(row);
    },
    async delete({ tenantId, id }) {
      const result = await db
        .deleteFrom('customers')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
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
  const repository: PaymentMethodRepository = {
    async create(paymentMethod) {
      const row = await db
        .insertInto('payment_methods')
        .values({
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
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toPaymentMethod(row);
    },
    async get({ tenantId, id }) {
      const row = await db
        .selectFrom('payment_methods')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toPaymentMethod(row) : undefined;
    },
    async findByStripePaymentMethodId({ tenantId, stripePaymentMethodId }) {
      const row = await db
        .selectFrom('payment_methods')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('stripe_payment_method_id', '=', stripePaymentMethodId)
        .executeTakeFirst();
      return row ? toPaymentMethod(row) : undefined;
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
      const { limit, offset } = page(options);
      const rows = await db
        .selectFrom('payment_methods')
        .selectAll()
        .where('tenant_id', '=', options.tenantId)
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
        .orderBy('id')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map(toPaymentMethod);
    },
    async update({ tenantId, id, changes }) {
      const row = await db
        .updateTable('payment_methods')
        .set(
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
        )
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw notFound('payment method', id);
      return toPaymentMethod(row);
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
    async delete({ tenantId, id }) {
      const result = await db
        .deleteFrom('payment_methods')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
  return guarded(repository);
}
