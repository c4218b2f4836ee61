/**
 * Why a document or source was skipped. Each skipped entry of an ingest report
 * carries one of these codes and a message in plain words.
 *
 * - `invalid-url`: not an http(s) URL, or not parseable.
 * - `private-address`: the host resolves to a private, loopback or link-local address.
 * - `cross-origin`: a crawl link or redirect leaves the site's origin.
 * - `robots`: robots.txt disallows the URL for `ChurnBot`, or the page says `noindex`.
 * - `unreachable`: DNS, connection, TLS or timeout failure.
 * - `http-status`: the server answered an error status (4xx, 5xx).
 * - `too-many-redirects`: more redirects than `limits.maxRedirects`.
 * - `not-text`: the content type or the bytes are not HTML, Markdown or plain text.
 * - `too-large`: bigger than `limits.maxBytesPerPage`.
 * - `encoding`: an unknown charset, or bytes invalid in the declared charset (UTF-8 by default).
 * - `malformed`: text full of control characters, or a document that cannot be parsed.
 * - `empty`: no text left after boilerplate removal.
 * - `limit`: a page, depth or file limit was reached.
 * - `embedding-failed`, `store-failed`, `vector-sync-failed`: writing the new version
 *   failed; the previous version (if any) is still served.
 */
export type SkipReason =
  | 'invalid-url'
  | 'private-address'
  | 'cross-origin'
  | 'robots'
  | 'unreachable'
  | 'http-status'
  | 'too-many-redirects'
  | 'not-text'
  | 'too-large'
  | 'encoding'
  | 'malformed'
  | 'empty'
  | 'limit'
  | 'embedding-failed'
  | 'store-failed'
  | 'vector-sync-failed';

/** A bad source found while loading: skipped with its reason, never fatal to the run. */
export class SkipError extends Error {
  readonly reason: SkipReason;
  /** The HTTP status, when the reason is `http-status`. */
  readonly status: number | undefined;

  constructor(
    reason: SkipReason,
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SkipError';
    this.reason = reason;
    this.status = options.status;
  }
}
