import type { html as litHtml, nothing as litNothing, TemplateResult } from 'lit';
import { Lexer, type Token, type Tokens } from 'marked';
import { safeUrl } from './safe-url.js';

/**
 * The Lit template functions of the element that renders: passed in, so this lazily loaded
 * module carries no copy of Lit of its own.
 */
export interface Templating {
  html: typeof litHtml;
  nothing: typeof litNothing;
}

/** What the renderer needs besides the text. */
export interface RenderMarkdownOptions {
  /** Read out after a link's text: links open in a new tab. */
  opensInNewTab: string;
}

type Rendered = TemplateResult | string | symbol;

const css = String.raw;

/**
 * The styles of rendered Markdown and of an answer's extras (sources, feedback), adopted by
 * the element when this module loads (with the first answer).
 */
export const markdownStyles = css`
  .sources {
    font-size: 0.85em;
  }

  .sources-title {
    margin: 0 0 2px;
    font-weight: 600;
    color: var(--_text-muted);
  }

  .sources ol {
    margin: 0;
    padding-inline-start: 1.6em;
  }

  .sources a {
    color: var(--_link);
  }

  .feedback {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px;
    font-size: 0.85em;
    color: var(--_text-muted);
  }

  .feedback p {
    margin: 0;
  }

  .thumb {
    border: 1px solid var(--_border);
    background: var(--_surface);
    color: var(--_text);
    border-radius: 999px;
    min-width: 44px;
    min-height: 32px;
    padding: 2px 10px;
  }

  .thumb[aria-pressed='true'] {
    background: var(--_primary);
    color: var(--_on-primary);
    border-color: var(--_primary);
  }

  .comment {
    display: flex;
    flex-direction: column;
    gap: 6px;
    width: 100%;
  }

  .comment label {
    font-size: 0.9em;
    color: var(--_text);
  }

  .comment textarea {
    width: 100%;
    border: 1px solid #6b7280;
    border-radius: 8px;
    padding: 8px 10px;
    background: var(--_surface);
    color: var(--_text);
    font-size: 16px;
  }

  .bubble p,
  .bubble ul,
  .bubble ol,
  .bubble blockquote,
  .bubble pre,
  .bubble .table {
    margin: 0 0 0.6em;
  }

  .bubble > :last-child {
    margin-block-end: 0;
  }

  .bubble ul,
  .bubble ol {
    padding-inline-start: 1.4em;
  }

  .bubble code {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 0.9em;
    background: #e5e7eb;
    color: #111827;
    padding: 0.1em 0.3em;
    border-radius: 4px;
  }

  .bubble pre {
    overflow-x: auto;
    padding: 10px 12px;
    background: #1f2937;
    color: #f9fafb;
    border-radius: 8px;
    white-space: pre;
  }

  .bubble pre code {
    background: none;
    color: inherit;
    padding: 0;
  }

  .bubble blockquote {
    padding-inline-start: 10px;
    border-inline-start: 3px solid var(--_border);
    color: var(--_text-muted);
  }

  .bubble .table {
    overflow-x: auto;
  }

  .bubble table {
    border-collapse: collapse;
  }

  .bubble th,
  .bubble td {
    border: 1px solid var(--_border);
    padding: 4px 8px;
    text-align: start;
  }

  .bubble hr {
    border: 0;
    border-top: 1px solid var(--_border);
  }
`;

const namedEntities: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
};

/** Decodes the entities Markdown text may carry, as text (never as markup). */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (match, entity: string) => {
    if (entity.startsWith('#')) {
      const code =
        entity[1] === 'x' || entity[1] === 'X'
          ? Number.parseInt(entity.slice(2), 16)
          : Number.parseInt(entity.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff
        ? String.fromCodePoint(code)
        : match;
    }
    return namedEntities[entity.toLowerCase()] ?? match;
  });
}

/**
 * Renders Markdown to Lit templates from marked's lexer tokens: no HTML string is ever
 * parsed, every text lands in a text node (Lit escapes it), raw HTML in the Markdown is
 * shown as text, links keep only http(s) and mailto URLs and open in a new tab with
 * `rel="noopener noreferrer"`, and images become links (no tracking pixels, no layout jumps).
 */
