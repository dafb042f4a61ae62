/**
 * Azure Virtual Network Manager security admin rules: which apply to an endpoint, and which one
 * decides a packet. Admin rules sit in front of every NSG (concept-security-admins.md,
 * MicrosoftDocs/azure-docs, "Evaluation of security admin rules and network security groups"):
 * `Deny` stops the traffic "without being delivered to the destination", `AlwaysAllow` "goes directly
 * to the resource and terminates further evaluation by NSG rules", `Allow` is followed by the NSGs.
 *
 * The health probe from 168.63.129.16 is not exempt. NSGs let it in through the default rule
 * AllowAzureLoadBalancerInBound (65001), but admin rules have no default rules and are evaluated first,
 * so an admin `Deny` whose source covers 168.63.129.16 (`*`, or the `AzureLoadBalancer` tag) on the
 * probe port fails the probe and no NSG rule can let it back in. The AVNM docs list the services whose
 * network intent policies make admin rules skip a VNet or subnet (SQL Managed Instance, Databricks,
 * Application Gateway, Bastion, ...): Azure Load Balancer is not among them. An admin rule that names
 * `Internet` alone does not match the probe, since `Internet` does not hold 168.63.129.16 (see
 * src/diagnose/nsg/prefix.ts). To keep probes working, an admin configuration needs an `AlwaysAllow`
 * (or `Allow`) from `AzureLoadBalancer` at a lower priority number than its deny.
 */
import { matchPortRange } from '../../diagnose/nsg/ports';
import { matchPrefix } from '../../diagnose/nsg/prefix';
import { protocolMatches } from '../../diagnose/nsg/evaluate';
import type { Packet, TagContext } from '../../diagnose/nsg/types';
import { idKey } from '../../model/ids';
import type { SecurityAdminRule } from '../scenario';
import type { SandboxState } from '../state';
import { str, type Endpoint } from './arm';

/** The VNet of an endpoint: the resolved VNet's id, else the subnet id without `/subnets/{name}`. */
export function vnetIdOf(endpoint: Pick<Endpoint, 'vnet' | 'subnetId'>): string | undefined {
  return str(endpoint.vnet?.id) ?? endpoint.subnetId?.replace(/\/subnets\/[^/]+$/i, '');
}

/** Admin rules deployed to a VNet, lowest priority number first. */
export function adminRulesForVnet(state: SandboxState, vnetId: string | undefined): SecurityAdminRule[] {
  if (!vnetId) return [];
  const key = idKey(vnetId);
  return (state.scenario.securityAdminRules ?? [])
    .filter((r) => r.appliesTo.some((id) => idKey(id) === key))
    .sort((a, b) => a.priority - b.priority);
}

function anyPrefix(prefixes: readonly string[], ip: string, tags: TagContext): boolean {
  return prefixes.some((p) => matchPrefix(p, ip, tags).matches);
}

function anyPort(ranges: readonly string[], port: number): boolean {
  return ranges.some((r) => matchPortRange(r, port).matches);
}

/** Whether one admin rule matches the packet (direction, protocol, ports, both addresses). */
export function adminRuleMatches(rule: SecurityAdminRule, packet: Packet, tags: TagContext): boolean {
  return (
    rule.direction === packet.direction &&
    protocolMatches(rule.protocol, packet.protocol) &&
    anyPort(rule.destinationPortRanges, packet.destinationPort) &&
    anyPort(rule.sourcePortRanges, packet.sourcePort) &&
    anyPrefix(rule.sourceAddressPrefixes, packet.sourceIp, tags) &&
    anyPrefix(rule.destinationAddressPrefixes, packet.destinationIp, tags)
  );
}

/**
 * The admin rule that decides `packet` in the VNet `vnetId`: the matching rule with the lowest
 * priority number, or undefined when none matches (the NSGs decide alone).
 */
export function adminDecision(
  state: SandboxState,
  vnetId: string | undefined,
  packet: Packet,
  tags: TagContext,
): SecurityAdminRule | undefined {
  return adminRulesForVnet(state, vnetId).find((r) => adminRuleMatches(r, packet, tags));
}
