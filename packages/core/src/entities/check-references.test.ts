import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../clock.js';
import { ValidationError } from '../errors/validation-error.js';
import { customerArbitrary, paymentMethodArbitrary } from './arbitraries.js';
import { assertReferences, checkReferences, type ReferenceCheckInput } from './check-references.js';
import { CustomerSchema } from './customer.js';
import { parseEntity } from './parse-entity.js';
import { createPaymentMethodSchema } from './payment-method.js';

const start = new Date('2026-03-15T12:00:00Z');
const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);

/** A small, fully consistent data set of both seeds. */
function dataSet() {
  return {
    tenants: [{ id: 'ten_1' }, { id: 'ten_2' }],
    customers: [
      { id: 'cus_1', tenantId: 'ten_1' },
      { id: 'cus_2', tenantId: 'ten_2' },
    ],
    paymentMethods: [{ id: 'pm_1', tenantId: 'ten_1', customerId: 'cus_1' }],
    adminUsers: [
      { id: 'adm_1', tenantId: 'ten_1', email: 'grace@example.com' },
      { id: 'adm_2', tenantId: 'ten_2', email: 'grace@example.com' },
    ],
    conversations: [
      {
        id: 'conv_1',
        tenantId: 'ten_1',
        customerId: 'cus_1' as string | null,
        startedAt: start,
        endedAt: at(120) as Date | undefined,
        recovery: { adminUserId: 'adm_1' } as { adminUserId: string } | undefined,
      },
      {
        id: 'conv_2',
        tenantId: 'ten_2',
        customerId: null,
        startedAt: start,
        endedAt: undefined,
        recovery: undefined,
      },
    ],
    messages: [
      { id: 'msg_1', conversationId: 'conv_1', timestamp: at(0) },
      { id: 'msg_2', conversationId: 'conv_1', timestamp: at(120) },
      { id: 'msg_3', conversationId: 'conv_2', timestamp: at(10_000) },
    ],
    chatSessions: [
      {
        id: 'conv_1',
        tenantId: 'ten_1',
        customerId: 'cus_1',
        adminUserId: 'adm_1',
        startTime: start,
        endTime: at(120) as Date | undefined,
      },
    ],
    chatMessages: [{ id: 'msg_1', chatSessionId: 'conv_1', timestamp: at(60) }],
    documents: [{ id: 'doc_1', tenantId: 'ten_1' }],
    chunks: [{ id: 'chk_1', documentId: 'doc_1' }],
    retrievals: [{ id: 'ret_1', messageId: 'msg_2', chunkId: 'chk_1' }],
    feedback: [{ id: 'fb_1', messageId: 'msg_2' }],
    escalations: [{ id: 'esc_1', conversationId: 'conv_2' }],
    integrations: [{ id: 'int_1', tenantId: 'ten_1' }],
    analytics: [{ id: 'an_1', tenantId: 'ten_2' }],
    abTests: [{ id: 'ab_1', tenantId: 'ten_1' }],
  };
}

type DataSet = ReturnType<typeof dataSet>;

