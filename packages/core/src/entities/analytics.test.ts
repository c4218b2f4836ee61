import { type AnalyticsInput, AnalyticsSchema } from './analytics.js';
import { analyticsArbitrary } from './arbitraries.js';
import { describeEntity } from './rule-test-kit.js';

const example: AnalyticsInput = {
  id: 'an_1',
  tenantId: 'ten_1',
  metricName: 'response_time',
  metricValue: 812.5,
  dimensions: { category: 'billing', user_type: 'anonymous', streamed: true },
  recordedAt: '2026-03-15T13:00:00Z',
};

describeEntity('Analytics', AnalyticsSchema, {
  example,
  arbitrary: analyticsArbitrary(),
  accepted: [
    { title: 'no dimensions', change: ({ dimensions, ...a }) => a },
    { title: 'a negative value', change: (a) => ({ ...a, metricValue: -3 }) },
  ],
  rules: [
    {
      rule: 'metricName is a lowercase slug',
      path: ['metricName'],
      message: /must be a lowercase slug like response_time/,
      breakIt: (a) => ({ ...a, metricName: 'Response Time' }),
    },
    {
      rule: 'metricName is at most 100 characters',
      path: ['metricName'],
      message: /at most 100 characters/,
      breakIt: (a) => ({ ...a, metricName: 'm'.repeat(101) }),
    },
    {
      rule: 'metricValue is a finite number',
      path: ['metricValue'],
      message: /must be a finite number/,
      breakIt: (a) => ({ ...a, metricValue: Number.POSITIVE_INFINITY }),
    },
    {
      rule: 'dimension values are text, numbers or true/false',
      path: ['dimensions', 'category'],
      message: /must be text, a number or true\/false/,
      breakIt: (a) => ({ ...a, dimensions: { category: { nested: 'no' } } }),
    },
  ],
});
