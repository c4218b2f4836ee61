import {
  createSandboxPaymentProvider,
  type InvoiceSummary,
  type NewCustomer,
  type PaymentProviderV1,
  type StorageV1,
} from '@churn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecordingLanguageModel } from '../escalations/support-test-helpers.js';
import { createPGliteStorage } from '../storage/postgres-storage.js';
import {
  chatClient,
  createMemoryLogger,
  createTestTenant,
  helpCentre,
  type ReceivedChunk,
  readChunks,
  startChatServer,
  type TestTenant,
  widgetHeaders,
} from './chat-test-helpers.js';
import { signInRequiredAnswer } from './classify-question.js';

type Caller = Parameters<typeof widgetHeaders>[1];

/** The chunk types of a reply, in order, without `[DONE]`. */
function typesOf(chunks: readonly ReceivedChunk[]): string[] {
  return chunks.flatMap(({ chunk }) => (typeof chunk === 'string' ? [] : [chunk.type]));
}

function accountParts(chunks: readonly ReceivedChunk[]): unknown[] {
  return chunks.flatMap(({ chunk }) =>
    typeof chunk !== 'string' && chunk.type === 'data-account' ? [chunk.data] : [],
  );
}

describe("a verified customer's question about their own account", () => {
  let storage: StorageV1;
  let acme: TestTenant;
  let globex: TestTenant;
  let server: Awaited<ReturnType<typeof startChatServer>>;
  const model = createRecordingLanguageModel();

  const addCustomer = async (
    tenant: TestTenant,
    customer: Omit<NewCustomer, 'tenantId' | 'email' | 'accountValue'> & {
      accountValue?: number;
    },
    card?: { lastFourDigits: string; expiryMonth: number; expiryYear: number },
  ) => {
    const created = await storage.customers.create({
      tenantId: tenant.tenant.id,
      email: `${customer.id}@example.com`,
      accountValue: 49,
      ...customer,
    });
    if (card) {
      await storage.paymentMethods.create({
        tenantId: tenant.tenant.id,
        customerId: created.id,
        cardType: 'visa',
        status: 'active',
        isDefault: true,
        ...card,
      });
    }
    return created;
  };

  beforeAll(async () => {
    storage = await createPGliteStorage();
    acme = await createTestTenant(storage, 'Acme');
    globex = await createTestTenant(storage, 'Globex');
    server = await startChatServer({ storage, languageModel: model });
    await server.knowledgeBases.forTenant(storage, acme.tenant.id).ingest(helpCentre);
    await addCustomer(
      acme,
      {
        id: 'cust_ada',
        name: 'Ada Lovelace',
        accountStatus: 'active',
        lastPaymentDate: new Date('2026-11-03T08:00:00Z'),
      },
      { lastFourDigits: '4242', expiryMonth: 8, expiryYear: 2030 },
    );
    // Another tenant's customer with the id a token of Acme's will name.
    await addCustomer(
      globex,
      { id: 'cust_grace', name: 'Grace Hopper', accountStatus: 'active', accountValue: 990 },
      { lastFourDigits: '1881', expiryMonth: 1, expiryYear: 2031 },
    );
  });

  afterAll(async () => {
    await server?.close();
  });

  const startConversation = (tenant: TestTenant, who: Caller, body: object = {}) =>
    chatClient(server.url, tenant).start(who, body);
  const ask = (tenant: TestTenant, id: string, who: Caller, text: string) =>
    chatClient(server.url, tenant).ask(id, who, text);

  it('answers from their records: standing, plan, last payment and the card on file', async () => {
    const who = { customer: 'cust_ada' };
    const id = await startConversation(acme, who);
    const reply = await ask(acme, id, who, 'Which card do I have on file?');
    expect(reply.text).toBe(
      "Here's what I can see on your account, Ada: it's in good standing, nothing is overdue. " +
        'Your plan is $49.00 a month, and your last payment went through on November 3, 2026. ' +
        'Your invoices are charged to your Visa ending 4242, which expires 08/2030.',
    );
    expect(accountParts(reply.chunks)).toEqual([
      {
        accountStatus: 'active',
        accountValue: 49,
        currency: 'usd',
        lastPaymentDate: '2026-11-03T08:00:00.000Z',
        card: {
          brand: 'visa',
          lastFourDigits: '4242',
          expiryMonth: 8,
          expiryYear: 2030,
          status: 'active',
        },
      },
    ]);
    // Facts, not a docs answer: no citation, no confidence score, nothing retrieved.
    expect(typesOf(reply.chunks)).not.toContain('source-url');
    expect(typesOf(reply.chunks)).not.toContain('data-confidence');
    expect(typesOf(reply.chunks).at(-1)).toBe('finish');
    const stored = await storage.messages.list({ tenantId: acme.tenant.id, conversationId: id });
    expect(stored.map((message) => [message.role, message.content, message.queryType])).toEqual([
      ['user', 'Which card do I have on file?', 'billing'],
      ['assistant', reply.text, 'billing'],
    ]);
    const retrievals = await storage.retrievals.listByMessage({
      tenantId: acme.tenant.id,
      messageId: stored[1]!.id,
    });
    expect(retrievals).toEqual([]);
    // No model wrote it, and none ever reads it: the next docs answer's history leaves it out.
    expect(model.prompts).toEqual([]);
    const next = await ask(acme, id, who, 'How do I download an invoice?');
    expect(typesOf(next.chunks)).toContain('source-url');
    expect(model.prompts).toHaveLength(1);
    const prompt = JSON.stringify(model.prompts[0]);
    expect(prompt).toContain('Which card do I have on file?');
    expect(prompt).not.toContain('4242');
    expect(prompt).not.toContain('$49.00');
  });

  it('answers a request or a complaint about billing from the docs, as before', async () => {
    const who = { customer: 'cust_ada' };
    const id = await startConversation(acme, who);
    const reply = await ask(acme, id, who, 'Why was my card declined?');
    expect(accountParts(reply.chunks)).toEqual([]);
    expect(typesOf(reply.chunks)).toContain('data-confidence');
    expect(reply.text).not.toContain('4242');
  });

  it('lists the invoices of the embedded sandbox, where the last payment is a paid invoice', async () => {
    const who = { customer: 'cust_ada' };
    const id = await startConversation(acme, who);
    const reply = await ask(acme, id, who, 'Do I owe anything?');
    expect(reply.text).toContain(
      'Your latest invoices:\n- SBX-0001, November 3, 2026: $49.00, paid on November 3, 2026',
    );
  });

  it("a secret key answers for the conversation's customer", async () => {
    const id = await startConversation(acme, { secret: true }, { customerId: 'cust_ada' });
    const reply = await ask(acme, id, { secret: true }, 'When was my last payment?');
    expect(reply.text).toContain('your last payment went through on November 3, 2026');
  });

  it("never reads another tenant's customer, and a customer with no record gets the docs", async () => {
    // A verified id that only Globex knows: Acme has no record of it.
    const who = { customer: 'cust_grace' };
    const id = await startConversation(acme, who);
    const reply = await ask(acme, id, who, 'Which card do I have on file?');
    expect(accountParts(reply.chunks)).toEqual([]);
    expect(reply.text).not.toContain('1881');
    expect(reply.text).not.toContain('Grace');
    expect(reply.text).not.toContain('990');
    // Globex's own widget, with the same customer, sees Grace's account.
    const own = await startConversation(globex, who);
    const answer = await ask(globex, own, who, 'Which card do I have on file?');
    expect(answer.text).toContain('Visa ending 1881');
    expect(answer.text).toContain('$990.00 a month');
  });

  it('needs a verified identity: an anonymous visitor is asked to sign in', async () => {
    const who = { visitor: 'visitor-account-1' };
    const id = await startConversation(acme, who);
    const reply = await ask(acme, id, who, 'Which card do I have on file?');
    expect(reply.text).toBe(signInRequiredAnswer);
    expect(accountParts(reply.chunks)).toEqual([]);
  });

  it('tells a customer who left that their subscription ended, and a declined card to be replaced', async () => {
    await addCustomer(acme, { id: 'cust_cy', name: 'Cy Twombly', accountStatus: 'churned' });
    const cy = { customer: 'cust_cy' };
    const left = await ask(
      acme,
      await startConversation(acme, cy),
      cy,
      'Is my subscription paid up?',
    );
    expect(left.text).toBe(
      "Here's what I can see on your account, Cy: your subscription has ended, so nothing more will be charged." +
        // Asked whether it is paid: the (sandbox) provider's invoices follow.
        '\n\nThere are no invoices on your account yet.',
    );

    await addCustomer(
      acme,
      { id: 'cust_bob', name: 'Bob Marley', accountStatus: 'resolved' },
      { lastFourDigits: '0002', expiryMonth: 3, expiryYear: 2029 },
    );
    const [card] = await storage.paymentMethods.listByCustomer({
      tenantId: acme.tenant.id,
      customerId: 'cust_bob',
    });
    await storage.paymentMethods.update({
      tenantId: acme.tenant.id,
      id: card!.id,
      changes: { status: 'failed', failureCount: 1 },
    });
    const bob = { customer: 'cust_bob' };
    const reply = await ask(acme, await startConversation(acme, bob), bob, 'What is my balance?');
    expect(reply.text).toContain("Bob: it's in good standing");
    expect(reply.text).toContain('your Visa ending 0002, which was declined: add a new card');
  });

  describe('asked about invoices, the payment provider is read', () => {
    let withInvoices: Awaited<ReturnType<typeof startChatServer>>;
    const calls: { customerId: string; limit?: number }[] = [];
    const logger = createMemoryLogger();
    let answer: () => Promise<InvoiceSummary[]>;
    const invoice = (number: string, month: number, extra: Partial<InvoiceSummary> = {}) => ({
      providerInvoiceId: `in_${number}`,
      number,
      status: 'paid' as const,
      total: 49,
      amountDue: 0,
      currency: 'usd',
      createdAt: new Date(Date.UTC(2026, month - 1, 3, 8)),
      paidAt: new Date(Date.UTC(2026, month - 1, 3, 9)),
      hostedInvoiceUrl: `https://invoice.stripe.com/i/acct_1/${number}`,
      ...extra,
    });

    beforeAll(async () => {
      // A Stripe-like provider: customers are linked by their Stripe customer id.
      const provider: PaymentProviderV1 = {
        ...createSandboxPaymentProvider(),
        provider: 'stripe-like',
        doListInvoices: async (options) => {
          calls.push(options);
          return answer();
        },
      };
      withInvoices = await startChatServer({ storage, payments: { provider }, logger });
      await addCustomer(
        acme,
        {
          id: 'cust_dee',
          name: 'Dee Dee Ramone',
          accountStatus: 'active',
          stripeCustomerId: 'cus_dee',
        },
        { lastFourDigits: '4444', expiryMonth: 5, expiryYear: 2031 },
      );
    });

    afterAll(async () => {
      await withInvoices?.close();
    });

    const askThere = async (who: Caller, text: string) => {
      const client = chatClient(withInvoices.url, acme);
      return client.ask(await client.start(who), who, text);
    };

    it('lists the newest three, linked to their pages, with what is still due', async () => {
      answer = async () => [
        invoice('ACME-0012', 12, {
          status: 'open',
          amountDue: 49,
          paidAt: undefined,
          dueDate: new Date('2026-12-17T00:00:00Z'),
        }),
        invoice('ACME-0011', 11),
        invoice('ACME-0010', 10, { hostedInvoiceUrl: 'javascript:alert(1)' }),
      ];
      calls.length = 0;
      const reply = await askThere({ customer: 'cust_dee' }, 'Show me my invoices');
      expect(calls).toEqual([{ customerId: 'cus_dee', limit: 3 }]);
      expect(reply.text).toContain(
        [
          'Your latest invoices:',
          '- [ACME-0012](https://invoice.stripe.com/i/acct_1/ACME-0012), December 3, 2026: $49.00, $49.00 due by December 17, 2026',
          '- [ACME-0011](https://invoice.stripe.com/i/acct_1/ACME-0011), November 3, 2026: $49.00, paid on November 3, 2026',
          // Only an https page is ever linked.
          '- ACME-0010, October 3, 2026: $49.00, paid on October 3, 2026',
        ].join('\n'),
      );
      const [data] = accountParts(reply.chunks) as { invoices: unknown[] }[];
      expect(data!.invoices).toHaveLength(3);
      // The part never carries a page address the text would not link.
      expect(data!.invoices[2]).not.toHaveProperty('hostedInvoiceUrl');
      expect(data!.invoices[0]).toEqual({
        number: 'ACME-0012',
        status: 'open',
        total: 49,
        amountDue: 49,
        currency: 'usd',
        createdAt: '2026-12-03T08:00:00.000Z',
        dueDate: '2026-12-17T00:00:00.000Z',
        hostedInvoiceUrl: 'https://invoice.stripe.com/i/acct_1/ACME-0012',
      });
    });

    it('does not ask the provider when the question is about the card', async () => {
      calls.length = 0;
      const reply = await askThere({ customer: 'cust_dee' }, 'Which card do I have on file?');
      expect(reply.text).toContain('Visa ending 4444');
      expect(calls).toEqual([]);
    });

    it('says so when the provider cannot answer, and the rest of the answer stands', async () => {
      answer = async () => {
        throw new Error('connect ECONNREFUSED');
      };
      const reply = await askThere({ customer: 'cust_dee' }, 'What is my balance?');
      expect(reply.text).toContain("Here's what I can see on your account, Dee:");
      expect(reply.text).toContain(
        "I couldn't reach the billing system for your invoices just now: please ask again in a minute.",
      );
      expect(accountParts(reply.chunks)).toEqual([
        expect.objectContaining({ invoices: 'unavailable' }),
      ]);
      expect(logger.lines.some((entry) => entry.message.includes('invoices'))).toBe(true);
    });

    it('answers without the invoices when the provider is slow, after 4 s at most', async () => {
      let release = () => {};
      answer = () =>
        new Promise((resolve) => {
          release = () => resolve([]);
        });
      // The reader gives up after its 4 s (Stripe itself would take 30 s an attempt).
      const reply = await askThere({ customer: 'cust_dee' }, 'Show me my invoices');
      release();
      expect(reply.text).toContain("Here's what I can see on your account, Dee:");
      expect(reply.text).toContain("I couldn't reach the billing system for your invoices");
    }, 20_000);

    it('Stop ends the turn while the provider is still being asked', async () => {
      answer = () => new Promise(() => {});
      const client = chatClient(withInvoices.url, acme);
      const who = { customer: 'cust_dee' };
      const id = await client.start(who);
      const response = await fetch(`${withInvoices.url}/api/conversations/${id}/messages`, {
        method: 'POST',
        headers: widgetHeaders(acme, who),
        body: JSON.stringify({ text: 'Show me my invoices' }),
      });
      const stop = await fetch(`${withInvoices.url}/api/conversations/${id}/stop`, {
        method: 'POST',
        headers: widgetHeaders(acme, who),
      });
      expect(await stop.json()).toEqual({ stopped: true });
      const chunks = await readChunks(response);
      expect(typesOf(chunks).at(-1)).toBe('abort');
      expect(accountParts(chunks)).toEqual([]);
    });

    it('a customer not linked to the provider gets the same note, and no call is made', async () => {
      calls.length = 0;
      const reply = await askThere({ customer: 'cust_ada' }, 'Show me my invoices');
      expect(reply.text).toContain("Here's what I can see on your account, Ada:");
      expect(reply.text).toContain("I couldn't reach the billing system for your invoices");
      expect(calls).toEqual([]);
    });
  });
});
