import { ChurnError } from '../../errors/index.js';
import { isPrivateAddressRefusal } from './guarded-fetch.js';
import { assertPublicHost } from './network-guard.js';
import { SkipError } from './skip-reason.js';

/** The user agent of every request, and the name robots.txt rules are matched against. */
export const crawlerUserAgent = 'ChurnBot';

const userAgentHeader = `${crawlerUserAgent}/1.0 (+https://github.com/churn-dev/churn)`;

/** Spaces requests to the same host: at most one every `delayMs` (raised by a robots.txt Crawl-delay). */
export interface HostThrottle {
  wait(host: string, signal?: AbortSignal): Promise<void>;
  /** Raises the delay of one host, for example from its robots.txt `Crawl-delay`. */
  setDelay(host: string, delayMs: number): void;
}

function sleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A {@link HostThrottle} that queues the requests of each host: a request starts
 * only when the host's previous one started at least its delay ago.
 */
export function createHostThrottle(delayMs: number): HostThrottle {
  const queues = new Map<string, Promise<void>>();
  const lastStart = new Map<string, number>();
  const delays = new Map<string, number>();
  return {
    wait(host, signal) {
      const previous = queues.get(host) ?? Promise.resolve();
      const turn = previous.then(async () => {
        const last = lastStart.get(host);
        const delay = delays.get(host) ?? delayMs;
        if (last !== undefined) {
          const remaining = last + delay - Date.now();
          if (remaining > 0) await sleep(remaining, signal);
        }
        lastStart.set(host, Date.now());
      });
      // The next request waits for this one's turn, whether it slept or was aborted.
      queues.set(
        host,
        turn.catch(() => undefined),
      );
      return turn;
    },
    setDelay(host, milliseconds) {
      delays.set(host, Math.max(delayMs, milliseconds));
    },
  };
}

/** How {@link fetchResource} fetches. */
export interface FetchSettings {
  fetch: typeof globalThis.fetch;
  allowPrivateNetwork: boolean;
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
  throttle: HostThrottle;
  signal?: AbortSignal;
}

/** What one request of {@link fetchResource} may add. */
export interface FetchRequestOptions {
  /** The Accept header. */
  accept: string;
  /** When set, redirects that leave this origin are refused (`cross-origin`). */
  sameOrigin?: string;
  /** Called before each hop (the first URL and every redirect target), for example to apply robots.txt. */
  beforeRequest?: (url: URL) => Promise<void>;
}

/** A fetched body within the limits. */
export interface FetchedResource {
  /** The final URL, after redirects. */
  url: string;
  status: number;
  headers: Headers;
  /** The media type, lowercase, without parameters; empty when the server sent none. */
  mediaType: string;
  body: Uint8Array;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** Turns the run's abort into a ChurnError, and anything else into `unreachable`. */
function requestFailure(
  error: unknown,
  url: URL,
  settings: FetchSettings,
  timeoutMs: number,
): never {
  if (settings.signal?.aborted) {
    throw new ChurnError('aborted', 'Ingestion was aborted.', { cause: error });
  }
  if (error instanceof SkipError) throw error;
  if (isPrivateAddressRefusal(error)) {
    throw new SkipError(
      'private-address',
      `${url.host} resolved to a private, loopback or link-local address when connecting: refused. Set allowPrivateNetwork: true to ingest from an internal network.`,
      { cause: error },
    );
  }
  const timedOut =
    error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
  throw new SkipError(
    'unreachable',
    timedOut
      ? `${url.href} did not answer within ${timeoutMs} ms.`
      : `${url.href} could not be reached: ${error instanceof Error ? error.message : String(error)}.`,
    { cause: error },
  );
}

async function readLimited(response: Response, url: URL, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new SkipError(
      'too-large',
      `${url.href} is ${declared} bytes, over the limit of ${maxBytes} bytes per page.`,
    );
  }
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new SkipError(
        'too-large',
        `${url.href} is over the limit of ${maxBytes} bytes per page.`,
      );
    }
    parts.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    body.set(part, offset);
    offset += part.byteLength;
  }
  return body;
}

/**
 * Fetches one URL the careful way: http(s) only; every hop's host resolved and
 * refused when private (unless `allowPrivateNetwork`); redirects followed by hand
 * (each target checked again, at most `maxRedirects`, optionally same-origin only);
 * one request at a time per host slot; a timeout; the body read up to `maxBytes`.
 *
 * @throws SkipError for every reason a page is skipped; ChurnError `aborted` when the run is aborted.
 */
export async function fetchResource(
  address: string,
  settings: FetchSettings,
  options: FetchRequestOptions,
): Promise<FetchedResource> {
  let url: URL;
  try {
    url = new URL(address);
  } catch (error) {
    throw new SkipError('invalid-url', `"${address}" is not a valid URL.`, { cause: error });
  }
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new SkipError('invalid-url', `${url.href} is not an http or https URL.`);
    }
    if (options.sameOrigin !== undefined && url.origin !== options.sameOrigin) {
      throw new SkipError(
        'cross-origin',
        `${url.href} is outside ${options.sameOrigin}: a crawl stays on its own origin.`,
      );
    }
    if (!settings.allowPrivateNetwork) await assertPublicHost(url);
    await options.beforeRequest?.(url);
    try {
      await settings.throttle.wait(url.host, settings.signal);
    } catch (error) {
      requestFailure(error, url, settings, settings.timeoutMs);
    }
    const timeout = AbortSignal.timeout(settings.timeoutMs);
    const signal = settings.signal ? AbortSignal.any([settings.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await settings.fetch(url.href, {
        redirect: 'manual',
        signal,
        headers: { 'user-agent': userAgentHeader, accept: options.accept },
      });
    } catch (error) {
      requestFailure(error, url, settings, settings.timeoutMs);
    }
    const location = response.headers.get('location');
    if (redirectStatuses.has(response.status) && location) {
      await response.body?.cancel().catch(() => undefined);
      if (hop >= settings.maxRedirects) {
        throw new SkipError(
          'too-many-redirects',
          `${address} redirects more than ${settings.maxRedirects} times.`,
        );
      }
      try {
        url = new URL(location, url);
      } catch (error) {
        throw new SkipError(
          'invalid-url',
          `${url.href} redirects to an invalid URL "${location}".`,
          { cause: error },
        );
      }
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new SkipError('http-status', `${url.href} answered HTTP ${response.status}.`, {
        status: response.status,
      });
    }
    let body: Uint8Array;
    try {
      body = await readLimited(response, url, settings.maxBytes);
    } catch (error) {
      requestFailure(error, url, settings, settings.timeoutMs);
    }
    const mediaType =
      (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    return { url: url.href, status: response.status, headers: response.headers, mediaType, body };
  }
}
