import type { DocType } from '../../entities/enums.js';

/** One category and the words that point to it. */
export interface CategoryRule {
  /** A lowercase slug, for example `billing`. */
  category: string;
  /** Lowercase words or phrases, matched as whole words (`card` does not match `cardinal`). */
  keywords: string[];
}

/**
 * The built-in category rules, tried in this order (earlier wins a tie). Tenants
 * may pass their own with `categoryRules`.
 */
export const defaultCategoryRules: readonly CategoryRule[] = [
  {
    category: 'webhooks',
    keywords: [
      'webhook',
      'webhooks',
      'event',
      'events',
      'signature',
      'signatures',
      'endpoint secret',
    ],
  },
  {
    category: 'invoices',
    keywords: [
      'invoice',
      'invoices',
      'invoicing',
      'receipt',
      'receipts',
      'credit note',
      'credit notes',
    ],
  },
  {
    category: 'cards',
    keywords: [
      'card',
      'cards',
      'credit card',
      'debit card',
      'expiry',
      'expiring',
      'expiration',
      'expired',
      'cvc',
      '3d secure',
      '3ds',
      'decline',
      'declined',
      'declines',
    ],
  },
  {
    category: 'payments',
    keywords: [
      'payment',
      'payments',
      'pay',
      'charge',
      'charges',
      'refund',
      'refunds',
      'checkout',
      'payout',
      'payouts',
      'dispute',
      'disputes',
      'payment intent',
      'payment intents',
      'payment method',
      'payment methods',
    ],
  },
  {
    category: 'billing',
    keywords: [
      'billing',
      'subscription',
      'subscriptions',
      'plan',
      'plans',
      'pricing',
      'price',
      'prices',
      'proration',
      'trial',
      'trials',
      'coupon',
      'coupons',
      'discount',
      'discounts',
      'usage based',
      'metered',
    ],
  },
  {
    category: 'account',
    keywords: [
      'account',
      'accounts',
      'login',
      'log in',
      'sign in',
      'signup',
      'sign up',
      'password',
      'profile',
      'team',
      'teams',
      'settings',
      'two factor',
      '2fa',
      'api key',
      'api keys',
      'permissions',
    ],
  },
];

/** The category of a document no rule matches. */
export const defaultCategory = 'general';

/** Lowercase words joined by single spaces, padded: ` a b c `, so phrases match on word edges. */
function wordsOf(text: string): string {
  return ` ${text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .join(' ')} `;
}

function countMatches(haystack: string, keyword: string): number {
  const needle = ` ${wordsOf(keyword).trim()} `;
  let count = 0;
  for (
    let at = haystack.indexOf(needle);
    at !== -1;
    at = haystack.indexOf(needle, at + needle.length - 1)
  ) {
    count++;
  }
  return count;
}

/** The URL path words: `https://x.test/docs/billing/invoices.html` gives `docs billing invoices html`. */
function pathWords(sourceUrl: string): string {
  try {
    const url = new URL(sourceUrl);
    return wordsOf(url.protocol === 'raw:' ? '' : decodeURIComponent(url.pathname));
  } catch {
    return wordsOf(sourceUrl);
  }
}

/** What the classifiers look at. */
export interface ClassifyInput {
  sourceUrl: string;
  title: string;
  /** Headings of the document, in order. */
  headings: string[];
  /** The normalised content (only {@link inferDocType} reads it). */
  content?: string;
}

/**
 * Infers a category with a keyword score: each keyword match in the URL path
 * counts 3, in the title 2, in a heading 1. The highest score wins; ties go to the
 * rule listed first; no match at all gives `general`.
 *
 * @example inferCategory({ sourceUrl: 'https://docs.acme.test/billing/invoices', title: 'Pay an invoice', headings: [] }) // 'invoices'
 */
export function inferCategory(
  input: ClassifyInput,
  rules: readonly CategoryRule[] = defaultCategoryRules,
): string {
  const path = pathWords(input.sourceUrl);
  const title = wordsOf(input.title);
  const headings = wordsOf(input.headings.join(' \n '));
  let best = defaultCategory;
  let bestScore = 0;
  for (const rule of rules) {
    let score = 0;
    for (const keyword of rule.keywords) {
      score +=
        3 * countMatches(path, keyword) +
        2 * countMatches(title, keyword) +
        countMatches(headings, keyword);
    }
    if (score > bestScore) {
      best = rule.category;
      bestScore = score;
    }
  }
  return best;
}

const apiPathWords = [
  'api',
  'apis',
  'reference',
  'endpoint',
  'endpoints',
  'sdk',
  'sdks',
  'graphql',
  'rest',
];
const supportPathWords = [
  'faq',
  'faqs',
  'support',
  'help',
  'troubleshooting',
  'troubleshoot',
  'kb',
  'knowledge base',
  'questions',
  'issues',
];
const supportTitleWords = [
  'faq',
  'faqs',
  'troubleshooting',
  'how do i',
  'why',
  'can i',
  'help',
  'frequently asked questions',
  'error',
  'errors',
];

/**
 * Infers the document type from the URL path, the title and the text:
 *
 * 1. `api` when the path has `api`, `reference`, `endpoint(s)`, `sdk`, `graphql` or
 *    `rest`, or the title says `API`, or the text shows at least two HTTP requests
 *    (`GET /v1/...`);
 * 2. `support` when the path has `faq`, `support`, `help`, `troubleshooting`, `kb`,
 *    `questions` or `issues`, or the title reads like a question or an FAQ;
 * 3. `guide` otherwise.
 */
export function inferDocType(input: ClassifyInput): DocType {
  const path = pathWords(input.sourceUrl);
  const title = wordsOf(input.title);
  if (apiPathWords.some((word) => countMatches(path, word) > 0) || countMatches(title, 'api') > 0) {
    return 'api';
  }
  const requestLines = input.content?.match(/\b(?:GET|POST|PUT|PATCH|DELETE) \/[\w/{}:.-]+/g);
  if (requestLines && requestLines.length >= 2) return 'api';
  if (
    supportPathWords.some((word) => countMatches(path, word) > 0) ||
    supportTitleWords.some(
      (word) => title.startsWith(` ${word} `) || (word.length > 3 && countMatches(title, word) > 0),
    ) ||
    input.title.trim().endsWith('?')
  ) {
    return 'support';
  }
  return 'guide';
}
