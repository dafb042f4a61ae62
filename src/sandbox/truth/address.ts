/**
 * Addresses and prefixes for the sandbox's reference model of Azure's data plane. Written from ARM's
 * accepted forms (NSG overview, "Security rules": a CIDR range, a single IP address, `*`, or a service
 * tag), with ipaddr.js doing the parsing: nothing here is shared with the product's evaluator.
 */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Parses of the same text, remembered: every probe of every backend evaluates the same NSG prefixes
 * and addresses again. Parsed values are never changed by their users. Bounded, since a standalone
 * sandbox takes prefixes from every security rule PUT it is sent.
 */
const MAX_REMEMBERED = 10_000;

function remembered<T>(parse: (value: string) => T): (value: string) => T {
  const parsed = new Map<string, T>();
  return (value) => {
    if (parsed.has(value)) return parsed.get(value) as T;
    const result = parse(value);
    if (parsed.size >= MAX_REMEMBERED) parsed.clear();
    parsed.set(value, result);
    return result;
  };
}

/** A parsed address, or undefined when it is not one ARM accepts (IPv4 dotted quad, or IPv6). */
export const address: (value: string) => Address | undefined = remembered((value) => {
  const v = value.trim();
  if (ipaddr.IPv4.isValidFourPartDecimal(v)) return ipaddr.IPv4.parse(v);
  if (v.includes(':') && ipaddr.IPv6.isValid(v)) return ipaddr.IPv6.parse(v);
  return undefined;
});

/** A parsed CIDR (a bare address is its own /32 or /128), or undefined when malformed. */
export const cidr: (value: string) => [Address, number] | undefined = remembered(parseCidr);

function parseCidr(value: string): [Address, number] | undefined {
  const v = value.trim();
  const slash = v.indexOf('/');
  const base = address(slash < 0 ? v : v.slice(0, slash));
  if (!base) return undefined;
  const max = base.kind() === 'ipv4' ? 32 : 128;
  if (slash < 0) return [base, max];
  const bits = v.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return undefined;
  return [base, Number(bits)];
}

/** Whether the text looks like an address or CIDR rather than a tag name. */
export function looksLikeAddress(value: string): boolean {
  return /^[0-9a-fA-F:.]+(\/\d+)?$/.test(value.trim()) && /[.:]/.test(value);
}

/** Whether `ip` lies in `prefix` (same family only). */
export function contains(prefix: string, ip: string): boolean {
  const range = cidr(prefix);
  const a = address(ip);
  if (!range || !a || range[0].kind() !== a.kind()) return false;
  return a.match(range);
}

/** IPv4 as an unsigned 32-bit number, for range arithmetic. */
export function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** The inclusive IPv4 interval of a CIDR, or undefined for IPv6 or malformed input. */
export function ipv4Interval(prefix: string): [number, number] | undefined {
  const range = cidr(prefix);
  if (!range || range[0].kind() !== 'ipv4') return undefined;
  const size = 2 ** (32 - range[1]);
  const start = Math.floor(ipv4ToNumber(range[0].toString()) / size) * size;
  return [start, start + size - 1];
}

function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** The fewest CIDRs that cover exactly the inclusive interval [start, end]. */
export function intervalToCidrs(start: number, end: number): string[] {
  const out: string[] = [];
  let at = start;
  while (at <= end) {
    let bits = 32;
    // Grow the block while it stays aligned and inside the interval.
    while (bits > 0) {
      const size = 2 ** (32 - bits + 1);
      if (at % size !== 0 || at + size - 1 > end) break;
      bits -= 1;
    }
    out.push(`${numberToIpv4(at)}/${bits}`);
    at += 2 ** (32 - bits);
  }
  return out;
}

/** IPv4 space [0, 2^32) minus the given CIDRs, as CIDRs in address order. */
export function ipv4Complement(excluded: readonly string[]): string[] {
  const intervals = excluded
    .map(ipv4Interval)
    .filter((i): i is [number, number] => i !== undefined)
    .sort((a, b) => a[0] - b[0]);
  const out: string[] = [];
  let next = 0;
  for (const [start, end] of intervals) {
    if (start > next) out.push(...intervalToCidrs(next, start - 1));
    next = Math.max(next, end + 1);
  }
  if (next <= 0xffffffff) out.push(...intervalToCidrs(next, 0xffffffff));
  return out;
}
