import { documentArbitrary } from './arbitraries.js';
import { type DocumentInput, DocumentSchema } from './document.js';
import { describeEntity } from './rule-test-kit.js';

const example: DocumentInput = {
  id: 'doc_1',
  tenantId: 'ten_1',
  sourceUrl: 'https://docs.acme.example/billing/update-card',
  title: 'Update your card',
  content: '# Update your card\n\nOpen Billing, then choose Update card.',
  docType: 'guide',
  category: 'billing',
  lastUpdated: '2026-02-10',
  scrapedAt: '2026-03-01T04:00:00Z',
};

describeEntity('Document', DocumentSchema, {
  example,
  arbitrary: documentArbitrary(),
  accepted: [
    { title: 'a file URL', change: (d) => ({ ...d, sourceUrl: 'file:///srv/docs/billing.md' }) },
    { title: 'a raw text source', change: (d) => ({ ...d, sourceUrl: 'raw:faq-refunds' }) },
    { title: 'a multi-word category', change: (d) => ({ ...d, category: 'payment-methods' }) },
  ],
  rules: [
    {
      rule: 'docType is api, guide or support',
      path: ['docType'],
      message: /must be one of: api, guide, support/,
      breakIt: (d) => ({ ...d, docType: 'tutorial' }),
    },
    ...['Billing', 'billing and payments', '', 'billing-'].map((category) => ({
      rule: `category is a lowercase slug (not ${JSON.stringify(category)})`,
      path: ['category'],
      message: /must be a lowercase slug like billing/,
      breakIt: (d: DocumentInput) => ({ ...d, category }),
    })),
    {
      rule: 'sourceUrl is an absolute URL',
      path: ['sourceUrl'],
      message: /must be an absolute http, https or file URL/,
      breakIt: (d) => ({ ...d, sourceUrl: '/billing/update-card' }),
    },
    {
      rule: 'title is not empty',
      path: ['title'],
      message: /must not be empty/,
      breakIt: (d) => ({ ...d, title: ' ' }),
    },
    {
      rule: 'content is not empty',
      path: ['content'],
      message: /must not be empty/,
      breakIt: (d) => ({ ...d, content: '' }),
    },
    {
      rule: 'scrapedAt is a date',
      path: ['scrapedAt'],
      message: /must be a date/,
      breakIt: (d) => ({ ...d, scrapedAt: '2026-13-01' }),
    },
  ],
});
