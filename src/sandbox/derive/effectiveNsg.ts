/**
 * `POST …/networkInterfaces/{nic}/effectiveNetworkSecurityGroups`, written the way Azure writes it
 * (Microsoft's NetworkInterfaceEffectiveNSGList.json, network 2025-05-01, and the answer quoted in
 * azure-powershell issue #4972):
 *
 * - `name` is `securityRules/<name>` or `defaultSecurityRules/<name>`; protocol `*` is written `All`.
 * - Ports as ranges: `*` is `0-65535`, `80` is `80-80`. The singular field (`sourcePortRange`) carries
 *   the one range when there is one; the plural field lists every range. A list is never joined into
 *   one string.
 * - Prefixes: `*` is `0.0.0.0/0`; CIDRs as written; a service tag stays as its name in the prefix field
 *   and is spelled out in `expandedSourceAddressPrefix` / `expandedDestinationAddressPrefix` for the
 *   tags the reference model can expand here (`AzureLoadBalancer`, `VirtualNetwork`, `Internet`: see
 *   src/sandbox/truth/serviceTags.ts). Azure-service tags (`Storage`, `Sql.WestEurope`, ...) are left
 *   unexpanded: the model holds no list of Azure's ranges.
 * - A side that names application security groups has no prefix of its own: the expansion lists the
 *   members' addresses (`/32`), and is empty for an ASG with no member.
 */
import { idKey } from '../../model/ids';
import type { SecurityAdminRule } from '../scenario';
import type { SandboxState } from '../state';
import { looksLikeAddress } from '../truth/address';
import type { TruthRule, RuleSide } from '../truth/rules';
import { expandTag, type TagScope } from '../truth/serviceTags';
import { allNics, endpointOf, list, props } from './arm';
import { adminRulesOf, scopeOf, toAdminRule, truthNsgOf, vnetIdOf } from './dataPlane';
import { ipConfigurations, requireNicOfRunningVm } from './vmFacts';

function portText(range: string): string {
  const r = range.trim();
  if (r === '*') return '0-65535';
  return r.includes('-') ? r : `${r}-${r}`;
}

function prefixText(prefix: string): string {
  return prefix.trim() === '*' ? '0.0.0.0/0' : prefix.trim();
}

/** Addresses of every IP configuration that is a member of one of `asgIds`. */
function asgMembers(state: SandboxState, asgIds: readonly string[]): string[] {
  const wanted = new Set(asgIds.map(idKey));
  const out: string[] = [];
  for (const nic of allNics(state)) {
    for (const ipConfig of list(props(nic).ipConfigurations)) {
      const endpoint = endpointOf(state, nic, ipConfig);
      if (endpoint.ipAddress && endpoint.asgIds.some((id) => wanted.has(idKey(id))))
        out.push(`${endpoint.ipAddress}/32`);
    }
  }
  return [...new Set(out)];
}

/** The prefix fields of one side, and its expansion when there is one to write. */
function sideFields(
  state: SandboxState,
  side: RuleSide,
  scope: TagScope,
): { one?: string; many: string[]; expanded?: string[] } {
  if (side.asgIds.length > 0) return { many: [], expanded: asgMembers(state, side.asgIds) };
  const many = side.prefixes.map(prefixText);
  const tags = side.prefixes.filter((p) => p.trim() !== '*' && !looksLikeAddress(p));
  const expansions = tags.map((t) => expandTag(t, scope));
  const expanded =
    expansions.every((e) => e !== undefined) && tags.length > 0 ? expansions.flat() : undefined;
  return { ...(many.length === 1 ? { one: many[0] } : {}), many, ...(expanded ? { expanded } : {}) };
}

