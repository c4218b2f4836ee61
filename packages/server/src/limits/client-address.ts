/**
 * Addresses adapters learned from the socket, by request (never a header a client could
 * forge). Kept on `globalThis` under a `Symbol.for` key, so two copies of the package agree.
 */
const registry = globalThis as { [key: symbol]: WeakMap<Request, string> | undefined };
const addressesKey = Symbol.for('churn.client-addresses');
registry[addressesKey] ??= new WeakMap<Request, string>();
const addresses: WeakMap<Request, string> = registry[addressesKey];

/**
 * Records the peer address of the connection a request came on. Called by the node:http
 * bridge (so Express and Fastify too); a runtime with its own server calls it before handing
 * the request to the Churn handler.
 */
export function setClientAddress(request: Request, address: string | undefined): void {
  if (address) addresses.set(request, address);
}

/** Settings of {@link clientAddressOf}. */
export interface ClientAddressOptions {
  /**
   * Whether to believe `x-forwarded-for`. `false` (default): only the socket's address.
   * A number `n`: there are `n` proxies of yours in front of the server, so the client is the
   * `n`-th address from the right (the one your outermost proxy saw). `true`: the leftmost
   * address (only when every proxy in front rewrites the header; a client can put anything
   * there).
   */
  trustProxy?: boolean | number;
  /** Your own way to name the client (a platform header, ...). Wins over everything else. */
  clientAddress?: ((request: Request) => string | undefined) | undefined;
}

/** The client's address, or `undefined` when neither the adapter nor a trusted proxy told it. */
export function clientAddressOf(
  request: Request,
  options: ClientAddressOptions = {},
): string | undefined {
  if (options.clientAddress) return options.clientAddress(request) || undefined;
  const trust = options.trustProxy ?? false;
  if (trust !== false && trust !== 0) {
    const hops = (request.headers.get('x-forwarded-for') ?? '')
      .split(',')
      .map((hop) => hop.trim())
      .filter((hop) => hop !== '');
    if (hops.length > 0) {
      const hop = trust === true ? hops[0] : hops[Math.max(0, hops.length - trust)];
      if (hop) return hop.slice(0, 64);
    }
  }
  return addresses.get(request);
}
