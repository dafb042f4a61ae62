/**
 * The NIC's effective NSGs and routes (long-running POSTs), which ARM answers for regular NICs of a
 * running VM only: a scale set VM's NIC has no such operation.
 */
import type { EffectiveNetworkSecurityGroup, EffectiveNetworkSecurityRule } from '@azure/arm-network';
import type { EffectiveNsgAssociation, EffectiveRoute, EffectiveSecurityRule } from '../../model/evidence';
import { AzureCallError } from '../../errors';
import { callAzure } from '../callError';
import type { ClientsForSubscription } from '../clients';
import { parseResourceId, scaleSetVmOf, type ParsedResourceId } from '../resourceId';

/**
 * One side of an effective rule as written: Azure fills the singular field (`sourceAddressPrefix`,
 * `destinationPortRange`) and, in newer answers, the plural one too (the azure-powershell issue #4972
 * answer carries both; Microsoft's 2025-05-01 example only the singular). Both are merged; an empty
 * string is kept out, so a side Azure left empty reads as an empty list, which the cross-check treats as
 * "cannot evaluate" rather than "matches nothing".
 */
function sideOf(one: string | undefined, many: string[] | undefined): string[] {
  const all = [...(one !== undefined ? [one] : []), ...(many ?? [])].map((v) => v.trim()).filter((v) => v);
  return [...new Set(all)];
}

/**
 * Maps one `EffectiveNetworkSecurityRule` field for field (network 2025-05-01). Service tags stay as
 * written in the address lists; their platform expansion (`expandedSourceAddressPrefix`,
 * `expandedDestinationAddressPrefix`) is kept apart, since it is what the tag covers for this NIC.
 */
export function mapEffectiveRule(rule: EffectiveNetworkSecurityRule): EffectiveSecurityRule {
  const access = rule.access?.toLowerCase();
  const sourcePorts = sideOf(rule.sourcePortRange, rule.sourcePortRanges);
  const expandedSource = sideOf(undefined, rule.expandedSourceAddressPrefix);
  const expandedDestination = sideOf(undefined, rule.expandedDestinationAddressPrefix);
  return {
    name: rule.name ?? '',
    priority: rule.priority ?? 0,
    access: access === 'deny' ? 'Deny' : access === 'alwaysallow' ? 'AlwaysAllow' : 'Allow',
    direction: rule.direction?.toLowerCase() === 'outbound' ? 'Outbound' : 'Inbound',
    protocol: rule.protocol ?? 'All',
    sourceAddressPrefixes: sideOf(rule.sourceAddressPrefix, rule.sourceAddressPrefixes),
    destinationAddressPrefixes: sideOf(rule.destinationAddressPrefix, rule.destinationAddressPrefixes),
    ...(expandedSource.length > 0 ? { expandedSourceAddressPrefixes: expandedSource } : {}),
    ...(expandedDestination.length > 0 ? { expandedDestinationAddressPrefixes: expandedDestination } : {}),
    ...(sourcePorts.length > 0 ? { sourcePortRanges: sourcePorts } : {}),
    destinationPortRanges: sideOf(rule.destinationPortRange, rule.destinationPortRanges),
  };
}

/**
 * Classifies one entry of the effective-NSG answer. An entry that names a `networkSecurityGroup` holds
 * that NSG's rules, whatever else its association lists: Microsoft's example
 * (NetworkInterfaceEffectiveNSGList.json, network 2025-05-01) names `networkManager`, `subnet` and
 * `networkInterface` together on an NSG's entry. Only an entry without an NSG that names a network
 * manager carries Azure Virtual Network Manager admin rules.
 */
export function mapEffectiveGroup(group: EffectiveNetworkSecurityGroup): EffectiveNsgAssociation {
  const rules = (group.effectiveSecurityRules ?? []).map(mapEffectiveRule);
  const nsgId = group.networkSecurityGroup?.id;
  const association = group.association;
  if (!nsgId) {
    if (association?.networkManager) {
      return {
        level: 'admin',
        ...(association.networkManager.id ? { networkManagerId: association.networkManager.id } : {}),
        rules: rules.map((r) => ({ ...r, isAdminRule: true })),
      };
    }
    return { level: association?.subnet ? 'subnet' : association?.networkInterface ? 'nic' : 'nsg', rules };
  }
  const onSubnet = association?.subnet !== undefined && association.subnet !== null;
  const onNic = association?.networkInterface !== undefined && association.networkInterface !== null;
  const level = onSubnet && !onNic ? 'subnet' : onNic && !onSubnet ? 'nic' : 'nsg';
  return { nsgId, level, rules };
}

/** @throws AzureCallError `NotSupported` for a scale set VM NIC. */
function regularNic(nicId: string, what: string): ParsedResourceId {
  const parsed = parseResourceId(nicId);
  if (scaleSetVmOf(parsed)) {
    // ARM has no effective-NSG or effective-route operation for scale set VM NICs.
    throw new AzureCallError(
      `${what} is not available for scale set VM NIC ${nicId}`,
      nicId,
      undefined,
      'NotSupported',
    );
  }
  return parsed;
}

/** The NSGs in effect on a NIC (its own and its subnet's, and admin rules), rule by rule. */
export function readEffectiveNsgs(
  clientsFor: ClientsForSubscription,
  nicId: string,
): Promise<EffectiveNsgAssociation[]> {
  return callAzure('read effective NSGs of', nicId, async () => {
    const nic = regularNic(nicId, 'effective NSGs');
    const result = await clientsFor(
      nic.subscriptionId,
    ).network.networkInterfaces.beginListEffectiveNetworkSecurityGroupsAndWait(nic.resourceGroup, nic.name);
    return (result.value ?? []).map(mapEffectiveGroup);
  });
}

/** The routes in effect on a NIC. */
export function readEffectiveRoutes(
  clientsFor: ClientsForSubscription,
  nicId: string,
): Promise<EffectiveRoute[]> {
  return callAzure('read effective routes of', nicId, async () => {
    const nic = regularNic(nicId, 'effective routes');
    const result = await clientsFor(
      nic.subscriptionId,
    ).network.networkInterfaces.beginGetEffectiveRouteTableAndWait(nic.resourceGroup, nic.name);
    return (result.value ?? []).map((r): EffectiveRoute => ({
      source: r.source ?? '',
      state: r.state ?? '',
      addressPrefixes: r.addressPrefix ?? [],
      nextHopType: r.nextHopType ?? '',
      nextHopIpAddresses: r.nextHopIpAddress ?? [],
    }));
  });
}
