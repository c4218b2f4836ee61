import { integrationArbitrary } from './arbitraries.js';
import { type IntegrationInput, IntegrationSchema } from './integration.js';
import { describeEntity } from './rule-test-kit.js';

const example: IntegrationInput = {
  id: 'int_1',
  tenantId: 'ten_1',
  platform: 'webhook',
  config: { secretRef: 'whsec_ref_1', events: ['escalation.created'], retries: 3 },
  webhookUrl: 'https://hooks.acme.example/churn',
  createdAt: '2026-03-01T00:00:00Z',
};

describeEntity('Integration', IntegrationSchema, {
  example,
  arbitrary: integrationArbitrary(),
  accepted: [
    {
      title: 'a local http webhook',
      change: (i) => ({ ...i, webhookUrl: 'http://127.0.0.1:8787/hook' }),
    },
    {
      title: 'slack without a URL',
      change: ({ webhookUrl, ...i }) => ({ ...i, platform: 'slack' }),
    },
  ],
  rules: [
    {
      rule: 'platform is slack, discord or webhook',
      path: ['platform'],
      message: /must be one of: slack, discord, webhook/,
      breakIt: (i) => ({ ...i, platform: 'teams' }),
    },
    {
      rule: 'a webhook integration has a URL',
      path: ['webhookUrl'],
      message: /is required when platform is webhook/,
      breakIt: ({ webhookUrl, ...i }) => ({ ...i, platform: 'webhook' }),
    },
    {
      rule: 'webhookUrl is https (http only for localhost)',
      path: ['webhookUrl'],
      message: /must be an https URL/,
      breakIt: (i) => ({ ...i, webhookUrl: 'http://hooks.acme.example/churn' }),
    },
    {
      rule: 'webhookUrl is at most 500 characters',
      path: ['webhookUrl'],
      message: /at most 500 characters/,
      breakIt: (i) => ({ ...i, webhookUrl: `https://hooks.example.com/${'a'.repeat(480)}` }),
    },
    {
      rule: 'config is a JSON object',
      path: ['config'],
      message: /must be a JSON object/,
      breakIt: (i) => ({ ...i, config: '{"channel":"#support"}' }),
    },
    {
      rule: 'config holds only JSON values',
      path: ['config', 'onSend'],
      message: /must be a JSON value/,
      breakIt: (i) => ({ ...i, config: { onSend: () => undefined } }),
    },
  ],
});
