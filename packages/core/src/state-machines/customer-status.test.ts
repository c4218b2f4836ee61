import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AccountStatus, accountStatuses, type RiskCategory } from '../entities/enums.js';
import { ChurnError } from '../errors/churn-error.js';
import { InvalidTransitionError } from '../errors/invalid-transition-error.js';
import {
  type CustomerStatusEvent,
  type CustomerStatusState,
  canTransitionCustomerStatus,
  customerStatusEvents,
  riskDetectedEvent,
  transitionCustomerStatus,
} from './customer-status.js';

/**
 * Every legal (status, event) pair and the status it leads to, written out by hand (not
 * read from the implementation's table). Every pair of the cross product not listed here
 * must throw.
 */
const legal: [AccountStatus, CustomerStatusEvent, AccountStatus][] = [
  ['active', 'expiring-card-detected', 'at-risk'],
  ['active', 'failed-payment-detected', 'at-risk'],
  ['active', 'customer-cancelled', 'churned'],
  ['active', 'customer-reactivated', 'active'],
  ['at-risk', 'expiring-card-detected', 'at-risk'],
  ['at-risk', 'failed-payment-detected', 'at-risk'],
  ['at-risk', 'payment-updated', 'resolved'],
  ['at-risk', 'customer-cancelled', 'churned'],
  ['at-risk', 'intervention-failed', 'churned'],
  ['resolved', 'expiring-card-detected', 'at-risk'],
  ['resolved', 'failed-payment-detected', 'at-risk'],
  ['resolved', 'payment-updated', 'resolved'],
  ['resolved', 'customer-cancelled', 'churned'],
  ['churned', 'customer-cancelled', 'churned'],
  ['churned', 'intervention-failed', 'churned'],
  ['churned', 'customer-reactivated', 'active'],
];

const isLegal = (status: AccountStatus, event: CustomerStatusEvent) =>
  legal.some(([from, on]) => from === status && on === event);

const illegal = accountStatuses.flatMap((status) =>
  customerStatusEvents
    .filter((event) => !isLegal(status, event))
    .map((event) => [status, event] as const),
);

