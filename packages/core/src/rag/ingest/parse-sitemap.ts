import { DomUtils, parseDocument } from 'htmlparser2';

/** What a sitemap lists: pages (a `<urlset>`) and further sitemaps (a `<sitemapindex>`). */
export interface ParsedSitemap {
  pages: { url: string; lastModified?: Date }[];
  sitemaps: string[];
}

type XmlElement = Parameters<typeof DomUtils.getAttributeValue>[0];

/** Local name without a namespace prefix, lowercase: `<s:loc>` is `loc`. */
function localName(element: XmlElement): string {
  return (element.name.split(':').pop() ?? '').toLowerCase();
}

function childText(element: XmlElement, name: string): string | undefined {
  const child = element.children.find(
    (node): node is XmlElement => DomUtils.isTag(node) && localName(node) === name,
  );
  const text = child ? DomUtils.textContent(child).trim() : '';
  return text || undefined;
}

/**
 * Reads a sitemap (sitemaps.org protocol) with htmlparser2 in XML mode: `<url><loc>`
 * entries with their `<lastmod>`, and the `<sitemap><loc>` entries of a sitemap
 * index. Relative or unparseable locations are dropped.
 */
export function parseSitemap(xml: string, sitemapUrl: string): ParsedSitemap {
  const document = parseDocument(xml, { xmlMode: true, decodeEntities: true });
  const result: ParsedSitemap = { pages: [], sitemaps: [] };
  const absolute = (location: string | undefined): string | undefined => {
    if (!location) return undefined;
    try {
      const url = new URL(location, sitemapUrl);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
    } catch {
      return undefined;
    }
  };
  for (const element of DomUtils.findAll(() => true, document.children)) {
    const name = localName(element);
    if (name !== 'url' && name !== 'sitemap') continue;
    const location = absolute(childText(element, 'loc'));
    if (!location) continue;
    if (name === 'sitemap') {
      result.sitemaps.push(location);
      continue;
    }
    const lastmod = childText(element, 'lastmod');
    const lastModified = lastmod ? new Date(lastmod) : undefined;
    result.pages.push(
      lastModified && !Number.isNaN(lastModified.getTime())
        ? { url: location, lastModified }
        : { url: location },
    );
  }
  return result;
}