/** One rule (NSG rule or admin rule) as the effective-rules API writes it. */
function effectiveRule(
  state: SandboxState,
  name: string,
  rule: TruthRule,
  scope: TagScope,
): Record<string, unknown> {
  const protocol = ['*', 'any', 'all'].includes(rule.protocol.trim().toLowerCase()) ? 'All' : rule.protocol;
  const sourcePorts = rule.sourcePorts.map(portText);
  const destinationPorts = rule.destinationPorts.map(portText);
  const source = sideFields(state, rule.source, scope);
  const destination = sideFields(state, rule.destination, scope);
  return {
    name,
    protocol,
    ...(sourcePorts.length === 1 ? { sourcePortRange: sourcePorts[0] } : {}),
    ...(destinationPorts.length === 1 ? { destinationPortRange: destinationPorts[0] } : {}),
    sourcePortRanges: sourcePorts,
    destinationPortRanges: destinationPorts,
    ...(source.one !== undefined ? { sourceAddressPrefix: source.one } : {}),
    ...(destination.one !== undefined ? { destinationAddressPrefix: destination.one } : {}),
    sourceAddressPrefixes: source.many,
    destinationAddressPrefixes: destination.many,
    ...(source.expanded ? { expandedSourceAddressPrefix: source.expanded } : {}),
    ...(destination.expanded ? { expandedDestinationAddressPrefix: destination.expanded } : {}),
    access: rule.access,
    priority: rule.priority,
    direction: rule.direction,
  };
}

/**
 * One entry per network manager whose admin rules reach the VNet: an association naming only the
 * network manager, and no `networkSecurityGroup` (the reader tells admin entries from NSG entries by
 * that absence).
 */
export function adminEntries(
  state: SandboxState,
  rules: SecurityAdminRule[],
  scope: TagScope,
): Record<string, unknown>[] {
  const byManager = new Map<string, { id: string; rules: SecurityAdminRule[] }>();
  for (const rule of rules) {
    const key = idKey(rule.networkManagerId);
    const group = byManager.get(key) ?? { id: rule.networkManagerId, rules: [] };
    group.rules.push(rule);
    byManager.set(key, group);
  }
  return [...byManager.values()].map((group) => ({
    association: { networkManager: { id: group.id } },
    effectiveSecurityRules: group.rules.map((r) => effectiveRule(state, r.name, toAdminRule(r), scope)),
  }));
}

/**
 * Admin entries first (admin rules are evaluated first), then one entry per NSG that applies to the
 * NIC: the subnet's (association `subnet`) and the NIC's (association `networkInterface`), rules in
 * priority order. 400 unless the NIC's VM is running, as ARM requires.
 */
export function effectiveNetworkSecurityGroups(
  state: SandboxState,
  nicId: string,
): { value: Record<string, unknown>[] } {
  const { nic } = requireNicOfRunningVm(state, nicId);
  const first = ipConfigurations(nic)[0];
  const endpoint = first ? endpointOf(state, nic, first) : undefined;
  const scope: TagScope = endpoint
    ? scopeOf(state, endpoint)
    : { vnetAddressSpace: [], peeredAddressSpace: [], udrPrefixes: [] };
  const value = adminEntries(state, adminRulesOf(state, endpoint ? vnetIdOf(endpoint) : undefined), scope);
  const entry = (level: 'subnet' | 'networkInterface', id: string, resource: Record<string, unknown>) => {
    const nsg = truthNsgOf(state, resource);
    if (!nsg) return;
    value.push({
      networkSecurityGroup: { id: nsg.id },
      association: { [level]: { id } },
      effectiveSecurityRules: [...nsg.rules]
        .sort((a, b) => a.priority - b.priority)
        .map((r) =>
          effectiveRule(
            state,
            `${r.isDefault ? 'defaultSecurityRules' : 'securityRules'}/${r.name}`,
            r,
            scope,
          ),
        ),
    });
  };
  if (endpoint?.subnet && endpoint.subnetId) entry('subnet', endpoint.subnetId, endpoint.subnet);
  entry('networkInterface', String(nic.id), nic);
  return { value };
}
