import { html, nothing, render } from 'lit';
import { assert, assertEqual, describe, it } from '../../test/harness.js';
import { assertInert, xssCorpus } from '../../test/xss-corpus.js';
import { decodeEntities, renderMarkdown } from './render-markdown.js';
import { safeUrl } from './safe-url.js';

function renderInto(markdown: string): HTMLElement {
  const container = document.createElement('div');
  document.body.append(container);
  render(renderMarkdown(markdown, { html, nothing }, { opensInNewTab: '(new tab)' }), container);
  return container;
}

describe('renderMarkdown', () => {
  it('renders paragraphs, emphasis, lists, code and tables as elements', () => {
    const container = renderInto(
      '# Title\n\nHello **bold** _it_ `x<y`\n\n- one\n- two\n\n3. three\n\n```js\nif (a < b) {}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> quoted',
    );
    assertEqual(container.querySelector('p.heading strong')?.textContent, 'Title');
    assertEqual(container.querySelector('strong + *')?.tagName, 'EM');
    assertEqual(container.querySelector('code')?.textContent, 'x<y');
    assertEqual(container.querySelectorAll('ul li').length, 2);
    assertEqual(container.querySelector('ol')?.getAttribute('start'), '3');
    assertEqual(container.querySelector('pre code')?.textContent, 'if (a < b) {}');
    assertEqual(container.querySelector('pre')?.getAttribute('tabindex'), '0');
    assertEqual(container.querySelectorAll('td').length, 2);
    assertEqual(container.querySelector('blockquote p')?.textContent, 'quoted');
    container.remove();
  });

  it('opens safe links in a new tab without opener and drops unsafe ones', () => {
    const container = renderInto(
      '[docs](https://help.example.com/a) [mail](mailto:help@example.com) [bad](javascript:alert(1))',
    );
    const links = [...container.querySelectorAll('a')];
    assertEqual(
      links.map((link) => link.getAttribute('href')),
      ['https://help.example.com/a', 'mailto:help@example.com'],
    );
    for (const link of links) {
      assertEqual(link.target, '_blank');
      assertEqual(link.rel, 'noopener noreferrer');
    }
    assert(container.textContent?.includes('bad'), 'the unsafe link keeps its text');
    container.remove();
  });

  it('shows raw HTML as text and decodes entities as text', () => {
    const container = renderInto('a <b>bold</b> &amp; &lt;i&gt;');
    assertEqual(container.querySelector('b'), null);
    assertEqual(container.textContent?.trim(), 'a <b>bold</b> & <i>');
    container.remove();
    assertEqual(decodeEntities('&#x3C;&#60;&quot;&unknown;'), '<<"&unknown;');
  });

  it('runs no script from any of the XSS corpus', async () => {
    for (const [index, entry] of xssCorpus.entries()) {
      const container = renderInto(entry);
      await new Promise((resolve) => setTimeout(resolve, 0));
      assertInert(container, `corpus #${index}`);
      container.remove();
    }
  });
});

describe('safeUrl', () => {
  it('keeps http, https and mailto, refuses everything else', () => {
    assertEqual(safeUrl('https://example.com/a b'), 'https://example.com/a%20b');
    assertEqual(safeUrl('mailto:a@example.com'), 'mailto:a@example.com');
    for (const value of [
      'javascript:alert(1)',
      ' JAVASCRIPT:alert(1)',
      'java\nscript:alert(1)',
      'data:text/html,x',
      '/relative',
      '',
      42,
    ]) {
      assertEqual(safeUrl(value), undefined, String(value));
    }
  });
});
