import type { StorageJsonObject as JsonObject, NewCustomer, NewPaymentMethod } from '@churn/core';
import { createSeededRandom } from '@churn/core';

/** The demo tenant's id: fixed, so a restart finds (and does not duplicate) the seed. */
export const demoTenantId = 'acme-analytics';

/** The customer the storefront signs in as: a failed payment, so the card step can be tried. */
export const demoCustomerId = 'acme-cus-001';

/** One seeded customer with its cards. */
export interface DemoCustomer {
  customer: NewCustomer & { id: string };
  paymentMethods: (NewPaymentMethod & { id: string })[];
}

/** The kinds of customers the seed mixes, and how many of each. */
export const demoCustomerMix = [
  { kind: 'failed-payment', count: 10 },
  { kind: 'expiring-card', count: 12 },
  { kind: 'resolved', count: 8 },
  { kind: 'churned', count: 6 },
  { kind: 'active', count: 14 },
] as const;

/** One of the kinds of {@link demoCustomerMix}. */
export type DemoCustomerKind = (typeof demoCustomerMix)[number]['kind'];

const firstNames = [
  'Jordan',
  'Priya',
  'Mateo',
  'Aiko',
  'Fatima',
  'Liam',
  'Sofia',
  'Noah',
  'Amara',
  'Lucas',
  'Chloe',
  'Kwame',
  'Elena',
  'Hiro',
  'Zara',
  'Oliver',
  'Mei',
  'Diego',
  'Nadia',
  'Samuel',
  'Ingrid',
  'Ravi',
  'Leila',
  'Tomás',
  'Grace',
];
const lastNames = [
  'Lee',
  'Sharma',
  'García',
  'Tanaka',
  'Haddad',
  'Murphy',
  'Rossi',
  'Schmidt',
  'Okafor',
  'Silva',
  'Dubois',
  'Mensah',
  'Petrova',
  'Sato',
  'Khan',
  'Brown',
  'Chen',
  'López',
  'Novak',
  'Adeyemi',
  'Larsen',
  'Iyer',
  'Farouk',
  'Costa',
  'Walsh',
];
const companies = [
  'Northwind Labs',
  'Bluebird Retail',
  'Tidal Health',
  'Quarry Studio',
  'Lumen Freight',
  'Pinecrest Legal',
  'Orbit Foods',
  'Harbor Schools',
  'Copper Media',
  'Atlas Clinics',
];
const plans = [
  { name: 'Starter', amount: 29 },
  { name: 'Team', amount: 99 },
  { name: 'Business', amount: 299 },
  { name: 'Enterprise', amount: 1200 },
] as const;
const cardTypes = ['visa', 'mastercard', 'amex', 'discover'] as const;
const declineReasons = ['insufficient_funds', 'expired_card', 'card_declined', 'do_not_honor'];

const day = 24 * 60 * 60 * 1000;

function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '.');
}

/** Month and year `months` after `now` (0 = this month). */
function monthAfter(now: Date, months: number): { month: number; year: number } {
  const index = now.getUTCFullYear() * 12 + now.getUTCMonth() + months;
  return { month: (index % 12) + 1, year: Math.floor(index / 12) };
}

/** Invoices of the last `count` months, newest first, as the sandbox would show them. */
function invoiceHistory(options: {
  customerNumber: number;
  amount: number;
  count: number;
  now: Date;
  newest: 'paid' | 'open' | 'uncollectible' | 'void';
}): JsonObject[] {
  return Array.from({ length: options.count }, (_, index) => {
    const date = new Date(options.now.getTime() - (index * 30 + 2) * day);
    return {
      id: `in_demo_${String(options.customerNumber).padStart(3, '0')}_${String(options.count - index).padStart(2, '0')}`,
      number: `ACME-${String(options.customerNumber).padStart(3, '0')}-${String(options.count - index).padStart(4, '0')}`,
      amountDue: options.amount,
      currency: 'usd',
      status: index === 0 ? options.newest : 'paid',
      date: date.toISOString(),
    };
  });
}

/**
 * The demo's customers: about fifty people at companies using Acme Analytics, with a mix of
 * risk (failed payments, cards about to expire, recovered, churned, healthy), their cards
 * and a (sandbox) invoice history in `metadata.invoices`. Deterministic for a given `now`.
 */
