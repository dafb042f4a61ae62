/**
 * One NSG, one packet: the lowest priority number among the rules that match decides (NSG overview,
 * "Security rules"). Pure; never throws on a malformed rule: the field does not match and a warning
 * says so.
 */
import { idKey } from '../../model/ids';
import type { NsgInfo, SecurityRuleInfo } from '../../model/topology';
import { defaultSecurityRules } from './defaults';
import { matchPortRange } from './ports';
import { matchPrefix } from './prefix';
import type { NsgDecision, Packet, TagContext } from './types';

/** Whether a rule's protocol covers the packet's. `Esp` and `Ah` never match TCP, UDP or ICMP. */
export function protocolMatches(ruleProtocol: string, packetProtocol: Packet['protocol']): boolean {
  const p = ruleProtocol.trim().toLowerCase();
  return p === '*' || p === 'any' || p === 'all' || p === packetProtocol.toLowerCase();
}

function portsMatch(ranges: readonly string[], port: number, field: string, warnings: string[]): boolean {
  if (ranges.length === 0) {
    warnings.push(`${field} is empty; the rule never matches`);
    return false;
  }
  let matched = false;
  for (const range of ranges) {
    const r = matchPortRange(range, port);
    if (!r.valid) warnings.push(`malformed ${field} "${range}" never matches`);
    matched ||= r.matches;
  }
  return matched;
}

function endpointMatches(
  prefixes: readonly string[],
  asgIds: readonly string[],
  ip: string,
  packetAsgIds: readonly string[],
  tags: TagContext,
  field: string,
  warnings: string[],
): boolean {
  // A rule names either prefixes or application security groups for each end, not both.
  if (asgIds.length > 0) {
    const mine = new Set(packetAsgIds.map(idKey));
    return asgIds.some((id) => mine.has(idKey(id)));
  }
  if (prefixes.length === 0) {
    warnings.push(`${field} has neither a prefix nor an application security group; the rule never matches`);
    return false;
  }
  let matched = false;
  for (const prefix of prefixes) {
    const m = matchPrefix(prefix, ip, tags);
    if (m.warning) warnings.push(`${field}: ${m.warning}`);
    matched ||= m.matches;
  }
  return matched;
}

/**
 * Whether one rule matches the packet. Warnings are collected only for rules whose direction,
 * protocol and ports already match, so an unrelated `Storage` rule does not add noise.
 */
export function ruleMatches(
  rule: SecurityRuleInfo,
  packet: Packet,
  tags: TagContext,
  warnings: string[],
): boolean {
  if (rule.direction.toLowerCase() !== packet.direction.toLowerCase()) return false;
  if (!protocolMatches(rule.protocol, packet.protocol)) return false;
  const local: string[] = [];
  const label = `rule ${rule.name} (${rule.priority})`;
  const ok =
    portsMatch(
      rule.destinationPortRanges,
      packet.destinationPort,
      `${label} destination port range`,
      local,
    ) && portsMatch(rule.sourcePortRanges, packet.sourcePort, `${label} source port range`, local);
  // Evaluate both ends even when one fails, so a malformed prefix is reported.
  const source = ok
    ? endpointMatches(
        rule.sourceAddressPrefixes,
        rule.sourceApplicationSecurityGroupIds,
        packet.sourceIp,
        packet.sourceAsgIds,
        tags,
        `${label} source`,
        local,
      )
    : false;
  const destination = ok
    ? endpointMatches(
        rule.destinationAddressPrefixes,
        rule.destinationApplicationSecurityGroupIds,
        packet.destinationIp,
        packet.destinationAsgIds,
        tags,
        `${label} destination`,
        local,
      )
    : false;
  warnings.push(...local);
  return ok && source && destination;
}

/** The rules Azure applies: custom rules plus the default rules (synthesized when the NSG lacks them). */
export function effectiveRuleList(nsg: NsgInfo): SecurityRuleInfo[] {
  const defaults = nsg.defaultSecurityRules.length > 0 ? nsg.defaultSecurityRules : defaultSecurityRules();
  return [...nsg.securityRules, ...defaults].sort((a, b) => a.priority - b.priority);
}

/**
 * Evaluates one NSG for one packet, as Azure does: rules of the packet's direction, lowest priority
 * number first, first match decides. `level` is recorded in the decision (subnet or NIC association).
 */
export function evaluateNsg(
  nsg: NsgInfo,
  packet: Packet,
  tags: TagContext,
  level: 'subnet' | 'nic',
): NsgDecision {
  const warnings: string[] = [];
  const rule =
    effectiveRuleList(nsg).find((r) => ruleMatches(r, packet, tags, warnings)) ??
    // Only reachable when the NSG's own default rules are malformed: Azure's DenyAll still applies.
    defaultSecurityRules().find((r) => r.access === 'Deny' && r.direction === packet.direction)!;
  const decision: NsgDecision = { nsgId: nsg.id, nsgName: nsg.name, level, access: rule.access, rule };
  if (warnings.length > 0) decision.warnings = [...new Set(warnings)];
  return decision;
}
