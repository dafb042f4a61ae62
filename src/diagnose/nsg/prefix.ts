/**
 * Address prefix matching with Azure's semantics: `*`/`Any`, CIDRs, single addresses, and the
 * service tags that matter for a probe or a peer flow inside a virtual network.
 */
import ipaddr from 'ipaddr.js';
import { AZURE_LOAD_BALANCER_IP } from './defaults';
import type { TagContext } from './types';

/** Whether a prefix matched, and why it could not be evaluated when it could not. */
export interface PrefixMatch {
  matches: boolean;
  warning?: string;
}

/**
 * Tags whose address ranges are not modelled here (they are Azure service ranges published in the
 * Service Tags file). None of them holds a private VNet address or 168.63.129.16, so they never match
 * the probe or a peer inside a VNet.
 */
const TAGS_WITHOUT_REGIONS = new Set(['virtualnetwork', 'azureloadbalancer', 'internet']);

type Parsed = ipaddr.IPv4 | ipaddr.IPv6;

/** Parses an address, accepting only the forms ARM accepts (IPv4 four-part decimal, IPv6). */
/**
 * Parsing an address is most of an evaluation's cost (a 200-rule NSG re-reads the same prefixes for
 * every backend), so parses are memoised. Bounded, so a long-running process cannot grow it forever;
 * the parsed objects are never mutated.
 */
const MEMO_LIMIT = 20_000;
function memo<T>(parse: (value: string) => T): (value: string) => T {
  const cache = new Map<string, T>();
  return (value) => {
    if (cache.has(value)) return cache.get(value) as T;
    if (cache.size >= MEMO_LIMIT) cache.clear();
    const parsed = parse(value);
    cache.set(value, parsed);
    return parsed;
  };
}

export const parseAddress = memo((value: string): Parsed | undefined => {
  if (ipaddr.IPv4.isValidFourPartDecimal(value)) return ipaddr.IPv4.parse(value);
  if (value.includes(':') && ipaddr.IPv6.isValid(value)) return ipaddr.IPv6.parse(value);
  return undefined;
});

export const parsePrefix = memo((value: string): [Parsed, number] | undefined => {
  const slash = value.indexOf('/');
  if (slash < 0) {
    const address = parseAddress(value);
    return address ? [address, address.kind() === 'ipv4' ? 32 : 128] : undefined;
  }
  const address = parseAddress(value.slice(0, slash));
  const bitsText = value.slice(slash + 1);
  if (!address || !/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > (address.kind() === 'ipv4' ? 32 : 128)) return undefined;
  return [address, bits];
});

export function inPrefix(ip: string, prefix: string): boolean {
  const address = parseAddress(ip);
  const range = parsePrefix(prefix);
  if (!address || !range || address.kind() !== range[0].kind()) return false;
  return address.match(range);
}

function inAny(ip: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => inPrefix(ip, p));
}

/**
 * `Internet`: Azure defines it as the address space outside the virtual network that the public
 * internet reaches. It holds nothing `VirtualNetwork` covers (the VNet, the host's virtual IPs, the
 * subnet's UDR prefixes: with a 0.0.0.0/0 UDR it is empty), never 168.63.129.16 (a rule denying
 * `Internet` does not block the probe), and not private ranges (the effective-rules API expands it to
 * public blocks only, e.g. 1.0.0.0/8, 2.0.0.0/7, 4.0.0.0/6, 32.0.0.0/3).
 */
function inInternet(ip: string, tags: TagContext): boolean {
  const address = parseAddress(ip);
  if (!address || address.kind() !== 'ipv4') return false;
  if (ip === AZURE_LOAD_BALANCER_IP || inAny(ip, tags.virtualNetworkPrefixes)) return false;
  return address.range() === 'unicast';
}

/**
 * Whether `ip` matches one address prefix of a rule. Never throws: a malformed prefix or an unknown
 * tag does not match and says why.
 */
export function matchPrefix(prefix: string, ip: string, tags: TagContext): PrefixMatch {
  const value = prefix.trim();
  const lower = value.toLowerCase();
  if (value === '*' || lower === 'any') return { matches: true };
  if (lower === 'azureloadbalancer') return { matches: ip === AZURE_LOAD_BALANCER_IP };
  if (lower === 'virtualnetwork') return { matches: inAny(ip, tags.virtualNetworkPrefixes) };
  if (lower === 'internet') return { matches: inInternet(ip, tags) };
  // An address or CIDR: IPv4 starts with a digit; IPv6 may start with a hex letter (fd00::10) but
  // always holds a colon, which no service tag does.
  if (/[0-9:]/.test(value.charAt(0)) || value.includes(':') || value.includes('/')) {
    if (!parsePrefix(value))
      return { matches: false, warning: `malformed address prefix "${prefix}" never matches` };
    return { matches: inPrefix(ip, value) };
  }
  const tagMatch = /^([A-Za-z][A-Za-z0-9]*)(?:\.([A-Za-z0-9]+))?$/.exec(value);
  if (!tagMatch) return { matches: false, warning: `malformed address prefix "${prefix}" never matches` };
  if (tagMatch[2] !== undefined && TAGS_WITHOUT_REGIONS.has((tagMatch[1] ?? '').toLowerCase())) {
    return {
      matches: false,
      warning: `"${prefix}" is not a service tag (${tagMatch[1]} has no regional scope); it never matches`,
    };
  }
  return {
    matches: false,
    warning: `service tag "${prefix}" holds Azure service ranges only; assumed not to contain ${ip}`,
  };
}