export function renderMarkdown(
  source: string,
  templating: Templating,
  options: RenderMarkdownOptions,
): TemplateResult {
  const { html, nothing } = templating;
  const tokens = Lexer.lex(source, { gfm: true, breaks: true });

  const inline = (list: Token[] | undefined): Rendered[] => (list ?? []).map(inlineToken);

  const link = (href: string, content: Rendered[] | string, title?: string | null): Rendered => {
    const url = safeUrl(href);
    if (!url) return html`${content}`;
    return html`<a href=${url} target="_blank" rel="noopener noreferrer" title=${title ?? nothing}
      >${content}<span class="visually-hidden"> ${options.opensInNewTab}</span></a
    >`;
  };

  function inlineToken(token: Token): Rendered {
    switch (token.type) {
      case 'text': {
        const text = token as Tokens.Text;
        return text.tokens ? html`${inline(text.tokens)}` : decodeEntities(text.text);
      }
      case 'escape':
        return (token as Tokens.Escape).text;
      case 'strong':
        return html`<strong>${inline((token as Tokens.Strong).tokens)}</strong>`;
      case 'em':
        return html`<em>${inline((token as Tokens.Em).tokens)}</em>`;
      case 'del':
        return html`<del>${inline((token as Tokens.Del).tokens)}</del>`;
      case 'codespan':
        return html`<code>${(token as Tokens.Codespan).text}</code>`;
      case 'br':
        return html`<br />`;
      case 'link': {
        const linkToken = token as Tokens.Link;
        return link(linkToken.href, inline(linkToken.tokens), linkToken.title);
      }
      case 'image': {
        const image = token as Tokens.Image;
        return link(image.href, image.text || image.href, image.title);
      }
      case 'checkbox':
        return (token as Tokens.Checkbox).checked ? '☑ ' : '☐ ';
      default:
        return 'text' in token && typeof token.text === 'string' ? token.text : token.raw;
    }
  }

  function block(token: Token): Rendered {
    switch (token.type) {
      case 'space':
        return nothing;
      case 'paragraph':
        return html`<p>${inline((token as Tokens.Paragraph).tokens)}</p>`;
      case 'heading': {
        const heading = token as Tokens.Heading;
        return html`<p class="heading"><strong>${inline(heading.tokens)}</strong></p>`;
      }
      case 'code': {
        const code = token as Tokens.Code;
        // A scrollable region must be reachable by keyboard: the block is focusable.
        return html`<pre tabindex="0"><code>${code.text}</code></pre>`;
      }
      case 'blockquote':
        return html`<blockquote>${(token as Tokens.Blockquote).tokens.map(block)}</blockquote>`;
      case 'list': {
        const list = token as Tokens.List;
        const items = list.items.map((item) => html`<li>${item.tokens.map(listItemToken)}</li>`);
        if (list.ordered) {
          const start = typeof list.start === 'number' && list.start !== 1 ? list.start : nothing;
          return html`<ol start=${start}>${items}</ol>`;
        }
        return html`<ul>${items}</ul>`;
      }
      case 'table': {
        const table = token as Tokens.Table;
        return html`<div class="table" tabindex="0">
          <table>
            <thead>
              <tr>
                ${table.header.map((cell) => html`<th scope="col">${inline(cell.tokens)}</th>`)}
              </tr>
            </thead>
            <tbody>
              ${table.rows.map(
                (row) => html`<tr>${row.map((cell) => html`<td>${inline(cell.tokens)}</td>`)}</tr>`,
              )}
            </tbody>
          </table>
        </div>`;
      }
      case 'hr':
        return html`<hr />`;
      case 'html':
        return html`<p>${(token as Tokens.HTML).text}</p>`;
      case 'text': {
        const text = token as Tokens.Text;
        return html`<p>${text.tokens ? inline(text.tokens) : decodeEntities(text.text)}</p>`;
      }
      default:
        return html`<p>${token.raw}</p>`;
    }
  }

  function listItemToken(token: Token): Rendered {
    // Tight list items hold bare text tokens: render them inline, without a paragraph.
    if (token.type === 'text') return inlineToken(token);
    if (token.type === 'checkbox') return inlineToken(token);
    return block(token);
  }

  return html`${tokens.map(block)}`;
}
