import type { StoredChunk } from '../../knowledge-store/v1/index.js';

/**
 * A small hand-written support corpus (billing, cards, webhooks, account) and
 * paraphrased questions with the chunk that answers each. Used by the retrieval
 * tests and by `bench/retrieval.bench.ts` to compare BM25 with hybrid retrieval.
 * Not exported from the package.
 */
const sections: {
  id: string;
  documentId: string;
  title: string;
  headings: string[];
  docType: string;
  category: string;
  content: string;
}[] = [
  {
    id: 'cards-update',
    documentId: 'cards',
    title: 'Payment methods',
    headings: ['Payment methods', 'Updating the card on file'],
    docType: 'guide',
    category: 'cards',
    content:
      'To update the card on file, open Settings, then Billing, and choose Update payment method. Enter the new card number, expiry date and CVC. The new card becomes the default for your subscription and is used for the next invoice.',
  },
  {
    id: 'cards-expiring',
    documentId: 'cards',
    title: 'Payment methods',
    headings: ['Payment methods', 'Expiring cards'],
    docType: 'guide',
    category: 'cards',
    content:
      'We email you 30 days before your card expires. Cards past their expiry date cannot be charged, so renewals fail. Your bank may send a replacement card with a new expiry date; add it before the old one lapses.',
  },
  {
    id: 'cards-accepted',
    documentId: 'cards',
    title: 'Payment methods',
    headings: ['Payment methods', 'Accepted cards'],
    docType: 'guide',
    category: 'cards',
    content:
      'We accept Visa, Mastercard, American Express and Discover. Prepaid cards work when they support recurring charges. We do not accept PayPal or bank transfers for monthly plans.',
  },
  {
    id: 'cards-remove',
    documentId: 'cards',
    title: 'Payment methods',
    headings: ['Payment methods', 'Removing a card'],
    docType: 'guide',
    category: 'cards',
    content:
      'You can delete a saved card that is not the default. To remove the default card, first add another one and make it the default. Accounts with an active subscription always keep one card.',
  },
  {
    id: 'billing-failed-payment',
    documentId: 'billing',
    title: 'Billing',
    headings: ['Billing', 'When a payment fails'],
    docType: 'guide',
    category: 'billing',
    content:
      'When a charge is declined, the invoice stays open and we retry it automatically four times over two weeks. Each failed attempt sends an email. Paying the open invoice with a working card stops the retries and keeps your account active.',
  },
  {
    id: 'billing-refunds',
    documentId: 'billing',
    title: 'Billing',
    headings: ['Billing', 'Refunds'],
    docType: 'guide',
    category: 'billing',
    content:
      'Annual plans can be refunded in full within 14 days of purchase. Monthly plans are not refunded for the current period, but you will not be charged again after cancelling. Refunds reach your bank in 5 to 10 business days.',
  },
  {
    id: 'billing-cancel',
    documentId: 'billing',
    title: 'Billing',
    headings: ['Billing', 'Cancelling a subscription'],
    docType: 'guide',
    category: 'billing',
    content:
      'You can cancel your subscription at any time from Settings, Billing, Cancel plan. Access continues until the end of the period you paid for. Your data is kept for 90 days in case you come back.',
  },
  {
    id: 'billing-invoices',
    documentId: 'billing',
    title: 'Billing',
    headings: ['Billing', 'Invoices and receipts'],
    docType: 'guide',
    category: 'billing',
    content:
      'Every invoice is emailed to the billing contact and can be downloaded as a PDF from the Invoices tab. You can add your company name, address and VAT number so they appear on future invoices.',
  },
  {
    id: 'billing-plans',
    documentId: 'pricing',
    title: 'Plans and pricing',
    headings: ['Plans and pricing', 'Changing plans'],
    docType: 'guide',
    category: 'billing',
    content:
      'Upgrading takes effect immediately and the difference is prorated on your next invoice. Downgrading takes effect at the end of the current billing period. Seats can be added at any time.',
  },
  {
    id: 'billing-tax',
    documentId: 'pricing',
    title: 'Plans and pricing',
    headings: ['Plans and pricing', 'Taxes'],
    docType: 'faq',
    category: 'billing',
    content:
      'Prices exclude sales tax. We collect VAT in the EU and GST in Australia based on your billing address. Businesses with a valid VAT ID are reverse charged.',
  },
  {
    id: 'webhooks-signature',
    documentId: 'webhooks',
    title: 'Webhooks',
    headings: ['Webhooks', 'Verifying signatures'],
    docType: 'api-reference',
    category: 'webhooks',
    content:
      'Every webhook request carries a Churn-Signature header: an HMAC-SHA256 of the timestamp and the raw body, keyed with your endpoint secret. Compute it yourself and compare in constant time. Reject requests older than five minutes to prevent replays.',
  },
  {
    id: 'webhooks-retries',
    documentId: 'webhooks',
    title: 'Webhooks',
    headings: ['Webhooks', 'Delivery and retries'],
    docType: 'api-reference',
    category: 'webhooks',
    content:
      'Your endpoint must answer with a 2xx status within 10 seconds. Otherwise the delivery is attempted again with exponential backoff for up to three days. Deliveries can arrive out of order and more than once, so handle each event idempotently.',
  },
  {
    id: 'webhooks-setup',
    documentId: 'webhooks',
    title: 'Webhooks',
    headings: ['Webhooks', 'Creating an endpoint'],
    docType: 'api-reference',
    category: 'webhooks',
    content:
      'Add an endpoint URL in the Developers section and pick the event types to subscribe to, such as customer.updated or invoice.paid. The endpoint secret is shown once, right after creation.',
  },
  {
    id: 'webhooks-events',
    documentId: 'webhooks',
    title: 'Webhooks',
    headings: ['Webhooks', 'Event types'],
    docType: 'api-reference',
    category: 'webhooks',
    content:
      'invoice.payment_failed fires when a charge is declined. customer.subscription.deleted fires when a plan ends. payment_method.updated fires when a customer saves a new card.',
  },
  {
    id: 'account-password',
    documentId: 'account',
    title: 'Your account',
    headings: ['Your account', 'Resetting your password'],
    docType: 'faq',
    category: 'account',
    content:
      'Click Forgot password on the sign-in page and we send a reset link valid for one hour. If the email does not arrive, check the spam folder or ask your workspace owner to resend the invitation.',
  },
  {
    id: 'account-two-factor',
    documentId: 'account',
    title: 'Your account',
    headings: ['Your account', 'Two-factor authentication'],
    docType: 'faq',
    category: 'account',
    content:
      'Turn on two-factor authentication under Security. We support authenticator apps and hardware security keys. Keep your recovery codes somewhere safe: support cannot bypass 2FA.',
  },
  {
    id: 'account-delete',
    documentId: 'account',
    title: 'Your account',
    headings: ['Your account', 'Closing your account'],
    docType: 'faq',
    category: 'account',
    content:
      'The workspace owner can permanently erase the workspace and all its data from Settings, Danger zone. This cannot be undone, and any active subscription is cancelled first.',
  },
  {
    id: 'account-email',
    documentId: 'account',
    title: 'Your account',
    headings: ['Your account', 'Changing your email address'],
    docType: 'faq',
    category: 'account',
    content:
      'Edit your login email from Profile. We send a confirmation link to the new address, and the old address keeps working until you click it.',
  },
  {
    id: 'api-keys',
    documentId: 'api',
    title: 'API',
    headings: ['API', 'Authentication'],
    docType: 'api-reference',
    category: 'developers',
    content:
      'Authenticate API requests with a secret key in the Authorization header as a bearer token. Test keys start with sk_test and live keys with sk_live. Never expose a secret key in browser code; rotate it from the dashboard if it leaks.',
  },
  {
    id: 'api-rate-limits',
    documentId: 'api',
    title: 'API',
    headings: ['API', 'Rate limits'],
    docType: 'api-reference',
    category: 'developers',
    content:
      'Each key can make 100 requests per second. Above that the API answers 429 Too Many Requests with a Retry-After header; wait that many seconds before sending again.',
  },
  {
    id: 'changelog-2025-03',
    documentId: 'changelog',
    title: 'Changelog',
    headings: ['Changelog', 'March 2025'],
    docType: 'changelog',
    category: 'billing',
    content:
      'Smart retries now pick the best time of day to attempt a declined payment again. The billing page shows the card brand and last four digits of every saved card.',
  },
  {
    id: 'security-data',
    documentId: 'security',
    title: 'Security',
    headings: ['Security', 'How we store card data'],
    docType: 'guide',
    category: 'security',
    content:
      'Card numbers never touch our servers: the card form is served by Stripe, which is PCI DSS Level 1 certified. We only keep the brand, the last four digits and the expiry month and year.',
  },
];

