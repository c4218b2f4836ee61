import { type ABTestInput, ABTestSchema } from './ab-test.js';
import { abTestArbitrary } from './arbitraries.js';
import { describeEntity } from './rule-test-kit.js';

const example: ABTestInput = {
  id: 'ab_1',
  tenantId: 'ten_1',
  testName: 'prompts',
  variant: 'B',
  userId: 'user_42',
  assignedAt: '2026-03-15T12:00:00Z',
};

describeEntity('ABTest', ABTestSchema, {
  example,
  arbitrary: abTestArbitrary(),
  accepted: [
    { title: 'a ten-character variant', change: (t) => ({ ...t, variant: 'control-01' }) },
  ],
  rules: [
    {
      rule: 'variant is 1 to 10 characters',
      path: ['variant'],
      message: /1 to 10 characters/,
      breakIt: (t) => ({ ...t, variant: 'variant-eleven' }),
    },
    {
      rule: 'variant is not empty',
      path: ['variant'],
      message: /1 to 10 characters/,
      breakIt: (t) => ({ ...t, variant: '' }),
    },
    {
      rule: 'testName is at most 100 characters',
      path: ['testName'],
      message: /at most 100 characters/,
      breakIt: (t) => ({ ...t, testName: 't'.repeat(101) }),
    },
    {
      rule: 'userId is required',
      path: ['userId'],
      message: /is required/,
      breakIt: ({ userId, ...t }) => t,
    },
  ],
});
