import { churnPreventionMetricsArbitrary } from './arbitraries.js';
import {
  type ChurnPreventionMetricsInput,
  ChurnPreventionMetricsSchema,
} from './churn-prevention-metrics.js';
import { describeEntity, toDate } from './rule-test-kit.js';

const example: ChurnPreventionMetricsInput = {
  id: 'met_2026_03',
  tenantId: 'ten_1',
  periodStart: '2026-03-01',
  periodEnd: '2026-04-01',
  totalInterventions: 40,
  successfulResolutions: 31,
  averageResolutionTime: 96.5,
  customerRetentionRate: 77.5,
  revenueRetained: 1519,
};

describeEntity('ChurnPreventionMetrics', ChurnPreventionMetricsSchema, {
  example,
  arbitrary: churnPreventionMetricsArbitrary(),
  accepted: [
    {
      title: 'resolutions equal to interventions',
      change: (m) => ({ ...m, successfulResolutions: m.totalInterventions }),
    },
    {
      title: 'average resolution time of exactly 180 s',
      change: (m) => ({ ...m, averageResolutionTime: 180 }),
    },
    { title: 'retention rate 0', change: (m) => ({ ...m, customerRetentionRate: 0 }) },
    { title: 'retention rate 100', change: (m) => ({ ...m, customerRetentionRate: 100 }) },
  ],
  rules: [
    {
      rule: 'periodEnd is after periodStart (not equal)',
      path: ['periodEnd'],
      message: /must be after periodStart/,
      breakIt: (m) => ({ ...m, periodEnd: m.periodStart }),
    },
    {
      rule: 'periodEnd is after periodStart (not before)',
      path: ['periodEnd'],
      message: /must be after periodStart/,
      breakIt: (m) => ({ ...m, periodEnd: new Date(toDate(m.periodStart).getTime() - 1) }),
    },
    {
      rule: 'successfulResolutions does not exceed totalInterventions',
      path: ['successfulResolutions'],
      message: /must not exceed totalInterventions/,
      breakIt: (m) => ({ ...m, successfulResolutions: m.totalInterventions + 1 }),
    },
    {
      rule: 'totalInterventions is a whole number, 0 or more',
      path: ['totalInterventions'],
      message: /must be a whole number, 0 or more/,
      breakIt: (m) => ({ ...m, totalInterventions: -1, successfulResolutions: 0 }),
    },
    {
      rule: 'successfulResolutions is a whole number',
      path: ['successfulResolutions'],
      message: /must be a whole number, 0 or more/,
      breakIt: (m) => ({ ...m, totalInterventions: 10, successfulResolutions: 2.5 }),
    },
    {
      rule: 'averageResolutionTime is at most 180 seconds',
      path: ['averageResolutionTime'],
      message: /must be at most 180 seconds/,
      breakIt: (m) => ({ ...m, averageResolutionTime: 180.01 }),
    },
    {
      rule: 'averageResolutionTime is not negative',
      path: ['averageResolutionTime'],
      message: /from 0 to 180/,
      breakIt: (m) => ({ ...m, averageResolutionTime: -1 }),
    },
    {
      rule: 'customerRetentionRate is at most 100',
      path: ['customerRetentionRate'],
      message: /must be a percentage between 0 and 100/,
      breakIt: (m) => ({ ...m, customerRetentionRate: 100.5 }),
    },
    {
      rule: 'customerRetentionRate is at least 0',
      path: ['customerRetentionRate'],
      message: /must be a percentage between 0 and 100/,
      breakIt: (m) => ({ ...m, customerRetentionRate: -0.5 }),
    },
    {
      rule: 'revenueRetained is not negative',
      path: ['revenueRetained'],
      message: /must be an amount, 0 or more/,
      breakIt: (m) => ({ ...m, revenueRetained: -1 }),
    },
  ],
});
