import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { ChurnError, isPrivateAddress } from '@churn/core';

/** Resolves a host name to its addresses (every one): `dns.lookup` by default; tests inject one. */
export type HostResolver = (host: string) => Promise<string[]>;

/** The system resolver (`dns.lookup`, every address, IPv4 and IPv6). */
export const systemResolver: HostResolver = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => {
      if (error) reject(error);
      else resolve(addresses.map((entry) => entry.address));
    });
  });

/** Settings of outbound requests to receivers. */
export interface OutboundSettings {
  /**
   * Allow receivers on private, loopback and link-local addresses (an internal ticket system,
   * tests on 127.0.0.1). Default false: such URLs are refused when the integration is saved
   * and again at every delivery, after DNS resolution (a name that later resolves inside
   * the network is refused then).
   */
  allowPrivateNetwork?: boolean;
  /** Gives up on a receiver after this long (connect + answer). Default 10 seconds. */
  timeoutMs?: number;
  /** Resolves host names; default {@link systemResolver}. */
  resolver?: HostResolver;
}

/** Why an outbound request was refused before it was sent. */
export class PrivateAddressError extends ChurnError {
  constructor(message: string) {
    super('forbidden', message);
    this.name = 'PrivateAddressError';
  }
}

/** What a receiver answered. */
export interface OutboundResponse {
  status: number;
  /** The body as text, at most 64 KiB. */
  body: string;
  contentType: string;
}

const maxResponseBytes = 64 * 1024;

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

function refusal(host: string, address: string): PrivateAddressError {
  return new PrivateAddressError(
    `${host} resolves to ${address}, a private, loopback or link-local address: refused to protect the internal network. Use a public URL, or start the server with integrations.allowPrivateNetwork: true for an internal receiver.`,
  );
}

/**
 * Checks that `url` names a public host: an IP literal outside private ranges, or a name
 * whose every address is public (the crawler's `isPrivateAddress`, shared with ingest).
 *
 * @throws PrivateAddressError when it is not; ChurnError `provider_error` when the name does not resolve.
 */
export async function assertPublicUrl(url: URL, settings: OutboundSettings = {}): Promise<void> {
  if (settings.allowPrivateNetwork) return;
  const host = hostOf(url);
  if (isIP(host)) {
    if (isPrivateAddress(host)) throw refusal(host, host);
    return;
  }
  let addresses: string[];
  try {
    addresses = await (settings.resolver ?? systemResolver)(host);
  } catch (error) {
    throw new ChurnError('provider_error', `The host ${host} does not resolve: check the URL.`, {
      cause: error,
    });
  }
  const refused = addresses.find(isPrivateAddress);
  if (refused !== undefined || addresses.length === 0) throw refusal(host, refused ?? 'nothing');
}

/**
 * A `lookup` for `http.request` that resolves with `resolver` and refuses private addresses
 * at connection time: the address checked is the address connected to, so a DNS answer
 * that changes between the check and the request (DNS rebinding) cannot slip through.
 */
function guardedLookup(settings: OutboundSettings): LookupFunction {
  const resolver = settings.resolver ?? systemResolver;
  return ((
    hostname: string,
    options: { all?: boolean },
    callback: (...args: unknown[]) => void,
  ) => {
    resolver(hostname).then(
      (addresses) => {
        const refused = settings.allowPrivateNetwork
          ? undefined
          : (addresses.find(isPrivateAddress) ?? (addresses.length === 0 ? 'nothing' : undefined));
        if (refused !== undefined) {
          callback(refusal(hostname, refused));
          return;
        }
        const entries = addresses.map((address) => ({ address, family: isIP(address) }));
        if (options.all) callback(null, entries);
        else callback(null, entries[0]?.address, entries[0]?.family);
      },
      (error: unknown) => callback(error),
    );
  }) as unknown as LookupFunction;
}

/**
 * Sends one HTTP request to a receiver with the SSRF guard (checked at connection time) and
 * a timeout. Redirects are not followed (a redirect could lead inside the network).
 *
 * @throws PrivateAddressError for a private address; ChurnError `timeout` or `provider_error`
 *   when the receiver cannot be reached.
 */
export async function sendOutboundRequest(
  request: { url: string; method?: string; headers: Record<string, string>; body: string },
  settings: OutboundSettings = {},
): Promise<OutboundResponse> {
  const url = new URL(request.url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ChurnError('validation_failed', 'Receivers must be http or https URLs.');
  }
  const host = hostOf(url);
  if (!settings.allowPrivateNetwork && isIP(host) && isPrivateAddress(host)) {
    throw refusal(host, host);
  }
  const timeoutMs = settings.timeoutMs ?? 10_000;
  const body = Buffer.from(request.body, 'utf8');
  const options: RequestOptions = {
    method: request.method ?? 'POST',
    headers: { ...request.headers, 'content-length': String(body.length) },
    lookup: guardedLookup(settings),
    timeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<OutboundResponse>((resolve, reject) => {
    const outgoing = send(url, options, (incoming) => {
      const chunks: Buffer[] = [];
      let size = 0;
      incoming.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxResponseBytes) chunks.push(chunk);
      });
      incoming.on('end', () => {
        resolve({
          status: incoming.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          contentType: String(incoming.headers['content-type'] ?? ''),
        });
      });
      incoming.on('error', (error) => reject(unreachable(url, error, timeoutMs)));
    });
    outgoing.on('timeout', () => outgoing.destroy(timeoutError(url, timeoutMs)));
    outgoing.on('error', (error) => reject(unreachable(url, error, timeoutMs)));
    outgoing.end(body);
  });
}

function timeoutError(url: URL, timeoutMs: number): ChurnError {
  return new ChurnError('timeout', `${url.host} did not answer within ${timeoutMs} ms.`);
}

function unreachable(url: URL, error: unknown, timeoutMs: number): ChurnError {
  if (error instanceof PrivateAddressError) return error;
  if (ChurnError.isInstance(error)) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ABORT_ERR' || (error as Error).name === 'AbortError') {
    return timeoutError(url, timeoutMs);
  }
  // The message names the host and the system code only: never the URL's path (it may hold a token).
  return new ChurnError(
    'provider_error',
    `${url.host} could not be reached${code ? ` (${code})` : ''}.`,
    { cause: error },
  );
}
