/** `POST …/networkInterfaces/{nic}/effectiveNetworkSecurityGroups` (NetworkInterfaces_ListEffectiveNetworkSecurityGroups example). */
import { AZURE_LOAD_BALANCER_IP } from '../../diagnose/nsg/defaults';
import { effectiveRuleList } from '../../diagnose/nsg/evaluate';
import type { NsgInfo, SecurityRuleInfo } from '../../model/topology';
import { idKey } from '../../model/ids';
import type { SecurityAdminRule } from '../scenario';
import type { SandboxState } from '../state';
import { adminRulesForVnet, vnetIdOf } from './adminRules';
import { endpointOf, nsgOf } from './arm';
import { endpointTags } from './tags';
import { ipConfigurations, requireNicOfRunningVm } from './vmFacts';

function portText(range: string): string {
  if (range === '*') return '0-65535';
  return range.includes('-') ? range : `${range}-${range}`;
}

/**
 * Tags expanded as the API does; `Internet` and Azure service tags are left as written. `vnet` is what
 * `VirtualNetwork` covers (tags.ts): the VNet's address space, 168.63.129.16/32, 169.254.169.254/32 and
 * the subnet's UDR prefixes, as the effective-rules API lists them.
 */
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

/** The fields an NSG rule and a security admin rule share in the effective-rules answer. */
type EffectiveRuleSource = Pick<
  SecurityRuleInfo,
  | 'sourcePortRanges'
  | 'destinationPortRanges'
  | 'sourceAddressPrefixes'
  | 'destinationAddressPrefixes'
  | 'priority'
  | 'direction'
> & { access: string };

/** One rule as the effective-rules API writes it, with tags expanded where a single prefix is one. */
function effectiveFields(
  name: string,
  protocol: string,
  rule: EffectiveRuleSource,
  vnet: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name,
    protocol,
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
  const expanded = (prefixes: string[]) => (prefixes.length === 1 ? expand(prefixes[0]!, vnet) : undefined);
  const src = expanded(rule.sourceAddressPrefixes);
  const dst = expanded(rule.destinationAddressPrefixes);
  if (src) out.expandedSourceAddressPrefix = src;
  if (dst) out.expandedDestinationAddressPrefix = dst;
  return out;
}

function effectiveRule(rule: SecurityRuleInfo, vnet: string[]): Record<string, unknown> {
  const name = `${rule.isDefault ? 'defaultSecurityRules' : 'securityRules'}/${rule.name}`;
  return effectiveFields(name, rule.protocol === '*' ? 'All' : rule.protocol, rule, vnet);
}

/**
 * One admin rule as an effective security rule. The admin rules API writes `Any` for every protocol;
 * the effective-rules API writes `All`, as for NSG rules.
 */
export function effectiveAdminRule(rule: SecurityAdminRule, vnet: string[]): Record<string, unknown> {
  const protocol = ['*', 'any', 'all'].includes(rule.protocol.toLowerCase()) ? 'All' : rule.protocol;
  return effectiveFields(rule.name, protocol, rule, vnet);
}

/**
 * One entry per network manager whose admin rules reach the VNet. The association names only the
 * network manager and there is no `networkSecurityGroup`: src/azure/reader.ts marks an entry as level
 * `admin` exactly when `association.networkManager` is set, and then treats every rule in it as an
 * admin rule, so NSG rules must never share an entry with it.
 */
export function adminEntries(rules: SecurityAdminRule[], vnet: string[]): Record<string, unknown>[] {
  const byManager = new Map<string, { id: string; rules: SecurityAdminRule[] }>();
  for (const rule of rules) {
    const key = idKey(rule.networkManagerId);
    const group = byManager.get(key) ?? { id: rule.networkManagerId, rules: [] };
    group.rules.push(rule);
    byManager.set(key, group);
  }
  return [...byManager.values()].map((group) => ({
    association: { networkManager: { id: group.id } },
    effectiveSecurityRules: group.rules.map((r) => effectiveAdminRule(r, vnet)),
  }));
}

function entry(nsg: NsgInfo, association: Record<string, unknown>, vnet: string[]): Record<string, unknown> {
  return {
    networkSecurityGroup: { id: nsg.id },
    association,
    effectiveSecurityRules: effectiveRuleList(nsg).map((r) => effectiveRule(r, vnet)),
  };
}

/**
 * One entry per network manager whose security admin rules apply to the NIC's VNet (association
 * `networkManager`, first: admin rules are evaluated first), then one per NSG that applies to the NIC:
 * the subnet's (association `subnet`) and the NIC's (association `networkInterface`). 400 unless the
 * NIC's VM is running, as ARM requires.
 */
export function effectiveNetworkSecurityGroups(
  state: SandboxState,
  nicId: string,
): { value: Record<string, unknown>[] } {
  const { nic } = requireNicOfRunningVm(state, nicId);
  const first = ipConfigurations(nic)[0];
  const endpoint = first ? endpointOf(state, nic, first) : undefined;
  // What the API lists for `VirtualNetwork`: the VNet's space, the host IPs and the subnet's UDR prefixes.
  const vnet = endpoint ? endpointTags(state, endpoint).virtualNetworkPrefixes : [];
  const vnetId = endpoint ? vnetIdOf(endpoint) : undefined;
  const value: Record<string, unknown>[] = adminEntries(adminRulesForVnet(state, vnetId), vnet);
  const subnetNsg = nsgOf(state, endpoint?.subnet);
  if (subnetNsg && endpoint?.subnetId)
    value.push(entry(subnetNsg, { subnet: { id: endpoint.subnetId } }, vnet));
  const nicNsg = nsgOf(state, nic);
  if (nicNsg) value.push(entry(nicNsg, { networkInterface: { id: String(nic.id) } }, vnet));
  return { value };
}
