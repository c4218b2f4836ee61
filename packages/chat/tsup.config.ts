import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';
import ts from 'typescript';

/** An esbuild plugin, typed through tsup (esbuild is tsup's dependency, not ours). */
type Plugin = NonNullable<Options['esbuildPlugins']>[number];

const scriptTagLoaders = fileURLToPath(
  new URL('./src/lazy/load-lazy-modules.script-tag.ts', import.meta.url),
);

/**
 * The script-tag file is a classic script (it reads `document.currentScript`), which cannot
 * hold chunks: it loads its lazy parts with `import()` from files built next to it.
 */
const useScriptTagLoaders: Plugin = {
  name: 'churn-script-tag-loaders',
  setup(build) {
    build.onResolve({ filter: /\/load-lazy-modules\.js$/ }, () => ({ path: scriptTagLoaders }));
  },
};

/** Whitespace inside `html` templates: a line break between two tags goes, others become one space. */
function minifyHtml(text: string): string {
  return text.replace(/\s*\n\s*/g, (match, offset: number, whole: string) => {
    const before = whole[offset - 1];
    const after = whole[offset + match.length];
    return before === '>' && after === '<' ? '' : ' ';
  });
}

/** Comments and formatting inside `css` templates. */
function minifyCss(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{};])\s*/g, '$1')
    .replace(/([:,])\s+/g, '$1')
    .trim();
}

/**
 * esbuild keeps template literals as written: this plugin takes the formatting out of Lit's
 * `html` and `css` templates (found with the TypeScript parser, so nested templates and
 * `${}` expressions are untouched).
 */
const minifyTemplateLiterals: Plugin = {
  name: 'churn-minify-template-literals',
  setup(build) {
    build.onLoad({ filter: /\/src\/.*\.ts$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      if (!/\b(html|css)`/.test(source)) return undefined;
      const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true);
      const edits: { start: number; end: number; text: string }[] = [];
      const visit = (node: ts.Node): void => {
        if (ts.isTaggedTemplateExpression(node) && ts.isIdentifier(node.tag)) {
          const minify =
            node.tag.text === 'html' ? minifyHtml : node.tag.text === 'css' ? minifyCss : undefined;
          if (minify) {
            const template = node.template;
            const pieces: { start: number; end: number }[] = [];
            if (ts.isNoSubstitutionTemplateLiteral(template)) {
              pieces.push({ start: template.getStart() + 1, end: template.end - 1 });
            } else {
              pieces.push({ start: template.head.getStart() + 1, end: template.head.end - 2 });
              for (const span of template.templateSpans) {
                const literal = span.literal;
                const tail = literal.kind === ts.SyntaxKind.TemplateTail;
                pieces.push({ start: literal.getStart() + 1, end: literal.end - (tail ? 1 : 2) });
              }
            }
            for (const piece of pieces) {
              edits.push({ ...piece, text: minify(source.slice(piece.start, piece.end)) });
            }
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(file);
      let contents = source;
      for (const edit of edits.sort((a, b) => b.start - a.start)) {
        contents = contents.slice(0, edit.start) + edit.text + contents.slice(edit.end);
      }
      return { contents, loader: 'ts' };
    });
  },
};

const shared = {
  sourcemap: true,
  target: 'es2022',
  platform: 'browser',
  tsconfig: 'tsconfig.json',
} as const;

export default defineConfig([
  // The npm package: side-effect-free classes, the registration, the React wrapper. Markdown,
  // Stripe and translations split into chunks loaded on first use.
  {
    ...shared,
    entry: { index: 'src/index.ts', define: 'src/define.ts', react: 'src/react.ts' },
    format: ['esm'],
    dts: true,
    splitting: true,
    external: ['react', '@lit/react'],
    esbuildPlugins: [minifyTemplateLiterals],
  },
  // One file for a script tag, everything bundled and minified.
  {
    ...shared,
    entry: { 'churn-chat': 'src/script-tag.ts' },
    format: ['iife'],
    outExtension: () => ({ js: '.js' }),
    minify: true,
    noExternal: [/.*/],
    esbuildPlugins: [useScriptTagLoaders, minifyTemplateLiterals],
    // Lit's licence notices go to churn-chat.js.LEGAL.txt, linked from the file.
    esbuildOptions: (options) => {
      options.legalComments = 'linked';
    },
  },
  // Its lazy parts, as ES modules next to it.
  {
    ...shared,
    entry: {
      'churn-chat-markdown': 'src/markdown/render-markdown.ts',
      'churn-chat-payment': 'src/payment/payment-module.ts',
      'churn-chat-translations': 'src/i18n/churn-chat-translations.ts',
    },
    format: ['esm'],
    minify: true,
    splitting: false,
    noExternal: [/.*/],
    esbuildPlugins: [minifyTemplateLiterals],
    esbuildOptions: (options) => {
      options.legalComments = 'linked';
    },
  },
]);
