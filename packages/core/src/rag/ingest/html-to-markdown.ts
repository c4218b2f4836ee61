import { DomUtils, parseDocument } from 'htmlparser2';

type HtmlDocument = ReturnType<typeof parseDocument>;
type HtmlNode = HtmlDocument['children'][number];
type HtmlElement = Parameters<typeof DomUtils.getAttributeValue>[0];

/** What {@link htmlToMarkdown} returns. */
export interface HtmlConversion {
  /** `<title>`, else the first `<h1>`, else empty. */
  title: string;
  /** The main content as Markdown-like text: headings, lists, tables and code blocks kept. */
  markdown: string;
  /** Absolute http(s) URLs of every `<a href>` on the page (navigation included), without fragments. */
  links: string[];
  /** `<meta name="robots">` (or `name="ChurnBot"`) directives. */
  robots: { noindex: boolean; nofollow: boolean };
}

/** Elements that never hold documentation text: code, chrome and forms. */
const droppedElements = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'iframe',
  'object',
  'embed',
  'svg',
  'canvas',
  'nav',
  'footer',
  'aside',
  'form',
  'button',
  'select',
  'input',
  'textarea',
  'dialog',
  'head',
  'link',
  'meta',
]);

const droppedRoles = new Set(['navigation', 'banner', 'contentinfo', 'complementary', 'search']);

const blockElements = new Set([
  'address',
  'article',
  'blockquote',
  'body',
  'center',
  'dd',
  'details',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'html',
  'li',
  'main',
  'ol',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'ul',
]);

const headingLevels: Record<string, number> = { h1: 1, h2: 2, h3: 3, h4: 4, h5: 5, h6: 6 };

function isElement(node: HtmlNode): node is HtmlElement {
  return DomUtils.isTag(node);
}

function attribute(element: HtmlElement, name: string): string | undefined {
  return DomUtils.getAttributeValue(element, name);
}

interface Context {
  /** Inside `<main>` or `<article>`: a `<header>` there is the article's own header, kept. */
  inContent: boolean;
}

function isDropped(element: HtmlElement, context: Context): boolean {
  const name = element.name.toLowerCase();
  if (droppedElements.has(name)) return true;
  if (name === 'header' && !context.inContent) return true;
  if (attribute(element, 'hidden') !== undefined) return true;
  if (attribute(element, 'aria-hidden') === 'true') return true;
  const role = attribute(element, 'role');
  return role !== undefined && droppedRoles.has(role.toLowerCase());
}

function childContext(element: HtmlElement, context: Context): Context {
  const name = element.name.toLowerCase();
  return name === 'main' || name === 'article' || attribute(element, 'role') === 'main'
    ? { inContent: true }
    : context;
}

/** Collapses whitespace of a run of inline text, keeping the line breaks of `<br>`. */
function tidyInline(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[^\S\n]+/g, ' ').trim())
    .filter((line, index, lines) => line.length > 0 || (index > 0 && index < lines.length - 1))
    .join('\n')
    .trim();
}

function renderInline(nodes: HtmlNode[], context: Context): string {
  let out = '';
  for (const node of nodes) {
    if (DomUtils.isText(node)) {
      out += node.data.replace(/\s+/g, ' ');
      continue;
    }
    if (!isElement(node) || isDropped(node, context)) continue;
    const name = node.name.toLowerCase();
    if (name === 'br') out += '\n';
    else if (name === 'code' || name === 'kbd' || name === 'samp') {
      const code = DomUtils.textContent(node).replace(/\s+/g, ' ').trim();
      if (code) out += `\`${code.replaceAll('`', "'")}\``;
    } else if (name === 'img') {
    } else {
      const inner = renderInline(node.children, childContext(node, context));
      out += blockElements.has(name) ? ` ${inner} ` : inner;
    }
  }
  return out;
}

