import { assert, assertEqual } from './harness.js';

/** Markdown and HTML that try to run script, from the usual XSS cheat sheets. */
export const xssCorpus = [
  '<script>window.__xss = 1</script>',
  '<img src=x onerror="window.__xss = 2">',
  '<svg onload="window.__xss = 3"></svg>',
  '<iframe src="javascript:window.__xss = 4"></iframe>',
  '[click](javascript:window.__xss=5)',
  '[click](JaVaScRiPt:window.__xss=6)',
  '[click](java\tscript:window.__xss=7)',
  '[click]( javascript:window.__xss=8)',
  '[click](data:text/html,<script>window.__xss=9</script>)',
  '[click](vbscript:msgbox(1))',
  '![x](javascript:window.__xss=10)',
  '![x](x" onerror="window.__xss=11)',
  '<a href="javascript:window.__xss=12">a</a>',
  '<details open ontoggle="window.__xss=13">',
  '`<img src=x onerror="window.__xss=14">`',
  '```\n<script>window.__xss=15</script>\n```',
  '[a](https://example.com "title\\" onmouseover=\\"window.__xss=16")',
  '<<script>script>window.__xss=17<</script>/script>',
  '&lt;script&gt;window.__xss=18&lt;/script&gt;',
  '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=19">',
  '[x](&#106;avascript:window.__xss=20)',
  '<form action="javascript:window.__xss=21"><button>go</button></form>',
  '<object data="javascript:window.__xss=22"></object>',
  '<base href="javascript:window.__xss=23//">',
];

/** Fails when `root` holds anything that could run script. */
export function assertInert(
  root: ParentNode,
  label: string,
  options: { widget?: boolean } = {},
): void {
  const all = [...root.querySelectorAll('*')];
  for (const element of all) {
    const tag = element.tagName.toLowerCase();
    // The widget's own icons: decorative inline SVG inside its buttons, no attributes from content.
    const icon = element.closest('svg[aria-hidden="true"]');
    if (options.widget && icon?.parentElement?.matches('button.launcher, button.icon-button')) {
      assert(['svg', 'path', 'rect'].includes(tag), `${label}: a <${tag}> inside an icon`);
      continue;
    }
    // The widget's own forms (composer, comment) have no action; content never makes one.
    const banned = ['script', 'iframe', 'object', 'embed', 'svg', 'math', 'base', 'style', 'img'];
    if (!options.widget) banned.push('form');
    assert(!banned.includes(tag), `${label}: a <${tag}> element was created`);
    for (const attribute of element.attributes) {
      assert(!/^on/i.test(attribute.name), `${label}: an ${attribute.name} attribute was created`);
      if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href'].includes(attribute.name)) {
        assert(
          /^(https?:|mailto:)/i.test(attribute.value),
          `${label}: ${attribute.name}="${attribute.value}" is not http(s) or mailto`,
        );
      }
    }
  }
  assertEqual((globalThis as { __xss?: unknown }).__xss, undefined, `${label}: script ran`);
}
