import robotsParser from 'robots-parser';
import type { DocType } from '../../entities/enums.js';
import { decodeText, type TextFormat } from './decode-text.js';
import {
  crawlerUserAgent,
  createHostThrottle,
  type FetchSettings,
  fetchResource,
} from './fetch-resource.js';
import {
  documentFromText,
  formatFromExtension,
  type LoadedDocument,
  type LoaderSink,
  type LoadOutcome,
} from './loaded-document.js';
import { parseSitemap } from './parse-sitemap.js';
import { runPool } from './run-pool.js';
import { SkipError } from './skip-reason.js';

/** Limits of web loading; see `IngestLimits`. */
export interface WebLimits {
  maxPages: number;
  maxDepth: number;
  maxBytesPerPage: number;
  concurrency: number;
  delayMs: number;
  timeoutMs: number;
  maxRedirects: number;
}

/** What {@link createWebLoader} needs. */
export interface WebLoaderSettings {
  fetch: typeof globalThis.fetch;
  allowPrivateNetwork: boolean;
  limits: WebLimits;
  signal?: AbortSignal;
}

/** Options every web source may carry. */
interface WebSourceDefaults {
  docType?: DocType;
  category?: string;
}

interface RobotsRules {
  isAllowed(url: string): boolean;
  sitemaps: string[];
  /** robots.txt could not be read (5xx, unreachable): RFC 9309 says crawl nothing. */
  unavailable?: SkipError;
}

interface LoadedPage {
  document?: LoadedDocument;
  skipped?: SkipError;
  links: string[];
  nofollow: boolean;
}

const pageAccept = 'text/html,application/xhtml+xml,text/markdown,text/plain;q=0.9,*/*;q=0.1';
const sitemapAccept = 'application/xml,text/xml;q=0.9,*/*;q=0.1';
/** Most sitemap files read for one source (an index and its children). */
const maxSitemapFiles = 50;
/** Longest Crawl-delay honoured, so one robots.txt cannot stall a run for hours. */
const maxCrawlDelayMs = 30_000;

/** A failure that may be gone next time: do not treat what it hid as removed. */
export function isTransient(error: SkipError): boolean {
  if (error.reason === 'unreachable') return true;
  if (error.reason === 'http-status') return (error.status ?? 0) >= 500 || error.status === 429;
  return error.reason === 'robots' && error.message.startsWith('robots.txt');
}

function formatFor(mediaType: string, url: string): TextFormat | undefined {
  if (mediaType === 'text/html' || mediaType === 'application/xhtml+xml') return 'html';
  if (mediaType === 'text/markdown' || mediaType === 'text/x-markdown') return 'markdown';
  const byExtension = formatFromExtension(new URL(url).pathname);
  if (mediaType === 'text/plain') return byExtension === 'markdown' ? 'markdown' : 'text';
  if (mediaType === '') return byExtension ?? 'html';
  return undefined;
}

function parseDate(value: string | null): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function withoutFragment(address: string): string {
  const url = new URL(address);
  url.hash = '';
  return url.href;
}

/**
 * The web side of ingestion: single pages, sitemaps and same-origin crawls, all
 * through {@link fetchResource} (address checks, manual redirects, limits), with
 * robots.txt honoured for `ChurnBot` (Disallow, Crawl-delay, Sitemap) and one
 * polite slot per host.
 */
