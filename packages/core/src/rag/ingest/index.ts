export {
  type CategoryRule,
  type ClassifyInput,
  defaultCategory,
  defaultCategoryRules,
  inferCategory,
  inferDocType,
} from './classify-document.js';
export { crawlerUserAgent } from './fetch-resource.js';
export { type HtmlConversion, htmlToMarkdown } from './html-to-markdown.js';
export { defaultSourceIdFor, documentIdFor, ingest } from './ingest.js';
export {
  type CrawlSource,
  defaultIngestLimits,
  type IngestedDocument,
  type IngestLimits,
  type IngestOptions,
  type IngestProgressEvent,
  type IngestReport,
  type IngestSource,
  type IngestSourceCommon,
  type IngestSourceReport,
  type PathSource,
  type RemovedDocument,
  type SitemapSource,
  type SkippedItem,
  type TextSource,
  type UrlSource,
} from './ingest-options.js';
export { isPrivateAddress } from './network-guard.js';
export { hashContent, normaliseContent } from './normalise-content.js';
export { type ParsedSitemap, parseSitemap } from './parse-sitemap.js';
export type { SkipReason } from './skip-reason.js';