export function demoCustomers(now: Date = new Date()): DemoCustomer[] {
  const random = createSeededRandom(20_240_611);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const result: DemoCustomer[] = [];
  let number = 0;
  for (const { kind, count } of demoCustomerMix) {
    for (let index = 0; index < count; index += 1) {
      number += 1;
      const id = `acme-cus-${String(number).padStart(3, '0')}`;
      const first = firstNames[(number * 7) % firstNames.length]!;
      const last = lastNames[(number * 11) % lastNames.length]!;
      const company = companies[number % companies.length]!;
      const plan = number === 1 ? plans[1] : pick(plans);
      const months = 3 + Math.floor(random() * 30);
      const customerSince = new Date(now.getTime() - months * 30 * day);
      const cardType = pick(cardTypes);
      const lastFourDigits = number === 1 ? '4242' : String(1000 + Math.floor(random() * 9000));
      const severity =
        plan.amount >= 1000 ? 'high' : plan.amount >= 299 ? 'medium' : ('low' as const);
      const name = number === 1 ? 'Jordan Lee' : `${first} ${last}`;
      const base = {
        id,
        tenantId: demoTenantId,
        name,
        email: `${slug(name)}@${slug(company).replace(/\.$/, '')}.example`,
        accountValue: plan.amount,
        currency: 'usd',
        customerSince,
        externalId: id,
      };
      const card = (
        changes: Partial<NewPaymentMethod> & { suffix?: string },
      ): NewPaymentMethod & { id: string } => {
        const expiry = monthAfter(now, 14 + Math.floor(random() * 30));
        return {
          id: `${id}-card${changes.suffix ?? ''}`,
          tenantId: demoTenantId,
          customerId: id,
          cardType,
          lastFourDigits,
          expiryMonth: expiry.month,
          expiryYear: expiry.year,
          status: 'active',
          isDefault: true,
          lastSuccessDate: new Date(now.getTime() - 30 * day),
          ...changes,
        };
      };
      const history = (newest: 'paid' | 'open' | 'uncollectible' | 'void') =>
        invoiceHistory({
          customerNumber: number,
          amount: plan.amount,
          count: Math.min(months, 6),
          now,
          newest,
        });
      switch (kind) {
        case 'failed-payment': {
          const failureCount = 1 + (number % 3);
          const failedAt = new Date(now.getTime() - (1 + (number % 5)) * day);
          result.push({
            customer: {
              ...base,
              accountStatus: 'at-risk',
              riskCategory: 'failed-payment',
              riskSeverity: failureCount >= 3 ? 'high' : severity,
              lastPaymentDate: new Date(now.getTime() - 32 * day),
              metadata: {
                company,
                plan: plan.name,
                declineCode: declineReasons[number % declineReasons.length]!,
                invoices: history('open'),
                history: [
                  { at: failedAt.toISOString(), event: 'invoice.payment_failed', failureCount },
                ],
              },
            },
            paymentMethods: [card({ status: 'failed', failureCount, lastFailureDate: failedAt })],
          });
          break;
        }
        case 'expiring-card': {
          const expiry = monthAfter(now, index % 2);
          result.push({
            customer: {
              ...base,
              accountStatus: 'at-risk',
              riskCategory: 'expiring-card',
              riskSeverity: index % 2 === 0 ? (severity === 'low' ? 'medium' : 'high') : severity,
              lastPaymentDate: new Date(now.getTime() - 5 * day),
              metadata: {
                company,
                plan: plan.name,
                invoices: history('paid'),
                history: [
                  {
                    at: now.toISOString(),
                    event: 'payment_method.expiring',
                    expires: `${expiry.month}/${expiry.year}`,
                  },
                ],
              },
            },
            paymentMethods: [card({ expiryMonth: expiry.month, expiryYear: expiry.year })],
          });
          break;
        }
        case 'resolved': {
          const fixedAt = new Date(now.getTime() - (3 + index) * day);
          result.push({
            customer: {
              ...base,
              accountStatus: 'resolved',
              lastPaymentDate: fixedAt,
              metadata: {
                company,
                plan: plan.name,
                invoices: history('paid'),
                history: [
                  {
                    at: new Date(fixedAt.getTime() - 2 * day).toISOString(),
                    event: 'invoice.payment_failed',
                  },
                  {
                    at: fixedAt.toISOString(),
                    event: 'payment_method.updated',
                    resolutionSeconds: 95 + index * 17,
                  },
                  { at: fixedAt.toISOString(), event: 'invoice.paid' },
                ],
              },
            },
            paymentMethods: [
              card({ lastSuccessDate: fixedAt }),
              card({
                suffix: '-old',
                isDefault: false,
                status: 'expired',
                lastFourDigits: String(1000 + ((number * 37) % 9000)),
                expiryMonth: monthAfter(now, -2).month,
                expiryYear: monthAfter(now, -2).year,
              }),
            ],
          });
          break;
        }
        case 'churned': {
          const lostAt = new Date(now.getTime() - (20 + index * 9) * day);
          const expired = monthAfter(lostAt, -1);
          result.push({
            customer: {
              ...base,
              accountStatus: 'churned',
              lastPaymentDate: new Date(lostAt.getTime() - 30 * day),
              metadata: {
                company,
                plan: plan.name,
                invoices: history('uncollectible'),
                history: [{ at: lostAt.toISOString(), event: 'customer.subscription.deleted' }],
              },
            },
            paymentMethods: [
              card({
                status: 'expired',
                expiryMonth: expired.month,
                expiryYear: expired.year,
                failureCount: 4,
                lastFailureDate: lostAt,
              }),
            ],
          });
          break;
        }
        case 'active': {
          result.push({
            customer: {
              ...base,
              accountStatus: 'active',
              lastPaymentDate: new Date(now.getTime() - (1 + (number % 27)) * day),
              metadata: { company, plan: plan.name, invoices: history('paid'), history: [] },
            },
            paymentMethods: [card({})],
          });
          break;
        }
      }
    }
  }
  return result;
}
