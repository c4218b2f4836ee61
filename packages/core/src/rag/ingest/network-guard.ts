import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { SkipError } from './skip-reason.js';

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // old site-local
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** The eight 16-bit groups of an IPv6 address (zone dropped), or undefined when it does not parse. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.split('%')[0] ?? '';
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    // A dotted IPv4 tail (`::ffff:1.2.3.4`) is the last two groups written another way.
    const octets = tail.split('.').map(Number);
    if (
      octets.length !== 4 ||
      octets.some((octet) => !Number.isInteger(octet) || octet < 0 || octet > 255)
    ) {
      return undefined;
    }
    const [a = 0, b = 0, c = 0, d = 0] = octets;
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string) =>
    part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16));
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const left = parse(halves[0] ?? '');
  const right = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 0 : missing !== 0) return undefined;
  const groups = [...left, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...right];
  if (groups.some((group) => !Number.isInteger(group) || group < 0 || group > 0xffff))
    return undefined;
  return groups;
}

function ipv4FromGroups(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/**
 * True for addresses a crawler must not reach on a tenant's behalf: private,
 * loopback, link-local, carrier-grade NAT, multicast, reserved and documentation
 * ranges, IPv4 and IPv6. IPv6 forms that embed an IPv4 address (`::ffff:a.b.c.d`
 * mapped, `::a.b.c.d` compatible, `64:ff9b::/96` NAT64, `2002::/16` 6to4) are
 * judged by that IPv4 address. Anything that does not parse counts as private.
 */
export function isPrivateAddress(address: string): boolean {
  const version = isIP(address.split('%')[0] ?? '');
  if (version === 4) return blocked.check(address, 'ipv4');
  if (version !== 6) return true;
  const groups = ipv6Groups(address);
  if (!groups) return true;
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = groups;
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroPrefix && g5 === 0xffff) return blocked.check(ipv4FromGroups(g6, g7), 'ipv4');
  if (zeroPrefix && g5 === 0 && (g6 !== 0 || g7 > 1))
    return blocked.check(ipv4FromGroups(g6, g7), 'ipv4');
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return blocked.check(ipv4FromGroups(g6, g7), 'ipv4');
  }
  if (g0 === 0x2002) return blocked.check(ipv4FromGroups(g1 ?? 0, g2 ?? 0), 'ipv4');
  const canonical = groups.map((group) => group.toString(16)).join(':');
  return blocked.check(canonical, 'ipv6');
}

/**
 * Resolves the URL's host with `dns.lookup` (every address, IPv4 and IPv6) and
 * refuses it when any address is private, loopback or link-local.
 *
 * @throws SkipError `private-address`, or `unreachable` when the name does not resolve.
 */
export async function assertPublicHost(url: URL): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
    } catch (error) {
      throw new SkipError('unreachable', `The host ${host} does not resolve.`, { cause: error });
    }
  }
  const refused = addresses.find(isPrivateAddress);
  if (refused !== undefined || addresses.length === 0) {
    throw new SkipError(
      'private-address',
      `${host} resolves to ${refused ?? 'no address'}, a private, loopback or link-local address: refused. Set allowPrivateNetwork: true to ingest from an internal network.`,
    );
  }
}
