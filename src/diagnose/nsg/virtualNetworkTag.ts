/**
 * What the `VirtualNetwork` service tag covers for one NIC. Microsoft's service tags table
 * (MicrosoftDocs/azure-docs, articles/virtual-network/service-tags-overview.md, row `VirtualNetwork`):
 * "The virtual network address space (all IP address ranges defined for the virtual network), all
 * connected on-premises address spaces, peered virtual networks, virtual networks connected to a
 * virtual network gateway, the virtual IP address of the host, and address prefixes used on
 * user-defined routes. This tag might also contain default routes." The NSG docs repeat it
 * (network-watcher/diagnose-network-security-rules.md: "The VirtualNetwork service tag represents the
 * address space of the virtual network, ... the virtual IP address of the host, and address prefixes
 * used on user-defined routes").
 *
 * So the default `AllowVnetInBound` (65000) admits 168.63.129.16 and traffic from a peered VNet, a
 * rule naming `VirtualNetwork` as its source matches the probe, and a 0.0.0.0/0 UDR on the subnet
 * makes `VirtualNetwork` cover every address. Peered VNets are read from the VNet's peerings
 * (`remoteAddressSpace`); gateway-connected and on-premises spaces are not in the topology and are not
 * modelled: a rule that relies on them is evaluated as if they were absent.
 */
import { parsePrefix } from './prefix';
import type { TagContext } from './types';

/**
 * The host's virtual IPs: 168.63.129.16 (wire server, DNS, the health probe's source) and
 * 169.254.169.254 (Instance Metadata Service).
 */
export const HOST_VIRTUAL_IP_PREFIXES: readonly string[] = ['168.63.129.16/32', '169.254.169.254/32'];

/**
 * The prefixes `VirtualNetwork` covers: the VNet's address space, the peered VNets' address spaces,
 * the host's virtual IPs, then the address prefixes of the UDRs in the subnet's route table,
 * deduplicated in that order. A UDR whose address prefix is a service tag (routes accept them) is left
 * out: its ranges are not known here.
 */
export function virtualNetworkTagPrefixes(
  addressSpace: readonly string[],
  udrPrefixes: readonly string[] = [],
  peeredAddressSpace: readonly string[] = [],
): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const prefix of [
    ...addressSpace,
    ...peeredAddressSpace,
    ...HOST_VIRTUAL_IP_PREFIXES,
    ...udrPrefixes,
  ]) {
    const value = prefix.trim();
    const key = value.toLowerCase();
    if (value === '' || seen.has(key) || !parsePrefix(value)) continue;
    seen.add(key);
    out.push(value);
  }
  return out;
}

/**
 * The tag context of a NIC whose VNet has `addressSpace` (and is peered with VNets of
 * `peeredAddressSpace`) and whose subnet's UDRs name `udrPrefixes`.
 */
export function tagContext(
  addressSpace: readonly string[],
  udrPrefixes: readonly string[] = [],
  peeredAddressSpace: readonly string[] = [],
): TagContext {
  return { virtualNetworkPrefixes: virtualNetworkTagPrefixes(addressSpace, udrPrefixes, peeredAddressSpace) };
}