describe('checkReferences', () => {
  it('finds nothing wrong in a consistent data set', () => {
    expect(checkReferences(dataSet())).toEqual([]);
    expect(() => assertReferences(dataSet())).not.toThrow();
  });

  it.each<[string, (data: DataSet) => void, (string | number)[], RegExp]>([
    [
      'ids are unique within a collection',
      (d) => d.customers.push({ id: 'cus_1', tenantId: 'ten_1' }),
      ['customers', 2, 'id'],
      /must be unique/,
    ],
    [
      'admin emails are unique within a tenant',
      (d) => d.adminUsers.push({ id: 'adm_3', tenantId: 'ten_1', email: 'GRACE@example.com' }),
      ['adminUsers', 2, 'email'],
      /must be unique/,
    ],
    [
      'a payment method references an existing customer',
      (d) => {
        d.paymentMethods[0]!.customerId = 'cus_9';
      },
      ['paymentMethods', 0, 'customerId'],
      /must reference an existing customer: no customer has id "cus_9"/,
    ],
    [
      'a payment method belongs to its customer tenant',
      (d) => {
        d.paymentMethods[0]!.customerId = 'cus_2';
      },
      ['paymentMethods', 0, 'tenantId'],
      /must be the tenant of the referenced customer \(ten_2\)/,
    ],
    [
      'a conversation references an existing customer',
      (d) => {
        d.conversations[0]!.customerId = 'cus_9';
      },
      ['conversations', 0, 'customerId'],
      /must reference an existing customer/,
    ],
    [
      'a conversation belongs to its customer tenant',
      (d) => {
        d.conversations[0]!.customerId = 'cus_2';
      },
      ['conversations', 0, 'tenantId'],
      /must be the tenant of the referenced customer/,
    ],
    [
      'a recovery names an existing admin user',
      (d) => {
        d.conversations[0]!.recovery = { adminUserId: 'adm_9' };
      },
      ['conversations', 0, 'recovery', 'adminUserId'],
      /must reference an existing admin user/,
    ],
    [
      'a chat session references an existing customer',
      (d) => {
        d.chatSessions[0]!.customerId = 'cus_9';
      },
      ['chatSessions', 0, 'customerId'],
      /must reference an existing customer/,
    ],
    [
      'a chat session references an existing admin user',
      (d) => {
        d.chatSessions[0]!.adminUserId = 'adm_9';
      },
      ['chatSessions', 0, 'adminUserId'],
      /must reference an existing admin user/,
    ],
    [
      'a message references an existing conversation',
      (d) => {
        d.messages[0]!.conversationId = 'conv_9';
      },
      ['messages', 0, 'conversationId'],
      /must reference an existing conversation/,
    ],
    [
      'a message is not before its conversation started',
      (d) => {
        d.messages[0]!.timestamp = at(-1);
      },
      ['messages', 0, 'timestamp'],
      /must be within its conversation: not before it started/,
    ],
    [
      'a message is not after its conversation ended',
      (d) => {
        d.messages[1]!.timestamp = at(121);
      },
      ['messages', 1, 'timestamp'],
      /must be within its conversation: not after it ended/,
    ],
    [
      'a chat message references an existing chat session',
      (d) => {
        d.chatMessages[0]!.chatSessionId = 'conv_9';
      },
      ['chatMessages', 0, 'chatSessionId'],
      /must reference an existing chat session/,
    ],
    [
      'a chat message is within its session timeframe',
      (d) => {
        d.chatMessages[0]!.timestamp = at(121);
      },
      ['chatMessages', 0, 'timestamp'],
      /must be within its chat session: not after it ended/,
    ],
    [
      'a chat message is not before its session',
      (d) => {
        d.chatMessages[0]!.timestamp = at(-5);
      },
      ['chatMessages', 0, 'timestamp'],
      /must be within its chat session: not before it started/,
    ],
    [
      'a document belongs to an existing tenant',
      (d) => {
        d.documents[0]!.tenantId = 'ten_9';
      },
      ['documents', 0, 'tenantId'],
      /must reference an existing tenant/,
    ],
    [
      'a customer belongs to an existing tenant',
      (d) => {
        d.customers[1]!.tenantId = 'ten_9';
      },
      ['customers', 1, 'tenantId'],
      /must reference an existing tenant/,
    ],
    [
      'a chunk references an existing document',
      (d) => {
        d.chunks[0]!.documentId = 'doc_9';
      },
      ['chunks', 0, 'documentId'],
      /must reference an existing document/,
    ],
    [
      'a retrieval references an existing message',
      (d) => {
        d.retrievals[0]!.messageId = 'msg_9';
      },
      ['retrievals', 0, 'messageId'],
      /must reference an existing message/,
    ],
    [
      'a retrieval references an existing chunk',
      (d) => {
        d.retrievals[0]!.chunkId = 'chk_9';
      },
      ['retrievals', 0, 'chunkId'],
      /must reference an existing chunk/,
    ],
    [
      'feedback references an existing message',
      (d) => {
        d.feedback[0]!.messageId = 'msg_9';
      },
      ['feedback', 0, 'messageId'],
      /must reference an existing message/,
    ],
    [
      'an escalation references an existing conversation',
      (d) => {
        d.escalations[0]!.conversationId = 'conv_9';
      },
      ['escalations', 0, 'conversationId'],
      /must reference an existing conversation/,
    ],
    [
      'an integration belongs to an existing tenant',
      (d) => {
        d.integrations[0]!.tenantId = 'ten_9';
      },
      ['integrations', 0, 'tenantId'],
      /must reference an existing tenant/,
    ],
    [
      'analytics belong to an existing tenant',
      (d) => {
        d.analytics[0]!.tenantId = 'ten_9';
      },
      ['analytics', 0, 'tenantId'],
      /must reference an existing tenant/,
    ],
    [
      'an A/B assignment belongs to an existing tenant',
      (d) => {
        d.abTests[0]!.tenantId = 'ten_9';
      },
      ['abTests', 0, 'tenantId'],
      /must reference an existing tenant/,
    ],
  ])('%s', (_rule, breakIt, path, message) => {
    const data = dataSet();
    breakIt(data);
    const issues = checkReferences(data);
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
    expect(() => assertReferences(data)).toThrow(ValidationError);
  });

  it('checks a reference only when both collections are given', () => {
    const { paymentMethods } = dataSet();
    const input: ReferenceCheckInput = {
      paymentMethods: [{ ...paymentMethods[0]!, customerId: 'cus_9' }],
    };
    expect(checkReferences(input)).toEqual([]);
  });

  it('accepts random customers with payment methods pointing at them, and flags one that points nowhere', () => {
    const now = new Date('2026-03-15T12:00:00Z');
    fc.assert(
      fc.property(
        fc.uniqueArray(customerArbitrary(), {
          minLength: 1,
          maxLength: 5,
          selector: (customer) => customer.id,
        }),
        fc.array(fc.tuple(paymentMethodArbitrary({ now }), fc.nat()), { maxLength: 5 }),
        (customerInputs, methodDrafts) => {
          const customers = customerInputs.map((input) =>
            parseEntity(CustomerSchema, input, 'Customer'),
          );
          const paymentMethods = methodDrafts.map(([draft, pick], index) => {
            const owner = customers[pick % customers.length]!;
            const method = {
              ...draft,
              id: `pm_${index}`,
              customerId: owner.id,
              tenantId: owner.tenantId,
            };
            return parseEntity(
              createPaymentMethodSchema({ clock: fixedClock(now) }),
              method,
              'PaymentMethod',
            );
          });
          expect(checkReferences({ customers, paymentMethods })).toEqual([]);
          const orphan = {
            id: 'pm_orphan',
            tenantId: customers[0]!.tenantId,
            customerId: 'cus_missing',
          };
          expect(
            checkReferences({ customers, paymentMethods: [...paymentMethods, orphan] }),
          ).toContainEqual({
            path: ['paymentMethods', paymentMethods.length, 'customerId'],
            message: expect.stringMatching(/must reference an existing customer/),
          });
        },
      ),
    );
  });
});
