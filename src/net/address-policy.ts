/**
 * Which addresses the server may connect to when a caller names the destination (run callbacks
 * now; MCP servers and tool network access later). Refused by default: loopback, private
 * (RFC 1918, ULA fc00::/7), link-local (169.254/16 with the cloud metadata address, fe80::/10),
 * CGNAT 100.64/10, unspecified, multicast, reserved, and IPv6 forms that embed one of those
 * IPv4 addresses (IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96, NAT64 64:ff9b::/96, 6to4
 * 2002::/16). The operator opens destinations with an allowlist of hosts and CIDRs
 * (`LETTA_OUTBOUND_ALLOW`).
 *
 * @example
 * const policy = new OutboundPolicy(parseOutboundAllow('hooks.internal,10.1.0.0/16'));
 * policy.refusal('169.254.169.254'); // 'link-local (cloud metadata)'
 * policy.refusal('10.1.2.3');        // undefined: allowed
 */
import { BlockList, isIP } from 'node:net';
import { LettaError } from '../errors.js';

type Family = 'ipv4' | 'ipv6';

const REFUSED_RANGES: ReadonlyArray<[string, number, Family, string]> = [
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'reserved'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'reserved'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['fc00::', 7, 'ipv6', 'private'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'site-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

const REFUSED = REFUSED_RANGES.map(([net, prefix, family, reason]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, family);
  return { list, family, reason };
});

/** The operator's allowlist: host names (`*.example.com` for subdomains) and CIDRs/addresses. */
export interface OutboundAllow {
  hosts: string[];
  cidrs: string[];
}

/**
 * Parses `LETTA_OUTBOUND_ALLOW` (comma-separated). Throws BAD_REQUEST on an entry that is
 * neither a host name nor an address/CIDR.
 */
export function parseOutboundAllow(text: string | undefined): OutboundAllow {
  const out: OutboundAllow = { hosts: [], cidrs: [] };
  for (const raw of (text ?? '').split(',')) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    const [address, prefix] = entry.replace(/^\[|\](?=\/|$)/g, '').split('/');
    if (address && isIP(address)) {
      const max = isIP(address) === 4 ? 32 : 128;
      if (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= max))
        throw new LettaError('BAD_REQUEST', `invalid LETTA_OUTBOUND_ALLOW entry '${raw.trim()}'`);
      out.cidrs.push(prefix === undefined ? address : `${address}/${prefix}`);
    } else if (
      /^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/.test(entry)
    ) {
      out.hosts.push(entry.replace(/\.$/, ''));
    } else {
      throw new LettaError(
        'BAD_REQUEST',
        `invalid LETTA_OUTBOUND_ALLOW entry '${raw.trim()}': expected a host name or an address/CIDR`,
      );
    }
  }
  return out;
}

export class OutboundPolicy {
  private readonly allowed = new BlockList();
  private readonly hosts: Set<string>;
  private readonly suffixes: string[];

  constructor(readonly allow: OutboundAllow = { hosts: [], cidrs: [] }) {
    for (const cidr of allow.cidrs) {
      const [address = '', prefix] = cidr.split('/');
      const family: Family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.allowed.addAddress(address, family);
      else this.allowed.addSubnet(address, Number(prefix), family);
    }
    this.hosts = new Set(allow.hosts.filter((h) => !h.startsWith('*.')));
    this.suffixes = allow.hosts.filter((h) => h.startsWith('*.')).map((h) => h.slice(1));
  }

  /** The host name is on the allowlist: any address it resolves to may be used. */
  hostAllowed(hostname: string): boolean {
    const host = hostname.toLowerCase().replace(/\.$/, '');
    return this.hosts.has(host) || this.suffixes.some((s) => host.endsWith(s));
  }

  /** Why `address` (an IP literal) may not be connected to, or undefined when it may. */
  refusal(address: string): string | undefined {
    const family = isIP(address);
    if (family === 0) return 'not an IP address';
    const forms = [address];
    const embedded = family === 6 ? embeddedIpv4(address) : undefined;
    if (embedded) forms.push(embedded);
    for (const form of forms) {
      const f: Family = isIP(form) === 4 ? 'ipv4' : 'ipv6';
      if (this.allowed.check(form, f)) return undefined;
    }
    for (const form of forms) {
      const f: Family = isIP(form) === 4 ? 'ipv4' : 'ipv6';
      const hit = REFUSED.find((r) => r.family === f && r.list.check(form, f));
      if (hit) return form === '169.254.169.254' ? 'link-local (cloud metadata)' : hit.reason;
    }
    return undefined;
  }
}

/** The IPv4 address carried by an IPv4-mapped, -compatible, NAT64 or 6to4 IPv6 address. */
export function embeddedIpv4(address: string): string | undefined {
  const w = ipv6Words(address);
  if (!w) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zero = (from: number, to: number) => w.slice(from, to).every((x) => x === 0);
  if (zero(0, 5) && (w[5] === 0xffff || w[5] === 0)) {
    if (w[5] === 0 && zero(6, 7) && (w[7] ?? 0) <= 1) return undefined; // :: and ::1 themselves
    return v4(w[6]!, w[7]!);
  }
  if (w[0] === 0x64 && w[1] === 0xff9b && zero(2, 6)) return v4(w[6]!, w[7]!);
  if (w[0] === 0x2002) return v4(w[1]!, w[2]!);
  return undefined;
}

/** The eight 16-bit words of an IPv6 literal (with `::` and a trailing dotted quad expanded). */
function ipv6Words(address: string): number[] | undefined {
  let text = address.toLowerCase().split('%')[0] ?? '';
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const words = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right].map((h) =>
    Number.parseInt(h, 16),
  );
  return words.length === 8 && words.every((n) => Number.isInteger(n) && n >= 0 && n <= 0xffff)
    ? words
    : undefined;
}