export function createWebLoader(settings: WebLoaderSettings) {
  const { limits } = settings;
  const throttle = createHostThrottle(limits.delayMs);
  const fetchSettings: FetchSettings = {
    fetch: settings.fetch,
    allowPrivateNetwork: settings.allowPrivateNetwork,
    maxBytes: limits.maxBytesPerPage,
    timeoutMs: limits.timeoutMs,
    maxRedirects: limits.maxRedirects,
    throttle,
    ...(settings.signal ? { signal: settings.signal } : {}),
  };
  const robotsCache = new Map<string, Promise<RobotsRules>>();

  async function fetchRobots(origin: string): Promise<RobotsRules> {
    const robotsUrl = `${origin}/robots.txt`;
    try {
      const resource = await fetchResource(
        robotsUrl,
        { ...fetchSettings, maxBytes: Math.min(limits.maxBytesPerPage, 512 * 1024) },
        { accept: 'text/plain' },
      );
      const text = new TextDecoder('utf-8').decode(resource.body);
      const robots = robotsParser(robotsUrl, text);
      const delay = robots.getCrawlDelay(crawlerUserAgent);
      if (delay !== undefined && delay > 0) {
        throttle.setDelay(new URL(origin).host, Math.min(delay * 1000, maxCrawlDelayMs));
      }
      return {
        isAllowed: (url) => robots.isAllowed(url, crawlerUserAgent) !== false,
        sitemaps: robots.getSitemaps(),
      };
    } catch (error) {
      if (!(error instanceof SkipError)) throw error;
      if (error.reason === 'http-status' && (error.status ?? 0) < 500 && error.status !== 429) {
        // No robots.txt (4xx): everything is allowed.
        return { isAllowed: () => true, sitemaps: [] };
      }
      const unavailable =
        error.reason === 'private-address'
          ? error
          : new SkipError(
              'robots',
              `robots.txt of ${origin} could not be read (${error.message}): nothing is crawled until it can be.`,
              {
                cause: error,
              },
            );
      return { isAllowed: () => false, sitemaps: [], unavailable };
    }
  }

  function robotsFor(origin: string): Promise<RobotsRules> {
    let rules = robotsCache.get(origin);
    if (!rules) {
      rules = fetchRobots(origin);
      robotsCache.set(origin, rules);
    }
    return rules;
  }

  async function checkRobots(url: URL): Promise<void> {
    const rules = await robotsFor(url.origin);
    if (rules.unavailable) throw rules.unavailable;
    if (!rules.isAllowed(url.href)) {
      throw new SkipError(
        'robots',
        `robots.txt of ${url.origin} disallows ${url.pathname} for ${crawlerUserAgent}.`,
      );
    }
  }

  async function loadPage(
    address: string,
    options: { sameOrigin?: string; lastModified?: Date; defaults: WebSourceDefaults },
  ): Promise<LoadedPage> {
    const resource = await fetchResource(address, fetchSettings, {
      accept: pageAccept,
      ...(options.sameOrigin ? { sameOrigin: options.sameOrigin } : {}),
      beforeRequest: checkRobots,
    });
    const format = formatFor(resource.mediaType, resource.url);
    if (!format) {
      throw new SkipError(
        'not-text',
        `${resource.url} is ${resource.mediaType}, not HTML, Markdown or plain text.`,
      );
    }
    const text = decodeText(resource.body, {
      contentType: resource.headers.get('content-type'),
      format,
    });
    const { document, links, robots } = documentFromText(text, format, resource.url);
    const lastUpdated = parseDate(resource.headers.get('last-modified')) ?? options.lastModified;
    if (lastUpdated) document.lastUpdated = lastUpdated;
    if (options.defaults.docType && !document.docType) document.docType = options.defaults.docType;
    if (options.defaults.category && !document.category)
      document.category = options.defaults.category;
    if (robots.noindex) {
      return {
        skipped: new SkipError(
          'robots',
          `${resource.url} asks not to be indexed (meta robots noindex).`,
        ),
        links,
        nofollow: robots.nofollow,
      };
    }
    return { document, links, nofollow: robots.nofollow };
  }

  /** Pages listed by a sitemap, following sitemap indexes (same origin only). */
  async function readSitemap(
    address: string,
    origin: string,
    sink: LoaderSink,
  ): Promise<{ url: string; lastModified?: Date }[]> {
    const pages: { url: string; lastModified?: Date }[] = [];
    const queue = [address];
    const seen = new Set(queue);
    let files = 0;
    while (queue.length > 0 && files < maxSitemapFiles) {
      const current = queue.shift() as string;
      files++;
      const resource = await fetchResource(current, fetchSettings, {
        accept: sitemapAccept,
        sameOrigin: origin,
      });
      if (resource.mediaType.includes('gzip') || new URL(resource.url).pathname.endsWith('.gz')) {
        throw new SkipError(
          'not-text',
          `${resource.url} is a compressed sitemap: serve it uncompressed.`,
        );
      }
      const text = decodeText(resource.body, {
        contentType: resource.headers.get('content-type'),
        format: 'text',
      });
      const parsed = parseSitemap(text, resource.url);
      for (const sitemap of parsed.sitemaps) {
        if (new URL(sitemap).origin !== origin) continue;
        if (!seen.has(sitemap)) {
          seen.add(sitemap);
          queue.push(sitemap);
        }
      }
      for (const page of parsed.pages) {
        if (new URL(page.url).origin === origin) {
          pages.push({ ...page, url: withoutFragment(page.url) });
        } else {
          await sink({
            type: 'skipped',
            location: page.url,
            error: new SkipError(
              'cross-origin',
              `${page.url} is listed by ${resource.url} but is on another origin.`,
            ),
          });
        }
      }
    }
    return pages;
  }

  interface QueueItem {
    url: string;
    depth: number;
    lastModified?: Date;
  }

  /** Loads queued pages with the pool, following links when `follow` says so. */
  async function loadPages(
    initial: QueueItem[],
    options: {
      sameOrigin?: string;
      maxPages: number;
      maxDepth: number;
      follow: boolean;
      defaults: WebSourceDefaults;
      seen: Set<string>;
    },
    sink: LoaderSink,
  ): Promise<{ complete: boolean; loaded: number; failures: Map<string, SkipError> }> {
    let attempted = 0;
    let notFetched = 0;
    let loaded = 0;
    let transient = false;
    const failures = new Map<string, SkipError>();
    const finalUrls = new Set<string>();
    await runPool(initial, limits.concurrency, async (item, push) => {
      if (attempted >= options.maxPages) {
        notFetched++;
        return;
      }
      attempted++;
      try {
        const page = await loadPage(item.url, {
          ...(options.sameOrigin ? { sameOrigin: options.sameOrigin } : {}),
          ...(item.lastModified ? { lastModified: item.lastModified } : {}),
          defaults: options.defaults,
        });
        if (options.follow && !page.nofollow && item.depth < options.maxDepth) {
          for (const link of page.links) {
            if (options.sameOrigin && new URL(link).origin !== options.sameOrigin) continue;
            if (options.seen.has(link)) continue;
            options.seen.add(link);
            push({ url: link, depth: item.depth + 1 });
          }
        }
        if (page.skipped) {
          await sink({ type: 'skipped', location: item.url, error: page.skipped });
          return;
        }
        if (!page.document) return;
        // Two URLs redirecting to one page make one document.
        if (finalUrls.has(page.document.sourceUrl)) return;
        finalUrls.add(page.document.sourceUrl);
        loaded++;
        await sink({ type: 'document', document: page.document });
      } catch (error) {
        if (!(error instanceof SkipError)) throw error;
        if (isTransient(error)) transient = true;
        failures.set(item.url, error);
        await sink({ type: 'skipped', location: item.url, error });
      }
    });
    if (notFetched > 0) {
      await sink({
        type: 'skipped',
        location: options.sameOrigin ?? initial[0]?.url ?? '',
        error: new SkipError(
          'limit',
          `${notFetched} more page(s) were found but not fetched: the limit of ${options.maxPages} pages was reached. Raise maxPages to ingest them.`,
        ),
      });
    }
    return { complete: notFetched === 0 && !transient, loaded, failures };
  }

  return {
    /** One page; redirects may leave its origin (each target is checked like the first URL). */
    async loadUrl(
      source: { url: string } & WebSourceDefaults,
      sink: LoaderSink,
    ): Promise<LoadOutcome> {
      const url = withoutFragment(source.url);
      const result = await loadPages(
        [{ url, depth: 0 }],
        { maxPages: 1, maxDepth: 0, follow: false, defaults: source, seen: new Set([url]) },
        sink,
      );
      const failure = result.failures.get(url);
      // A page that is gone (404, 410) is removed; any other failure keeps the stored version.
      const gone =
        failure?.reason === 'http-status' && (failure.status === 404 || failure.status === 410);
      return { complete: result.complete && (!failure || gone) };
    },

    /** Every page a sitemap (or sitemap index) lists on its own origin; links are not followed. */
    async loadSitemap(
      source: { url: string; maxPages?: number } & WebSourceDefaults,
      sink: LoaderSink,
    ): Promise<LoadOutcome> {
      const origin = new URL(source.url).origin;
      const pages = await readSitemap(source.url, origin, sink);
      const unique = [...new Map(pages.map((page) => [page.url, page])).values()];
      const result = await loadPages(
        unique.map((page) => ({ ...page, depth: 0 })),
        {
          sameOrigin: origin,
          maxPages: source.maxPages ?? limits.maxPages,
          maxDepth: 0,
          follow: false,
          defaults: source,
          seen: new Set(unique.map((page) => page.url)),
        },
        sink,
      );
      return { complete: result.complete };
    },

    /**
     * A breadth-first crawl of one origin from `url`: robots.txt first (its Sitemap
     * lines, else `/sitemap.xml`, seed the queue at depth 1), then links of HTML
     * pages up to `maxDepth`, at most `maxPages` pages fetched.
     */
    async crawl(
      source: { url: string; maxPages?: number; maxDepth?: number } & WebSourceDefaults,
      sink: LoaderSink,
    ): Promise<LoadOutcome> {
      const start = withoutFragment(source.url);
      const origin = new URL(start).origin;
      const rules = await robotsFor(origin);
      if (rules.unavailable) throw rules.unavailable;
      const seen = new Set<string>([start]);
      const initial: QueueItem[] = [{ url: start, depth: 0 }];
      const maxDepth = source.maxDepth ?? limits.maxDepth;
      const sitemaps = rules.sitemaps.filter((sitemap) => {
        try {
          return new URL(sitemap).origin === origin;
        } catch {
          return false;
        }
      });
      const declared = sitemaps.length > 0;
      if (maxDepth >= 1) {
        for (const sitemap of declared ? sitemaps : [`${origin}/sitemap.xml`]) {
          try {
            for (const page of await readSitemap(sitemap, origin, sink)) {
              if (seen.has(page.url)) continue;
              seen.add(page.url);
              initial.push({ ...page, depth: 1 });
            }
          } catch (error) {
            if (!(error instanceof SkipError)) throw error;
            // The conventional /sitemap.xml is optional; a declared one that fails is reported.
            if (declared) await sink({ type: 'skipped', location: sitemap, error });
          }
        }
      }
      const result = await loadPages(
        initial,
        {
          sameOrigin: origin,
          maxPages: source.maxPages ?? limits.maxPages,
          maxDepth,
          follow: true,
          defaults: source,
          seen,
        },
        sink,
      );
      return { complete: result.complete && !result.failures.has(start) };
    },
  };
}

/** The web loader's methods. */
export type WebLoader = ReturnType<typeof createWebLoader>;
