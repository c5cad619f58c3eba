import { isIP } from 'node:net';

/** Why a URL is refused, in words safe to show the caller (never what lies behind it). */
export class UrlRefusal extends Error {}

/** IPv4 ranges that are not the public internet (RFC 1918, loopback, link-local, CGNAT, …). */
const PRIVATE_V4: [number, number][] = [
  [0x00000000, 8], // "this" network
  [0x0a000000, 8], // 10/8
  [0x64400000, 10], // 100.64/10 CGNAT
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local (cloud metadata lives here)
  [0xac100000, 12], // 172.16/12
  [0xc0000000, 24], // 192.0.0/24
  [0xc0a80000, 16], // 192.168/16
  [0xc6120000, 15], // 198.18/15 benchmarking
  [0xe0000000, 4], // multicast
  [0xf0000000, 4], // reserved, broadcast
];

function v4ToInt(address: string): number {
  return address.split('.').reduce((value, part) => value * 256 + Number(part), 0);
}

/**
 * The IPv4 address an IPv6 literal carries and reaches: IPv4-mapped (`::ffff:`), IPv4-translated
 * (`::ffff:0:`), IPv4-compatible (`::`) and NAT64 (`64:ff9b::`), dotted or in hex as URL parsing
 * writes them (`[::ffff:127.0.0.1]` becomes `[::ffff:7f00:1]`).
 */
function embeddedV4(address: string): string | null {
  const match = /^(?:::ffff:|::ffff:0:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+|[0-9a-f]{1,4}:[0-9a-f]{1,4})$/.exec(
    address,
  );
  if (!match) return null;
  if (match[1].includes('.')) return match[1];
  const [high, low] = match[1].split(':').map((group) => parseInt(group, 16));
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** Whether an IP literal is loopback, private, link-local or otherwise not a public address. */
export function isNonPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase();
  const family = isIP(bare);
  if (family === 4) {
    const value = v4ToInt(bare);
    return PRIVATE_V4.some(([base, bits]) => value >>> (32 - bits) === base >>> (32 - bits));
  }
  if (family === 6) {
    const embedded = embeddedV4(bare);
    if (embedded) return isNonPublicAddress(embedded);
    return (
      bare === '::' ||
      bare === '::1' ||
      /^f[cd]/.test(bare) || // unique local fc00::/7
      /^fe[89ab]/.test(bare) || // link-local fe80::/10
      /^fe[c-f]/.test(bare) || // site-local fec0::/10 (deprecated, still routed inside some networks)
      /^ff/.test(bare) || // multicast
      // Prefixes that carry an IPv4 address the network may route to (6to4 2002::/16, Teredo
      // 2001:0::/32, local-use NAT64 64:ff9b:1::/48): [2002:7f00:1::] reaches 127.0.0.1 where a
      // 6to4 relay is configured. None is needed for a webhook.
      /^2002:/.test(bare) ||
      /^2001:(0:|:)/.test(bare) ||
      /^64:ff9b:1:/.test(bare) ||
      /^100::/.test(bare) || // discard-only 100::/64
      /^2001:db8:/.test(bare) // documentation
    );
  }
  return false;
}

function parseEntry(entry: string): { host: string; port: string | undefined } {
  if (entry.startsWith('[')) {
    const end = entry.indexOf(']');
    return { host: entry.slice(0, end + 1), port: entry.slice(end + 2) || undefined };
  }
  const [host, port] = entry.split(':');
  return { host, port };
}

/** Whether `host` (and `port`) is named by an allowlist entry (`host`, `host:port`, `*.domain`). */
export function allowlisted(allowlist: readonly string[], host: string, port: string): boolean {
  const hostname = host.toLowerCase();
  return allowlist.some((entry) => {
    const named = parseEntry(entry.toLowerCase());
    if (named.port !== undefined && named.port !== port) return false;
    if (named.host.startsWith('*.')) return hostname.endsWith(named.host.slice(1));
    return hostname === named.host;
  });
}

/**
 * Parses an outbound URL and refuses what no secret should be sent to: other schemes, URLs with
 * credentials in them, and (unless allowlisted) loopback, private and link-local addresses.
 * `trustedHosts` are always allowed (a provider's official host).
 */
export function checkOutboundUrl(
  raw: string,
  options: { allowlist: readonly string[]; trustedHosts?: readonly string[]; requirePublicName?: boolean },
): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlRefusal('is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UrlRefusal('must be an http(s) URL');
  if (url.username || url.password) throw new UrlRefusal('must not carry credentials');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const host = url.hostname.toLowerCase();
  if (options.trustedHosts?.includes(host) || allowlisted(options.allowlist, host, port)) return url;
  if (isNonPublicAddress(host) || host === 'localhost' || host.endsWith('.localhost')) {
    throw new UrlRefusal('points at a loopback, private or link-local address, which is not allowed here');
  }
  if (options.requirePublicName) throw new UrlRefusal(`host ${host} is not an allowed host`);
  return url;
}
