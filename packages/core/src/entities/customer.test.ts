import { customerArbitrary } from './arbitraries.js';
import { type CustomerInput, CustomerSchema } from './customer.js';
import { describeEntity } from './rule-test-kit.js';

const example: CustomerInput = {
  id: 'cus_1',
  tenantId: 'ten_1',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  phone: '+44 20 7946 0958',
  accountStatus: 'at-risk',
  riskCategory: 'expiring-card',
  riskSeverity: 'high',
  lastPaymentDate: '2025-02-01T09:30:00Z',
  accountValue: 49,
  customerSince: '2023-06-15',
};

describeEntity('Customer', CustomerSchema, {
  example,
  arbitrary: customerArbitrary(),
  accepted: [
    { title: 'a tiny positive account value', change: (c) => ({ ...c, accountValue: 0.01 }) },
    {
      title: 'no risk category or severity while active',
      change: ({ riskCategory, riskSeverity, ...c }) => ({ ...c, accountStatus: 'active' }),
    },
    { title: 'no phone and no last payment', change: ({ phone, lastPaymentDate, ...c }) => c },
  ],
  rules: [
    { rule: 'id is required', path: ['id'], message: /is required/, breakIt: ({ id, ...c }) => c },
    {
      rule: 'id is not empty',
      path: ['id'],
      message: /must not be empty/,
      breakIt: (c) => ({ ...c, id: '' }),
    },
    {
      rule: 'id has no spaces',
      path: ['id'],
      message: /must not contain spaces/,
      breakIt: (c) => ({ ...c, id: 'cus 1' }),
    },
    {
      rule: 'id is at most 255 characters',
      path: ['id'],
      message: /at most 255/,
      breakIt: (c) => ({ ...c, id: 'c'.repeat(256) }),
    },
    {
      rule: 'name is not empty',
      path: ['name'],
      message: /must not be empty/,
      breakIt: (c) => ({ ...c, name: '   ' }),
    },
    {
      rule: 'email is a valid address',
      path: ['email'],
      message: /must be a valid email address like name@example.com/,
      breakIt: (c) => ({ ...c, email: 'ada-at-example.com' }),
    },
    {
      rule: 'phone looks like a phone number',
      path: ['phone'],
      message: /must be a phone number like/,
      breakIt: (c) => ({ ...c, phone: 'call me' }),
    },
    {
      rule: 'accountStatus is one of the seed values',
      path: ['accountStatus'],
      message: /must be one of: active, at-risk, resolved, churned/,
      breakIt: (c) => ({ ...c, accountStatus: 'suspended' }),
    },
    {
      rule: 'riskCategory is one of the two supported scenarios',
      path: ['riskCategory'],
      message: /must be expiring-card or failed-payment/,
      breakIt: (c) => ({ ...c, riskCategory: 'fraud' }),
    },
    {
      rule: 'riskSeverity is low, medium or high',
      path: ['riskSeverity'],
      message: /must be one of: low, medium, high/,
      breakIt: (c) => ({ ...c, riskSeverity: 'critical' }),
    },
    {
      rule: 'an at-risk customer has a risk category',
      path: ['riskCategory'],
      message: /is required while accountStatus is at-risk/,
      breakIt: ({ riskCategory, ...c }) => ({ ...c, accountStatus: 'at-risk' }),
    },
    {
      rule: 'an at-risk customer has a risk severity',
      path: ['riskSeverity'],
      message: /is required while accountStatus is at-risk/,
      breakIt: ({ riskSeverity, ...c }) => ({ ...c, accountStatus: 'at-risk' }),
    },
    {
      rule: 'accountValue is positive (zero is not)',
      path: ['accountValue'],
      message: /must be a positive number/,
      breakIt: (c) => ({ ...c, accountValue: 0 }),
    },
    {
      rule: 'accountValue is positive (negative is not)',
      path: ['accountValue'],
      message: /must be a positive number/,
      breakIt: (c) => ({ ...c, accountValue: -49 }),
    },
    {
      rule: 'accountValue is a number',
      path: ['accountValue'],
      message: /must be a positive number/,
      breakIt: (c) => ({ ...c, accountValue: '49' }),
    },
    {
      rule: 'customerSince is a date',
      path: ['customerSince'],
      message: /must be a date/,
      breakIt: (c) => ({ ...c, customerSince: 'last spring' }),
    },
    {
      rule: 'lastPaymentDate is a date',
      path: ['lastPaymentDate'],
      message: /must be a date/,
      breakIt: (c) => ({ ...c, lastPaymentDate: new Date('not a date') }),
    },
  ],
});
