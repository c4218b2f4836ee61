import { describe, expect, it } from 'vitest';
import { inferCategory, inferDocType } from './classify-document.js';
import { decodeText } from './decode-text.js';
import { htmlToMarkdown } from './html-to-markdown.js';
import { isPrivateAddress } from './network-guard.js';
import { hashContent, normaliseContent } from './normalise-content.js';
import { parseSitemap } from './parse-sitemap.js';
import { SkipError } from './skip-reason.js';

function skipReason(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof SkipError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('isPrivateAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.0.0.8', true],
    ['172.20.1.1', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['::', true],
    ['fe80::1%eth0', true],
    ['fd12:3456::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:10.0.0.1', true],
    ['64:ff9b::a9fe:a9fe', true],
    ['2002:7f00:1::1', true],
    ['not an address', true],
    ['8.8.8.8', false],
    ['93.184.216.34', false],
    ['::ffff:8.8.8.8', false],
    ['2606:4700:4700::1111', false],
  ])('%s is private: %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});

describe('decodeText', () => {
  it('honours the declared charset, a meta charset and a byte-order mark', () => {
    expect(
      decodeText(Buffer.from('café', 'latin1'), {
        contentType: 'text/plain; charset=ISO-8859-1',
        format: 'text',
      }),
    ).toBe('café');
    const html = Buffer.concat([
      Buffer.from('<meta charset="windows-1252"><p>'),
      Buffer.from([0x93, 0x68, 0x69, 0x94]),
      Buffer.from('</p>'),
    ]);
    expect(decodeText(html, { format: 'html' })).toContain('\u201chi\u201d');
    expect(decodeText(Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69]), { format: 'text' })).toBe('hi');
  });

  it('skips invalid UTF-8, unknown charsets and binary content with a reason', () => {
    expect(skipReason(() => decodeText(Buffer.from([0x61, 0xc3, 0x28]), { format: 'text' }))).toBe(
      'encoding',
    );
    expect(
      skipReason(() =>
        decodeText(Buffer.from('x'), {
          contentType: 'text/plain; charset=klingon',
          format: 'text',
        }),
      ),
    ).toBe('encoding');
    expect(
      skipReason(() =>
        decodeText(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]), { format: 'text' }),
      ),
    ).toBe('not-text');
    expect(
      skipReason(() =>
        decodeText(Buffer.from('\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000e'), {
          format: 'text',
        }),
      ),
    ).toBe('malformed');
  });
});

describe('htmlToMarkdown', () => {
  it('keeps headings, lists, tables and code, and drops boilerplate', () => {
    const { title, markdown, links } = htmlToMarkdown(
      `<html><head><title> Cards  guide </title><style>p{}</style></head><body>
      <header>Site header</header><nav><a href="/a">A</a></nav><aside>Related</aside>
      <h1>Cards</h1><p>Update <b>your</b> card &amp; retry.</p>
      <ol><li>Open settings<ul><li>Billing tab</li></ul></li><li>Save</li></ol>
      <table><thead><tr><th>Code</th><th>Meaning</th></tr></thead><tbody><tr><td>a|b</td><td>x</td></tr></tbody></table>
      <pre class="language-bash">curl https://api.stripe.com
  -d x=1</pre>
      <div aria-hidden="true">hidden</div><footer>Footer</footer></body></html>`,
      'https://docs.acme.test/guide/',
    );
    expect(title).toBe('Cards guide');
    expect(markdown).toBe(
      [
        '# Cards',
        'Update your card & retry.',
        '1. Open settings\n   - Billing tab\n2. Save',
        '| Code | Meaning |\n| --- | --- |\n| a\\|b | x |',
        '```bash\ncurl https://api.stripe.com\n  -d x=1\n```',
      ].join('\n\n'),
    );
    expect(links).toEqual(['https://docs.acme.test/a']);
  });

  it('survives malformed HTML and reads meta robots', () => {
    const { markdown, robots, title } = htmlToMarkdown(
      '<meta name="robots" content="noindex, nofollow"><h1>Broken <em>page</h1><p>unclosed <ul><li>one<li>two</table></div>',
    );
    expect(title).toBe('Broken page');
    expect(markdown).toBe('# Broken page\n\nunclosed\n\n- one\n- two');
    expect(robots).toEqual({ noindex: true, nofollow: true });
  });
});

describe('classification', () => {
  it('infers the category from the URL path, title and headings, else general', () => {
    expect(
      inferCategory({
        sourceUrl: 'https://d.test/billing/invoices',
        title: 'Pay an invoice',
        headings: [],
      }),
    ).toBe('invoices');
    expect(
      inferCategory({
        sourceUrl: 'https://d.test/x',
        title: 'Verify webhook signatures',
        headings: ['Events'],
      }),
    ).toBe('webhooks');
    expect(
      inferCategory({
        sourceUrl: 'https://d.test/guide',
        title: 'Subscriptions',
        headings: ['Plans', 'Trials'],
      }),
    ).toBe('billing');
    expect(
      inferCategory({
        sourceUrl: 'https://d.test/cardinal',
        title: 'Cardinal rules',
        headings: [],
      }),
    ).toBe('general');
  });

  it('infers the document type', () => {
    expect(
      inferDocType({ sourceUrl: 'https://d.test/api/customers', title: 'Customers', headings: [] }),
    ).toBe('api');
    expect(
      inferDocType({
        sourceUrl: 'https://d.test/x',
        title: 'X',
        headings: [],
        content: 'GET /v1/a\n\nPOST /v1/b',
      }),
    ).toBe('api');
    expect(
      inferDocType({ sourceUrl: 'https://d.test/help/refunds', title: 'Refunds', headings: [] }),
    ).toBe('support');
    expect(
      inferDocType({
        sourceUrl: 'https://d.test/x',
        title: 'How do I change my plan?',
        headings: [],
      }),
    ).toBe('support');
    expect(
      inferDocType({
        sourceUrl: 'https://d.test/guides/start',
        title: 'Getting started',
        headings: [],
      }),
    ).toBe('guide');
  });
});

describe('content hashing and sitemaps', () => {
  it('hashes the normalised content: line endings, trailing spaces and blank runs do not count', () => {
    const a = normaliseContent('\uFEFF# Title  \r\n\r\n\r\n\r\nText.\r\n');
    expect(a).toBe('# Title\n\nText.');
    expect(hashContent(a)).toBe(hashContent(normaliseContent('# Title\n\nText.')));
    expect(hashContent(a)).not.toBe(hashContent(normaliseContent('# Title\n\nText!')));
  });

  it('reads pages, lastmod and nested sitemaps', () => {
    const parsed = parseSitemap(
      '<urlset><url><loc> https://d.test/a </loc><lastmod>2025-01-02</lastmod></url><url><loc>/relative</loc></url><url><loc>ftp://d.test/x</loc></url></urlset><sitemapindex><sitemap><loc>https://d.test/more.xml</loc></sitemap></sitemapindex>',
      'https://d.test/sitemap.xml',
    );
    expect(parsed.pages).toEqual([
      { url: 'https://d.test/a', lastModified: new Date('2025-01-02') },
      { url: 'https://d.test/relative' },
    ]);
    expect(parsed.sitemaps).toEqual(['https://d.test/more.xml']);
  });
});
