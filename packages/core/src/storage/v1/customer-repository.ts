import type { Customer } from '../../entities/customer.js';
import type { PaymentMethod } from '../../entities/payment-method.js';
import type { JsonObject, PageOptions } from './storage-v1.js';

/** A customer as stored: the core `Customer` plus the ids that link it to the tenant's systems. */
export interface CustomerRecord extends Customer {
  /** ISO 4217 code in lowercase, like `usd`: the currency of `accountValue`. */
  currency: string;
  /** The Stripe customer (`cus_...`), unique per tenant. */
  stripeCustomerId?: string;
  /** The tenant's own id for this customer, unique per tenant. */
  externalId?: string;
  metadata: JsonObject;
  createdAt: Date;
  updatedAt: Date;
}

/** What {@link CustomerRepository.create} takes. */
export interface NewCustomer {
  id?: string;
  tenantId: string;
  name: string;
  email: string;
  phone?: string;
  accountStatus: Customer['accountStatus'];
  riskCategory?: Customer['riskCategory'];
  riskSeverity?: Customer['riskSeverity'];
  lastPaymentDate?: Date;
  accountValue: number;
  /** Default `usd`. */
  currency?: string;
  /** Default now. */
  customerSince?: Date;
  stripeCustomerId?: string;
  externalId?: string;
  metadata?: JsonObject;
}

/** Changes to a customer; `null` clears an optional field. */
export interface CustomerChanges {
  name?: string;
  email?: string;
  phone?: string | null;
  accountStatus?: Customer['accountStatus'];
  riskCategory?: Customer['riskCategory'] | null;
  riskSeverity?: Customer['riskSeverity'] | null;
  lastPaymentDate?: Date | null;
  accountValue?: number;
  currency?: string;
  stripeCustomerId?: string | null;
  externalId?: string | null;
  metadata?: JsonObject;
}

/** Filters of {@link CustomerRepository.list}. */
export interface CustomerFilter extends PageOptions {
  tenantId: string;
  accountStatus?: Customer['accountStatus'];
  riskCategory?: Customer['riskCategory'];
  riskSeverity?: Customer['riskSeverity'];
}

/** Customers of a tenant (the recovery flow's at-risk list comes from here). */
export interface CustomerRepository {
  create(customer: NewCustomer): Promise<CustomerRecord>;
  get(options: { tenantId: string; id: string }): Promise<CustomerRecord | undefined>;
  /**
   * The customer linked to a Stripe customer. With `lock: true`, inside a transaction, the
   * row stays locked until the transaction ends (`SELECT ... FOR UPDATE`): two concurrent
   * read-modify-write changes of the same customer (a payment failure and a payment applied
   * at the same moment) run one after the other instead of the last write winning.
   */
  findByStripeCustomerId(options: {
    tenantId: string;
    stripeCustomerId: string;
    lock?: boolean;
  }): Promise<CustomerRecord | undefined>;
  /**
   * The customer the tenant knows by its own id (`externalId`, unique per tenant): how a
   * verified end customer, whose identity token carries the tenant's user id, is matched.
   */
  findByExternalId(options: {
    tenantId: string;
    externalId: string;
  }): Promise<CustomerRecord | undefined>;
  /** Newest first (by `customerSince`, then id). */
  list(filter: CustomerFilter): Promise<CustomerRecord[]>;
  update(options: {
    tenantId: string;
    id: string;
    changes: CustomerChanges;
  }): Promise<CustomerRecord>;
  /** Deletes the customer with its payment methods and conversations. */
  delete(options: { tenantId: string; id: string }): Promise<boolean>;
}

/** A payment method as stored: the core `PaymentMethod` plus its Stripe id and default flag. */
export interface PaymentMethodRecord extends PaymentMethod {
  /** The Stripe payment method (`pm_...`), unique per tenant. */
  stripePaymentMethodId?: string;
  /** Whether this is where the customer's invoices look for a card. */
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** What {@link PaymentMethodRepository.create} takes. */
export interface NewPaymentMethod {
  id?: string;
  tenantId: string;
  customerId: string;
  cardType: PaymentMethod['cardType'];
  lastFourDigits: string;
  expiryMonth: number;
  expiryYear: number;
  status: PaymentMethod['status'];
  /** Default 0. */
  failureCount?: number;
  lastFailureDate?: Date;
  lastSuccessDate?: Date;
  stripePaymentMethodId?: string;
  isDefault?: boolean;
}

/** Changes to a payment method; `null` clears an optional field. */
export interface PaymentMethodChanges {
  expiryMonth?: number;
  expiryYear?: number;
  status?: PaymentMethod['status'];
  failureCount?: number;
  lastFailureDate?: Date | null;
  lastSuccessDate?: Date | null;
  stripePaymentMethodId?: string | null;
  isDefault?: boolean;
}

/** Cards of a tenant's customers: brand, last four digits and expiry, never the number. */
export interface PaymentMethodRepository {
  create(paymentMethod: NewPaymentMethod): Promise<PaymentMethodRecord>;
  get(options: { tenantId: string; id: string }): Promise<PaymentMethodRecord | undefined>;
  findByStripePaymentMethodId(options: {
    tenantId: string;
    stripePaymentMethodId: string;
  }): Promise<PaymentMethodRecord | undefined>;
  /** A customer's cards, the default first, then newest first. */
  listByCustomer(options: { tenantId: string; customerId: string }): Promise<PaymentMethodRecord[]>;
  /**
   * Cards that expire at or before the end of `year`/`month` and are not yet
   * marked failed or invalid: the expiring-card scan.
   */
  listExpiring(
    options: {
      tenantId: string;
      year: number;
      month: number;
    } & PageOptions,
  ): Promise<PaymentMethodRecord[]>;
  update(options: {
    tenantId: string;
    id: string;
    changes: PaymentMethodChanges;
  }): Promise<PaymentMethodRecord>;
  /**
   * Makes this card the customer's default and every other card of the customer
   * not default, in one transaction.
   */
  setDefault(options: { tenantId: string; id: string }): Promise<PaymentMethodRecord>;
  delete(options: { tenantId: string; id: string }): Promise<boolean>;
}