/** The tenant the corpus belongs to. */
export const corpusTenantId = 'tenant-docs';

/** The corpus as stored chunks of {@link corpusTenantId}, without embeddings. */
export function corpusChunks(tenantId = corpusTenantId): StoredChunk[] {
  return sections.map((section, index) => ({
    id: section.id,
    tenantId,
    documentId: section.documentId,
    content: section.content,
    tokenCount: Math.ceil(section.content.split(/\s+/).length * 1.3),
    metadata: {
      tenantId,
      documentId: section.documentId,
      sourceUrl: `https://docs.example.com/${section.documentId}#${section.id}`,
      title: section.title,
      docType: section.docType,
      category: section.category,
      headingPath: section.headings,
      index,
    },
    embedding: [],
    createdAt: new Date('2025-03-01T00:00:00.000Z'),
  }));
}

/** Paraphrased questions, each with the chunk that answers it. */
export const corpusQuestions: { question: string; answer: string }[] = [
  { question: 'How can I change the credit card I pay with?', answer: 'cards-update' },
  { question: 'my visa is about to run out, what do i do', answer: 'cards-expiring' },
  { question: 'Can I pay with an Amex?', answer: 'cards-accepted' },
  { question: 'how do I get rid of an old saved card', answer: 'cards-remove' },
  { question: 'My payment was declined, will you try again?', answer: 'billing-failed-payment' },
  { question: 'Can I get my money back for the yearly plan?', answer: 'billing-refunds' },
  { question: 'I want to stop my subscription', answer: 'billing-cancel' },
  { question: 'Where do I download a receipt?', answer: 'billing-invoices' },
  { question: 'What happens if I switch to a cheaper tier?', answer: 'billing-plans' },
  { question: 'do you charge VAT', answer: 'billing-tax' },
  { question: 'How do I check that a webhook really came from you?', answer: 'webhooks-signature' },
  { question: 'What if my server is down when you send an event?', answer: 'webhooks-retries' },
  { question: 'How do I register a webhook URL?', answer: 'webhooks-setup' },
  { question: 'Which event tells me a card was declined?', answer: 'webhooks-events' },
  { question: 'I forgot my login password', answer: 'account-password' },
  { question: 'how to enable 2fa', answer: 'account-two-factor' },
  { question: 'How do I delete my workspace permanently?', answer: 'account-delete' },
  { question: 'update my e-mail adress', answer: 'account-email' },
  { question: 'how do i authenticate with the api', answer: 'api-keys' },
  { question: 'I get error 429 from the API', answer: 'api-rate-limits' },
  { question: 'Do you store my full card number?', answer: 'security-data' },
  { question: 'updating the card on file', answer: 'cards-update' },
  { question: 'are webhook payloads signed', answer: 'webhooks-signature' },
  { question: 'paymnet failed retry', answer: 'billing-failed-payment' },
];