function fenceFor(code: string): string {
  let longest = 0;
  let run = 0;
  for (const character of code) {
    run = character === '`' ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return '`'.repeat(Math.max(3, longest + 1));
}

function codeLanguage(element: HtmlElement): string {
  const code = element.children.find(
    (child): child is HtmlElement => isElement(child) && child.name.toLowerCase() === 'code',
  );
  for (const candidate of [element, code]) {
    if (!candidate) continue;
    for (const name of (attribute(candidate, 'class') ?? '').split(/\s+/)) {
      if (name.startsWith('language-')) return name.slice('language-'.length);
      if (name.startsWith('lang-')) return name.slice('lang-'.length);
    }
  }
  return '';
}

function renderCode(element: HtmlElement): string | undefined {
  const code = DomUtils.textContent(element).replace(/^\n/, '').replace(/\s+$/, '');
  if (!code.trim()) return undefined;
  const fence = fenceFor(code);
  return `${fence}${codeLanguage(element)}\n${code}\n${fence}`;
}

function renderList(element: HtmlElement, context: Context): string | undefined {
  const ordered = element.name.toLowerCase() === 'ol';
  let number = Number.parseInt(attribute(element, 'start') ?? '1', 10);
  if (!Number.isFinite(number)) number = 1;
  const lines: string[] = [];
  for (const child of element.children) {
    if (!isElement(child) || isDropped(child, context)) continue;
    if (child.name.toLowerCase() !== 'li') {
      // Stray content in a list (invalid HTML): keep its text.
      lines.push(...renderBlocks(child.children, context).flatMap((block) => block.split('\n')));
      continue;
    }
    const marker = ordered ? `${number++}. ` : '- ';
    const body = renderBlocks(child.children, context).join('\n').split('\n');
    if (body.length === 1 && body[0] === '') continue;
    const indent = ' '.repeat(marker.length);
    body.forEach((line, index) => {
      lines.push(index === 0 ? `${marker}${line}` : line ? `${indent}${line}` : '');
    });
  }
  return lines.length > 0 ? lines.join('\n') : undefined;
}

function cellText(cell: HtmlElement, context: Context): string {
  return renderBlocks(cell.children, context)
    .join(' ')
    .replace(/\s+/g, ' ')
    .replaceAll('|', '\\|')
    .trim();
}

function renderTable(table: HtmlElement, context: Context): string | undefined {
  const rows: string[][] = [];
  const collect = (nodes: HtmlNode[]) => {
    for (const node of nodes) {
      if (!isElement(node)) continue;
      const name = node.name.toLowerCase();
      if (name === 'tr') {
        const cells = node.children.filter(
          (cell): cell is HtmlElement =>
            isElement(cell) &&
            (cell.name.toLowerCase() === 'td' || cell.name.toLowerCase() === 'th'),
        );
        rows.push(cells.map((cell) => cellText(cell, context)));
      } else if (name === 'thead' || name === 'tbody' || name === 'tfoot') {
        collect(node.children);
      }
    }
  };
  collect(table.children);
  const width = Math.max(0, ...rows.map((row) => row.length));
  if (width === 0 || rows.every((row) => row.every((cell) => cell === ''))) return undefined;
  const line = (row: string[]) =>
    `| ${Array.from({ length: width }, (_, index) => row[index] ?? '').join(' | ')} |`;
  const [header = [], ...body] = rows;
  return [line(header), `| ${Array(width).fill('---').join(' | ')} |`, ...body.map(line)].join(
    '\n',
  );
}

function renderBlockElement(element: HtmlElement, context: Context): string[] {
  const name = element.name.toLowerCase();
  const inner = childContext(element, context);
  const level = headingLevels[name];
  if (level !== undefined) {
    const text = tidyInline(renderInline(element.children, inner)).replace(/\n/g, ' ');
    return text ? [`${'#'.repeat(level)} ${text}`] : [];
  }
  switch (name) {
    case 'pre': {
      const code = renderCode(element);
      return code ? [code] : [];
    }
    case 'ul':
    case 'ol': {
      const list = renderList(element, inner);
      return list ? [list] : [];
    }
    case 'table': {
      const table = renderTable(element, inner);
      return table ? [table] : [];
    }
    case 'blockquote': {
      const quoted = renderBlocks(element.children, inner).join('\n\n');
      return quoted
        ? [
            quoted
              .split('\n')
              .map((line) => (line ? `> ${line}` : '>'))
              .join('\n'),
          ]
        : [];
    }
    case 'dt': {
      const term = tidyInline(renderInline(element.children, inner));
      return term ? [`**${term}**`] : [];
    }
    case 'hr':
      return [];
    default:
      return renderBlocks(element.children, inner);
  }
}

function renderBlocks(nodes: HtmlNode[], context: Context): string[] {
  const blocks: string[] = [];
  let inline = '';
  const flush = () => {
    const text = tidyInline(inline);
    if (text) blocks.push(text);
    inline = '';
  };
  for (const node of nodes) {
    if (DomUtils.isText(node)) {
      inline += node.data.replace(/\s+/g, ' ');
      continue;
    }
    if (!isElement(node) || isDropped(node, context)) continue;
    if (blockElements.has(node.name.toLowerCase())) {
      flush();
      blocks.push(...renderBlockElement(node, context));
    } else {
      inline += renderInline([node], context);
    }
  }
  flush();
  return blocks;
}

function findContentRoot(document: HtmlDocument): { nodes: HtmlNode[]; context: Context } {
  const main = DomUtils.findOne(
    (element) => element.name.toLowerCase() === 'main' || attribute(element, 'role') === 'main',
    document.children,
    true,
  );
  if (main) return { nodes: main.children, context: { inContent: true } };
  const articles = DomUtils.findAll(
    (element) => element.name.toLowerCase() === 'article',
    document.children,
  );
  const [article] = articles;
  if (article && articles.length === 1)
    return { nodes: article.children, context: { inContent: true } };
  const body = DomUtils.findOne(
    (element) => element.name.toLowerCase() === 'body',
    document.children,
    true,
  );
  return { nodes: body ? body.children : document.children, context: { inContent: false } };
}

function readRobots(document: HtmlDocument): { noindex: boolean; nofollow: boolean } {
  const robots = { noindex: false, nofollow: false };
  for (const meta of DomUtils.getElementsByTagName('meta', document.children, true)) {
    const name = attribute(meta, 'name')?.toLowerCase();
    if (name !== 'robots' && name !== 'churnbot') continue;
    const directives = (attribute(meta, 'content') ?? '').toLowerCase().split(/[\s,]+/);
    if (directives.includes('noindex') || directives.includes('none')) robots.noindex = true;
    if (directives.includes('nofollow') || directives.includes('none')) robots.nofollow = true;
  }
  return robots;
}

function readLinks(document: HtmlDocument, pageUrl: string | undefined): string[] {
  if (!pageUrl) return [];
  const base = DomUtils.getElementsByTagName('base', document.children, true, 1)[0];
  let baseUrl: URL;
  try {
    baseUrl = new URL((base && attribute(base, 'href')) || pageUrl, pageUrl);
  } catch {
    baseUrl = new URL(pageUrl);
  }
  const links = new Set<string>();
  for (const anchor of DomUtils.getElementsByTagName('a', document.children, true)) {
    const href = attribute(anchor, 'href')?.trim();
    if (!href || href.startsWith('#')) continue;
    try {
      const url = new URL(href, baseUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
      url.hash = '';
      links.add(url.href);
    } catch {
      // An unparseable href is ignored, like a browser would.
    }
  }
  return [...links];
}

/**
 * Turns an HTML page into clean Markdown-like text with htmlparser2's DOM: keeps
 * headings (`#`), lists (`-`, `1.`), tables (`| a | b |`), code blocks (fenced,
 * with the `language-*` class) and block quotes; drops scripts, styles, navigation,
 * headers and footers outside the main content, asides, forms and hidden
 * elements. The content root is `<main>` (or `role="main"`), else a single
 * `<article>`, else `<body>`. Links are plain text in the output and listed in `links`.
 *
 * @param pageUrl the page's URL, to resolve links against (and `<base href>`).
 */
export function htmlToMarkdown(html: string, pageUrl?: string): HtmlConversion {
  const document = parseDocument(html, { decodeEntities: true });
  const titleElement = DomUtils.findOne(
    (element) => element.name.toLowerCase() === 'title',
    document.children,
    true,
  );
  let title = titleElement ? DomUtils.textContent(titleElement).replace(/\s+/g, ' ').trim() : '';
  if (!title) {
    const heading = DomUtils.findOne(
      (element) => element.name.toLowerCase() === 'h1',
      document.children,
      true,
    );
    title = heading
      ? tidyInline(renderInline(heading.children, { inContent: true })).replace(/\s+/g, ' ')
      : '';
  }
  const root = findContentRoot(document);
  const markdown = renderBlocks(root.nodes, root.context).join('\n\n');
  return { title, markdown, links: readLinks(document, pageUrl), robots: readRobots(document) };
}
