/** `POST …/networkInterfaces/{nic}/effectiveNetworkSecurityGroups` (NetworkInterfaces_ListEffectiveNetworkSecurityGroups example). */
import { AZURE_LOAD_BALANCER_IP } from '../../diagnose/nsg/defaults';
import { effectiveRuleList } from '../../diagnose/nsg/evaluate';
import type { NsgInfo, SecurityRuleInfo } from '../../model/topology';
import type { SandboxState } from '../state';
import { endpointOf, nsgOf, vnetPrefixes } from './arm';
import { ipConfigurations, requireNicOfRunningVm } from './vmFacts';

function portText(range: string): string {
  if (range === '*') return '0-65535';
  return range.includes('-') ? range : `${range}-${range}`;
}

/** Tags expanded as the API does; `Internet` and Azure service tags are left as written. */
function expand(prefix: string, vnet: string[]): string[] | undefined {
  const lower = prefix.toLowerCase();
  if (lower === 'virtualnetwork') return vnet;
  if (lower === 'azureloadbalancer') return [`${AZURE_LOAD_BALANCER_IP}/32`];
  return undefined;
}

function prefixText(prefixes: string[]): string {
  const one = prefixes.length === 1 ? prefixes[0]! : prefixes.join(',');
  return one === '*' ? '0.0.0.0/0' : one;
}

function effectiveRule(rule: SecurityRuleInfo, vnet: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: `${rule.isDefault ? 'defaultSecurityRules' : 'securityRules'}/${rule.name}`,
    protocol: rule.protocol === '*' ? 'All' : rule.protocol,
    sourcePortRange: rule.sourcePortRanges.map(portText).join(','),
    destinationPortRange: rule.destinationPortRanges.map(portText).join(','),
    sourcePortRanges: rule.sourcePortRanges.map(portText),
    destinationPortRanges: rule.destinationPortRanges.map(portText),
    sourceAddressPrefix: prefixText(rule.sourceAddressPrefixes),
    destinationAddressPrefix: prefixText(rule.destinationAddressPrefixes),
    sourceAddressPrefixes: rule.sourceAddressPrefixes,
    destinationAddressPrefixes: rule.destinationAddressPrefixes,
    access: rule.access,
    priority: rule.priority,
    direction: rule.direction,
  };
  const src =
    rule.sourceAddressPrefixes.length === 1 ? expand(rule.sourceAddressPrefixes[0]!, vnet) : undefined;
  const dst =
    rule.destinationAddressPrefixes.length === 1
      ? expand(rule.destinationAddressPrefixes[0]!, vnet)
      : undefined;
  if (src) out.expandedSourceAddressPrefix = src;
  if (dst) out.expandedDestinationAddressPrefix = dst;
  return out;
}

function entry(nsg: NsgInfo, association: Record<string, unknown>, vnet: string[]): Record<string, unknown> {
  return {
    networkSecurityGroup: { id: nsg.id },
    association,
    effectiveSecurityRules: effectiveRuleList(nsg).map((r) => effectiveRule(r, vnet)),
  };
}

/**
 * One entry per NSG that applies to the NIC: the subnet's (association `subnet`) and the NIC's
 * (association `networkInterface`). 400 unless the NIC's VM is running, as ARM requires.
 */
export function effectiveNetworkSecurityGroups(
  state: SandboxState,
  nicId: string,
): { value: Record<string, unknown>[] } {
  const { nic } = requireNicOfRunningVm(state, nicId);
  const first = ipConfigurations(nic)[0];
  const endpoint = first ? endpointOf(state, nic, first) : undefined;
  const vnet = endpoint ? vnetPrefixes(endpoint) : [];
  const value: Record<string, unknown>[] = [];
  const subnetNsg = nsgOf(state, endpoint?.subnet);
  if (subnetNsg && endpoint?.subnetId)
    value.push(entry(subnetNsg, { subnet: { id: endpoint.subnetId } }, vnet));
  const nicNsg = nsgOf(state, nic);
  if (nicNsg) value.push(entry(nicNsg, { networkInterface: { id: String(nic.id) } }, vnet));
  return { value };
}
