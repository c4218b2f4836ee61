const allowedProtocols = new Set(['http:', 'https:', 'mailto:']);

/**
 * Returns `value` as an absolute URL when its scheme is http, https or mailto, else
 * `undefined`. The WHATWG URL parser does the normalising (tabs, new lines, case, leading
 * spaces), so `java\tscript:`, `JAVASCRIPT:` and `data:` are all refused. Relative URLs are
 * refused: they would resolve against the host page.
 */
export function safeUrl(
  value: unknown,
  protocols: ReadonlySet<string> = allowedProtocols,
): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  return protocols.has(url.protocol) ? url.href : undefined;
}

/** Like {@link safeUrl} for images (logos): http and https only. */
export function safeImageUrl(value: unknown): string | undefined {
  return safeUrl(value, new Set(['http:', 'https:']));
}
