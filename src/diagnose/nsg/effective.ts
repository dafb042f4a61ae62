/**
 * Cross-checks the evaluator's verdict against the effective-NSG API answer (the platform's own view,
 * prefixes expanded). Security admin rules of Azure Virtual Network Manager come first: an admin
 * `Deny` cannot be overridden by any NSG, `AlwaysAllow` skips the NSGs, an admin `Allow` hands the
 * packet on to the NSGs (AVNM "security admin rules" docs).
 */
import type { EffectiveNsgAssociation, EffectiveSecurityRule } from '../../model/evidence';
import { matchPortRange } from './ports';
import { matchPrefix } from './prefix';
import { protocolMatches } from './evaluate';
import type { Packet, ProbePathVerdict, TagContext } from './types';
import { tagContext } from './virtualNetworkTag';

/** The outcome of a cross-check. */
export interface EffectiveCrossCheck {
  /** Whether the effective rules reach the same allow/deny as the verdict. */
  agrees: boolean;
  effectiveAllowed: boolean;
  /** The security admin rule that decided (Deny or AlwaysAllow), when one did. */
  adminRule?: EffectiveSecurityRule;
  note?: string;
}

function matchesAny(prefixes: readonly string[], ip: string, tags: TagContext): boolean {
  // The API normally expands tags; an unexpanded `*` or tag still goes through the same matcher.
  return prefixes.some((p) => matchPrefix(p, ip, tags).matches);
}

function effectiveRuleMatches(rule: EffectiveSecurityRule, packet: Packet, tags: TagContext): boolean {
  return (
    rule.direction.toLowerCase() === packet.direction.toLowerCase() &&
    protocolMatches(rule.protocol, packet.protocol) &&
    rule.destinationPortRanges.some((r) => matchPortRange(r, packet.destinationPort).matches) &&
    matchesAny(rule.sourceAddressPrefixes, packet.sourceIp, tags) &&
    matchesAny(rule.destinationAddressPrefixes, packet.destinationIp, tags)
  );
}

function firstMatch(
  rules: readonly EffectiveSecurityRule[],
  packet: Packet,
  tags: TagContext,
): EffectiveSecurityRule | undefined {
  return [...rules]
    .sort((a, b) => a.priority - b.priority)
    .find((r) => effectiveRuleMatches(r, packet, tags));
}

/**
 * Evaluates the effective rules for the verdict's packet with the same semantics as the evaluator
 * and says whether both agree. Effective rules carry no source port ranges in the model, so source
 * ports are not compared. `tags` is only needed for prefixes the API left unexpanded; without it
 * `VirtualNetwork` still covers the host's virtual IPs, as it always does.
 */
export function crossCheckEffective(
  verdict: ProbePathVerdict,
  effective: EffectiveNsgAssociation[],
  tags: TagContext = tagContext([]),
): EffectiveCrossCheck {
  const packet = verdict.packet;
  const adminRules = effective.flatMap((a) =>
    a.level === 'admin' ? a.rules : a.rules.filter((r) => r.isAdminRule),
  );
  const admin = firstMatch(adminRules, packet, tags);
  const result = (
    effectiveAllowed: boolean,
    extra: Omit<EffectiveCrossCheck, 'agrees' | 'effectiveAllowed'> = {},
  ): EffectiveCrossCheck => {
    const check: EffectiveCrossCheck = {
      agrees: effectiveAllowed === verdict.allowed,
      effectiveAllowed,
      ...extra,
    };
    if (!check.agrees && check.note === undefined) {
      check.note = `the effective rules ${effectiveAllowed ? 'allow' : 'deny'} what the NSG evaluation ${verdict.allowed ? 'allows' : 'denies'}`;
    }
    return check;
  };
  if (admin?.access === 'Deny') {
    return result(false, {
      adminRule: admin,
      note: `security admin rule ${admin.name} denies it; no NSG rule can override an admin deny`,
    });
  }
  if (admin?.access === 'AlwaysAllow') {
    return result(true, {
      adminRule: admin,
      note: `security admin rule ${admin.name} always allows it; NSGs are not evaluated`,
    });
  }
  const levels = effective.filter((a) => a.level !== 'admin');
  const denied = levels
    .map((a) => ({
      a,
      rule: firstMatch(
        a.rules.filter((r) => !r.isAdminRule),
        packet,
        tags,
      ),
    }))
    .find(({ rule }) => rule === undefined || rule.access === 'Deny');
  if (denied) {
    const name = denied.rule?.name ?? 'no matching rule';
    const nsg = denied.a.nsgId ? ` ${denied.a.nsgId}` : '';
    return result(false, { note: `${denied.a.level} NSG${nsg} denies it (${name})` });
  }
  return result(true);
}
