/**
 * Service tags as the reference model expands them, from Microsoft's service-tags table
 * (MicrosoftDocs/azure-docs, articles/virtual-network/service-tags-overview.md):
 *
 * - `AzureLoadBalancer`: "The tag translates to the virtual IP address of the host (168.63.129.16)
 *   where the Azure health probes originate."
 * - `VirtualNetwork`: "The virtual network address space ..., all connected on-premises address spaces,
 *   peered virtual networks, ..., the virtual IP address of the host, and address prefixes used on
 *   user-defined routes. This tag might also contain default routes." The host's virtual IPs are
 *   168.63.129.16 and 169.254.169.254 (what-is-ip-address-168-63-129-16.md; IMDS).
 * - `Internet`: "The IP address space that's outside the virtual network and reachable by the public
 *   internet. The address range includes the Azure-owned public IP address space." Read here as public
 *   unicast IPv4 minus everything `VirtualNetwork` covers for this NIC; 168.63.129.16 is the host's
 *   virtual IP, inside `VirtualNetwork`, so not in `Internet` (docs/probe-facts.md records the doubt
 *   and how the fix stays robust to it).
 * - Every other tag (`Storage`, `Sql.WestEurope`, `AzureCloud`, ...) stands for an Azure service's
 *   published public ranges. The model holds no such list: such a tag covers no address a scenario
 *   uses for its VNets, and not 168.63.129.16.
 */
import { contains, ipv4Complement, looksLikeAddress } from './address';

/** The host's virtual IP: DNS, the wire server, and the IPv4 health probe's source. */
export const HOST_VIRTUAL_IP = '168.63.129.16';
/** The Instance Metadata Service address, also a host virtual IP. */
export const IMDS_IP = '169.254.169.254';

/** What the tags mean at one NIC: its VNet's space, peered spaces, and its subnet's UDR prefixes. */
export interface TagScope {
  vnetAddressSpace: string[];
  peeredAddressSpace: string[];
  udrPrefixes: string[];
}

/** Ranges that are not public internet space (RFC 1918, CGNAT, loopback, link-local, multicast, reserved). */
const NOT_PUBLIC = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '224.0.0.0/4',
  '240.0.0.0/4',
];

/** Expansions of scopes that cannot change (frozen, arrays too): every backend of a subnet shares one. */
const vnetPrefixesOfFrozen = new WeakMap<TagScope, string[]>();

function isFrozenScope(scope: TagScope): boolean {
  return (
    Object.isFrozen(scope) &&
    Object.isFrozen(scope.vnetAddressSpace) &&
    Object.isFrozen(scope.peeredAddressSpace) &&
    Object.isFrozen(scope.udrPrefixes)
  );
}

/** `VirtualNetwork` at this scope, deduplicated, in the order the docs list the parts (read-only). */
export function virtualNetworkPrefixes(scope: TagScope): string[] {
  if (!isFrozenScope(scope)) return expandVirtualNetwork(scope);
  let prefixes = vnetPrefixesOfFrozen.get(scope);
  if (!prefixes)
    vnetPrefixesOfFrozen.set(scope, (prefixes = Object.freeze(expandVirtualNetwork(scope)) as string[]));
  return prefixes;
}

function expandVirtualNetwork(scope: TagScope): string[] {
  const all = [
    ...scope.vnetAddressSpace,
    ...scope.peeredAddressSpace,
    `${HOST_VIRTUAL_IP}/32`,
    `${IMDS_IP}/32`,
    ...scope.udrPrefixes.filter(looksLikeAddress),
  ];
  return [...new Set(all.map((p) => p.trim()))];
}

/** `Internet` at this scope: public IPv4 space outside everything `VirtualNetwork` covers. */
export function internetPrefixes(scope: TagScope): string[] {
  return ipv4Complement([...NOT_PUBLIC, ...virtualNetworkPrefixes(scope)]);
}

/** The tag's name without a regional suffix, lower case (`Storage.WestEurope` -> `storage`). */
function baseName(tag: string): string {
  let name = baseNames.get(tag);
  if (name === undefined) {
    name = tag.split('.')[0]!.toLowerCase();
    // Bounded: a standalone sandbox takes tags from every security rule PUT it is sent.
    if (baseNames.size >= 10_000) baseNames.clear();
    baseNames.set(tag, name);
  }
  return name;
}

const baseNames = new Map<string, string>();

/**
 * The prefixes a tag expands to at this scope, or undefined for an Azure service tag whose ranges the
 * model does not hold (it covers no scenario address).
 */
export function expandTag(tag: string, scope: TagScope): string[] | undefined {
  switch (baseName(tag)) {
    case 'azureloadbalancer':
      return [`${HOST_VIRTUAL_IP}/32`];
    case 'virtualnetwork':
      return virtualNetworkPrefixes(scope);
    case 'internet':
      return internetPrefixes(scope);
    default:
      return undefined;
  }
}

/** Whether one address prefix of a rule (`*`, CIDR, address or tag) covers `ip` at this scope. */
export function prefixCovers(prefix: string, ip: string, scope: TagScope): boolean {
  const p = prefix.trim();
  if (p === '*' || p.toLowerCase() === 'any') return true;
  if (looksLikeAddress(p)) return contains(p, ip);
  if (baseName(p) === 'internet') {
    // Same set as internetPrefixes(scope), without building it.
    const outside = [...NOT_PUBLIC, ...virtualNetworkPrefixes(scope)];
    return ip.includes('.') && !ip.includes(':') && !outside.some((x) => contains(x, ip));
  }
  const expanded = expandTag(p, scope);
  return expanded ? expanded.some((e) => contains(e, ip)) : false;
}