describe('transitionCustomerStatus', () => {
  it('lists its events', () => {
    expect(customerStatusEvents).toEqual([
      'expiring-card-detected',
      'failed-payment-detected',
      'payment-updated',
      'customer-cancelled',
      'intervention-failed',
      'customer-reactivated',
    ]);
  });

  it('covers the whole cross product: legal plus illegal is every pair', () => {
    // 4 statuses x 6 events = 24 pairs: 16 legal, 8 illegal.
    expect(legal.length + illegal.length).toBe(
      accountStatuses.length * customerStatusEvents.length,
    );
    expect(illegal).toHaveLength(8);
  });

  it.each(legal)('%s + %s -> %s', (status, event, expected) => {
    const state: CustomerStatusState = { accountStatus: status, riskCategory: 'expiring-card' };
    expect(transitionCustomerStatus(state, event).accountStatus).toBe(expected);
    expect(canTransitionCustomerStatus(status, event)).toBe(true);
  });

  it.each(illegal)('%s + %s throws InvalidTransitionError', (status, event) => {
    expect(canTransitionCustomerStatus(status, event)).toBe(false);
    let thrown: unknown;
    try {
      transitionCustomerStatus({ accountStatus: status }, event);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidTransitionError);
    expect(ChurnError.isInstance(thrown)).toBe(true);
    const error = thrown as InvalidTransitionError;
    expect(error.code).toBe('invalid_transition');
    expect(error.machine).toBe('CustomerStatus');
    expect(error.state).toBe(status);
    expect(error.event).toBe(event);
    expect(error.message).toContain(`"${status}"`);
    expect(error.message).toContain(`"${event}"`);
  });

  it('tells how to fix the common mistakes', () => {
    expect(() =>
      transitionCustomerStatus({ accountStatus: 'churned' }, 'failed-payment-detected'),
    ).toThrow(/customer-reactivated/);
    expect(() => transitionCustomerStatus({ accountStatus: 'active' }, 'payment-updated')).toThrow(
      /nothing to resolve/,
    );
    expect(() =>
      transitionCustomerStatus({ accountStatus: 'resolved' }, 'intervention-failed'),
    ).toThrow(/customer-cancelled/);
  });

  it('sets the risk category from the detection event', () => {
    expect(
      transitionCustomerStatus({ accountStatus: 'active' }, 'failed-payment-detected'),
    ).toEqual({ accountStatus: 'at-risk', riskCategory: 'failed-payment' });
    expect(
      transitionCustomerStatus(
        { accountStatus: 'resolved', riskCategory: 'failed-payment' },
        'expiring-card-detected',
      ),
    ).toEqual({ accountStatus: 'at-risk', riskCategory: 'expiring-card' });
    expect(riskDetectedEvent('expiring-card')).toBe('expiring-card-detected');
    expect(riskDetectedEvent('failed-payment')).toBe('failed-payment-detected');
  });

  it('raises but never lowers the category of an at-risk customer', () => {
    const expiring = { accountStatus: 'at-risk', riskCategory: 'expiring-card' } as const;
    expect(transitionCustomerStatus(expiring, 'failed-payment-detected')).toEqual({
      accountStatus: 'at-risk',
      riskCategory: 'failed-payment',
    });
    const failing = { accountStatus: 'at-risk', riskCategory: 'failed-payment' } as const;
    expect(transitionCustomerStatus(failing, 'expiring-card-detected')).toBe(failing);
    expect(transitionCustomerStatus(expiring, 'expiring-card-detected')).toBe(expiring);
  });

  it('returns the same object for idempotent repeats', () => {
    const resolved = { accountStatus: 'resolved', riskCategory: 'failed-payment' } as const;
    expect(transitionCustomerStatus(resolved, 'payment-updated')).toBe(resolved);
    const churned = { accountStatus: 'churned' } as const;
    expect(transitionCustomerStatus(churned, 'customer-cancelled')).toBe(churned);
    expect(transitionCustomerStatus(churned, 'intervention-failed')).toBe(churned);
  });

  it('passes other fields through and never changes its input', () => {
    const customer = Object.freeze({
      id: 'cus_1',
      name: 'Ada Lovelace',
      accountStatus: 'active' as const,
      accountValue: 49,
    });
    const next = transitionCustomerStatus(customer, 'expiring-card-detected');
    expect(next).toEqual({
      id: 'cus_1',
      name: 'Ada Lovelace',
      accountStatus: 'at-risk',
      accountValue: 49,
      riskCategory: 'expiring-card',
    });
    expect(customer.accountStatus).toBe('active');
    // A status change with no category change adds no `riskCategory` key.
    expect(Object.keys(transitionCustomerStatus(customer, 'customer-cancelled'))).not.toContain(
      'riskCategory',
    );
  });

  it('keeps its invariants over any sequence of events', () => {
    const categoryRank: Record<RiskCategory, number> = { 'expiring-card': 1, 'failed-payment': 2 };
    fc.assert(
      fc.property(
        fc.constantFrom(...accountStatuses),
        fc.array(fc.constantFrom(...customerStatusEvents), { maxLength: 40 }),
        (initial, events) => {
          let state: CustomerStatusState = { accountStatus: initial };
          if (initial === 'at-risk') state = { ...state, riskCategory: 'expiring-card' };
          for (const event of events) {
            const allowed = canTransitionCustomerStatus(state.accountStatus, event);
            const before = structuredClone(state);
            let next: CustomerStatusState;
            try {
              next = transitionCustomerStatus(state, event);
            } catch (error) {
              expect(allowed).toBe(false);
              expect(error).toBeInstanceOf(InvalidTransitionError);
              continue;
            }
            expect(allowed).toBe(true);
            expect(state).toEqual(before);
            expect(accountStatuses).toContain(next.accountStatus);
            if (next.accountStatus === 'at-risk') expect(next.riskCategory).toBeDefined();
            if (state.accountStatus === 'at-risk' && next.accountStatus === 'at-risk') {
              expect(categoryRank[next.riskCategory!]).toBeGreaterThanOrEqual(
                categoryRank[state.riskCategory!],
              );
            }
            state = next;
          }
        },
      ),
    );
  });
});
