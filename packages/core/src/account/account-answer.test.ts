import { describe, expect, it } from 'vitest';
import { type AccountFacts, composeAccountAnswer } from './account-answer.js';

const now = new Date('2026-11-23T10:00:00Z');
const facts: AccountFacts = {
  customerName: 'Ada Lovelace',
  accountStatus: 'active',
  accountValue: 49,
  currency: 'usd',
  lastPaymentDate: new Date('2026-11-03T08:00:00Z'),
  card: {
    brand: 'visa',
    lastFourDigits: '4242',
    expiryMonth: 8,
    expiryYear: 2028,
    status: 'active',
  },
  now,
};

describe('composeAccountAnswer', () => {
  it('states the standing, the monthly amount, the last payment and the card on file', () => {
    expect(composeAccountAnswer(facts)).toBe(
      "Here's what I can see on your account, Ada: it's in good standing, nothing is overdue. " +
        'Your plan is $49.00 a month, and your last payment went through on November 3, 2026. ' +
        'Your invoices are charged to your Visa ending 4242, which expires 08/2028.',
    );
  });

  it('writes amounts and dates in the given locale and currency', () => {
    const answer = composeAccountAnswer({ ...facts, currency: 'eur', locale: 'de-DE' });
    expect(answer).toMatch(/49,00\s€/);
    expect(answer).toContain('3. November 2026');
  });

  it('warns about a card that expires this month or next', () => {
    for (const expiryMonth of [11, 12]) {
      expect(
        composeAccountAnswer({ ...facts, card: { ...facts.card!, expiryMonth, expiryYear: 2026 } }),
      ).toContain(`which expires soon (${expiryMonth}/2026): update it before then`);
    }
    expect(
      composeAccountAnswer({
        ...facts,
        card: { ...facts.card!, expiryMonth: 1, expiryYear: 2027 },
      }),
    ).toContain('which expires 01/2027.');
  });

  it('says when the card has expired or was declined', () => {
    expect(
      composeAccountAnswer({
        ...facts,
        card: { ...facts.card!, expiryMonth: 10, expiryYear: 2026 },
      }),
    ).toContain('which expired 10/2026: add a new card');
    expect(
      composeAccountAnswer({ ...facts, card: { ...facts.card!, status: 'expired' } }),
    ).toContain('which expired 08/2028');
    expect(
      composeAccountAnswer({ ...facts, card: { ...facts.card!, status: 'failed' } }),
    ).toContain('which was declined: add a new card');
  });

  it('leaves out what the records do not know', () => {
    const answer = composeAccountAnswer({ ...facts, lastPaymentDate: undefined, card: undefined });
    expect(answer).toContain('Your plan is $49.00 a month.');
    expect(answer).toContain("There's no card on file for your invoices yet.");
    expect(answer).not.toContain('last payment');
  });

  it('tells a churned customer their subscription ended, and nothing about charges', () => {
    const answer = composeAccountAnswer({ ...facts, accountStatus: 'churned' });
    expect(answer).toBe(
      "Here's what I can see on your account, Ada: your subscription has ended, so nothing more will be charged.",
    );
  });

  it('escapes the name: a customer cannot turn it into a link or markup', () => {
    expect(
      composeAccountAnswer({ ...facts, customerName: '[Verify](https://evil.example) Smith' }),
    ).toMatch(
      /^Here's what I can see on your account, \\\[Verify\\\]\\\(https:\/\/evil\.example\\\):/,
    );
  });

  it('calls a resolved account in good standing', () => {
    expect(composeAccountAnswer({ ...facts, accountStatus: 'resolved' })).toContain(
      "it's in good standing",
    );
  });

  it('lists the newest invoices after the facts, each with what happened to it', () => {
    const answer = composeAccountAnswer({
      ...facts,
      invoices: [
        {
          providerInvoiceId: 'in_4',
          number: 'A[1]-0004',
          status: 'open',
          total: 49,
          amountDue: 19.5,
          currency: 'usd',
          createdAt: new Date('2026-11-03T08:00:00Z'),
        },
        {
          providerInvoiceId: 'in_3',
          status: 'void',
          total: 49,
          amountDue: 0,
          currency: 'usd',
          createdAt: new Date('2026-10-03T08:00:00Z'),
        },
        {
          providerInvoiceId: 'in_2',
          number: 'A-0002',
          status: 'uncollectible',
          total: 49,
          amountDue: 49,
          currency: 'usd',
          createdAt: new Date('2026-09-03T08:00:00Z'),
          hostedInvoiceUrl: 'https://invoice.stripe.com/i/x (y)',
        },
        {
          providerInvoiceId: 'in_1',
          status: 'paid',
          total: 49,
          amountDue: 0,
          currency: 'usd',
          createdAt: new Date('2026-08-03T08:00:00Z'),
        },
      ],
    });
    expect(answer.split('\n\n')[1]).toBe(
      [
        'Your latest invoices:',
        // The provider's number is escaped: it cannot turn into a link or markup.
        '- A\\[1\\]-0004, November 3, 2026: $49.00, $19.50 still due',
        '- Invoice, October 3, 2026: $49.00, cancelled (void)',
        // A page address that is not a plain https URL is not linked.
        '- A-0002, September 3, 2026: $49.00, not collected',
      ].join('\n'),
    );
  });

  it('says when there are no invoices, or the provider could not be asked', () => {
    expect(composeAccountAnswer({ ...facts, invoices: [] })).toMatch(
      /\n\nThere are no invoices on your account yet\.$/,
    );
    expect(composeAccountAnswer({ ...facts, invoices: 'unavailable' })).toMatch(
      /\n\nI couldn't reach the billing system for your invoices just now/,
    );
  });
});
