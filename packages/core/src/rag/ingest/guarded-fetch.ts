import { lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { isPrivateAddress } from './network-guard.js';

/** The `code` of the error a guarded connection fails with when its host is private. */
export const privateAddressErrorCode = 'ERR_CHURN_PRIVATE_ADDRESS';

/**
 * A `lookup` for `net.connect` that resolves every address of the host and refuses the
 * connection when any is private, loopback or link-local. The address checked is the
 * address connected to, so a DNS answer that changes between the crawler's early check and
 * the request (DNS rebinding) cannot slip through.
 */
export const guardedLookup = ((
  hostname: string,
  options: { all?: boolean; family?: number },
  callback: (...args: unknown[]) => void,
) => {
  dnsLookup(hostname, { all: true, verbatim: true }, (error, entries) => {
    if (error) {
      callback(error);
      return;
    }
    const refused =
      entries.find((entry) => isPrivateAddress(entry.address))?.address ??
      (entries.length === 0 ? 'no address' : undefined);
    if (refused !== undefined) {
      const refusal = Object.assign(
        new Error(
          `${hostname} resolves to ${refused}, a private, loopback or link-local address: refused.`,
        ),
        { code: privateAddressErrorCode },
      );
      callback(refusal);
      return;
    }
    const addresses = entries.map((entry) => ({
      address: entry.address,
      family: isIP(entry.address),
    }));
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0]?.address, addresses[0]?.family);
  });
}) as unknown as LookupFunction;

let guarded: Promise<typeof globalThis.fetch> | undefined;

/**
 * `fetch` whose connections go through {@link guardedLookup}: undici's own `fetch` with an
 * `Agent` whose `connect.lookup` is the guard (Node's global fetch takes no lookup). Loaded
 * on first use, so nothing but a crawl pays for undici.
 */
export function guardedFetch(): Promise<typeof globalThis.fetch> {
  guarded ??= import('undici').then(({ Agent, fetch }) => {
    const dispatcher = new Agent({ connect: { lookup: guardedLookup } });
    return ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) =>
      fetch(input, { ...init, dispatcher })) as unknown as typeof globalThis.fetch;
  });
  return guarded;
}

/** True when `error` (or one of its causes) is a guarded connection refused for a private address. */
export function isPrivateAddressRefusal(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if ((current as { code?: unknown }).code === privateAddressErrorCode) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
