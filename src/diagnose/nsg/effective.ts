/**
 * Cross-checks the evaluator's verdict against the effective-NSG API answer (the platform's own view,
 * service tags expanded). Security admin rules of Azure Virtual Network Manager come first: an admin
 * `Deny` cannot be overridden by any NSG, `AlwaysAllow` skips the NSGs, an admin `Allow` hands the
 * packet on to the NSGs (AVNM "security admin rules" docs).
 *
 * Every field Azure writes is compared: protocol, source and destination ports, source and destination
 * prefixes (the platform's `expanded...AddressPrefix` when it spelled a tag out). A rule whose fields
 * cannot be evaluated (an empty side, an unknown service tag left unexpanded, a malformed range) is
 * "unknown": when an unknown rule could change the first match, the cross-check abstains instead of
 * guessing, and says which rule.
 */
import type { EffectiveNsgAssociation, EffectiveSecurityRule } from '../../model/evidence';
import { matchPortRange } from './ports';
import { matchPrefix } from './prefix';
import { protocolMatches } from './evaluate';
import type { Packet, ProbePathVerdict, TagContext } from './types';
import { tagContext } from './virtualNetworkTag';

/** The outcome of a cross-check. */
export interface EffectiveCrossCheck {
  /**
   * `agrees` / `disagrees` when the effective rules decide the packet; `abstains` when a rule the
   * cross-check cannot evaluate could change the answer.
   */
  outcome: 'agrees' | 'disagrees' | 'abstains';
  /** Whether the effective rules reach the same allow/deny as the verdict (false when abstaining). */
  agrees: boolean;
  /** What the effective rules decide; absent when abstaining. */
  effectiveAllowed?: boolean;
  /** The security admin rule that decided (Deny or AlwaysAllow), when one did. */
  adminRule?: EffectiveSecurityRule;
  /** The network manager whose security admin configuration holds {@link adminRule}, when the answer named it. */
  adminNetworkManagerId?: string;
  /** The rules that could not be evaluated and could have decided, when abstaining. */
  unevaluated?: string[];
  note?: string;
}

type Match = 'yes' | 'no' | 'unknown';

const and = (...parts: Match[]): Match =>
  parts.includes('no') ? 'no' : parts.includes('unknown') ? 'unknown' : 'yes';

function portsMatch(ranges: readonly string[] | undefined, port: number): Match {
  if (ranges === undefined || ranges.length === 0) return 'unknown';
  let unknown = false;
  for (const range of ranges) {
    const r = matchPortRange(range, port);
    if (r.matches) return 'yes';
    if (!r.valid) unknown = true;
  }
  return unknown ? 'unknown' : 'no';
}

/**
 * One side's prefixes. With an expansion, the expansion is what the platform applies (plus `*` or a
 * CIDR written beside it); without, each written prefix goes through the evaluator's matcher, and a
 * prefix it can only assume about (an unexpanded regional or service tag) makes the side unknown.
 */
function sideMatches(
  written: readonly string[],
  expanded: readonly string[] | undefined,
  ip: string,
  tags: TagContext,
): Match {
  const literal = (p: string) => p === '*' || /^[0-9a-f:.]+(\/\d+)?$/i.test(p);
  const prefixes = expanded ? [...expanded, ...written.filter(literal)] : written;
  if (prefixes.length === 0) return 'unknown';
  let unknown = false;
  for (const prefix of prefixes) {
    const m = matchPrefix(prefix, ip, tags);
    if (m.matches) return 'yes';
    if (m.warning) unknown = true;
  }
  return unknown ? 'unknown' : 'no';
}

const KNOWN_PROTOCOLS = new Set(['tcp', 'udp', 'icmp', 'esp', 'ah', 'all', '*', 'any']);

function effectiveRuleMatches(rule: EffectiveSecurityRule, packet: Packet, tags: TagContext): Match {
  if (rule.direction.toLowerCase() !== packet.direction.toLowerCase()) return 'no';
  const protocol: Match = !KNOWN_PROTOCOLS.has(rule.protocol.trim().toLowerCase())
    ? 'unknown'
    : protocolMatches(rule.protocol, packet.protocol)
      ? 'yes'
      : 'no';
  return and(
    protocol,
    portsMatch(rule.destinationPortRanges, packet.destinationPort),
    portsMatch(rule.sourcePortRanges, packet.sourcePort),
    sideMatches(rule.sourceAddressPrefixes, rule.expandedSourceAddressPrefixes, packet.sourceIp, tags),
    sideMatches(
      rule.destinationAddressPrefixes,
      rule.expandedDestinationAddressPrefixes,
      packet.destinationIp,
      tags,
    ),
  );
}

/** The first-match decision of a rule list, or which unknown rules keep it open. */
export interface ListDecision {
  /** The rule that decided, when the list decides; undefined with `open` empty means no rule matched. */
  rule?: EffectiveSecurityRule;
  /** Unknown rules above the deciding rule whose access differs from it: the answer is open. */
  open: EffectiveSecurityRule[];
}

/**
 * The first rule (by priority) that matches `packet`, as the platform applies a rule list; a rule with
 * a field that cannot be evaluated keeps the answer `open` when it could change it.
 */
export function firstMatch(
  rules: readonly EffectiveSecurityRule[],
  packet: Packet,
  tags: TagContext,
): ListDecision {
  const unknown: EffectiveSecurityRule[] = [];
  for (const rule of [...rules].sort((a, b) => a.priority - b.priority)) {
    const m = effectiveRuleMatches(rule, packet, tags);
    if (m === 'unknown') unknown.push(rule);
    if (m === 'yes') {
      // An unknown rule above with the same access cannot change the outcome.
      return { rule, open: unknown.filter((u) => u.access !== rule.access) };
    }
  }
  return { open: unknown };
}

/** The Azure Virtual Network Manager security admin rules in an effective-NSG answer. */
export function adminRulesOf(effective: readonly EffectiveNsgAssociation[]): EffectiveSecurityRule[] {
  return effective.flatMap((a) => (a.level === 'admin' ? a.rules : a.rules.filter((r) => r.isAdminRule)));
}

/**
 * Evaluates the effective rules for the verdict's packet with the same semantics as the evaluator
 * and says whether both agree, or abstains. `tags` is only needed for prefixes the API left
 * unexpanded; without it `VirtualNetwork` still covers the host's virtual IPs, as it always does.
 */
export function crossCheckEffective(
  verdict: ProbePathVerdict,
  effective: EffectiveNsgAssociation[],
  tags: TagContext = tagContext([]),
): EffectiveCrossCheck {
  const packet = verdict.packet;
  const decided = (
    effectiveAllowed: boolean,
    extra: Omit<EffectiveCrossCheck, 'agrees' | 'effectiveAllowed' | 'outcome'> = {},
  ): EffectiveCrossCheck => {
    const agrees = effectiveAllowed === verdict.allowed;
    const check: EffectiveCrossCheck = {
      outcome: agrees ? 'agrees' : 'disagrees',
      agrees,
      effectiveAllowed,
      ...extra,
    };
    if (!agrees && check.note === undefined) {
      check.note = `the effective rules ${effectiveAllowed ? 'allow' : 'deny'} what the NSG evaluation ${verdict.allowed ? 'allows' : 'denies'}`;
    }
    return check;
  };
  const abstain = (open: EffectiveSecurityRule[], where: string): EffectiveCrossCheck => {
    const names = [...new Set(open.map((r) => `${r.name} (${r.priority})`))];
    return {
      outcome: 'abstains',
      agrees: false,
      unevaluated: names,
      note: `the effective rules cannot be evaluated for this packet: ${where} ${names.join(', ')} ${names.length === 1 ? 'has' : 'have'} a field the cross-check cannot read (an empty side, an unexpanded tag, a malformed range)`,
    };
  };

  const adminRules = adminRulesOf(effective);
  const admin = firstMatch(adminRules, packet, tags);
  if (admin.open.length > 0) return abstain(admin.open, 'security admin rules');
  const manager = admin.rule
    ? effective.find((a) => a.rules.includes(admin.rule as EffectiveSecurityRule))?.networkManagerId
    : undefined;
  if (admin.rule?.access === 'Deny') {
    return decided(false, {
      adminRule: admin.rule,
      ...(manager ? { adminNetworkManagerId: manager } : {}),
      note: `security admin rule ${admin.rule.name} denies it; no NSG rule can override an admin deny`,
    });
  }
  if (admin.rule?.access === 'AlwaysAllow') {
    return decided(true, {
      adminRule: admin.rule,
      note: `security admin rule ${admin.rule.name} always allows it; NSGs are not evaluated`,
    });
  }
  let denied: { a: EffectiveNsgAssociation; name: string } | undefined;
  const open: EffectiveSecurityRule[] = [];
  for (const a of effective.filter((x) => x.level !== 'admin')) {
    const d = firstMatch(
      a.rules.filter((r) => !r.isAdminRule),
      packet,
      tags,
    );
    open.push(...d.open);
    if (!denied && (d.rule === undefined || d.rule.access === 'Deny') && d.open.length === 0) {
      denied = { a, name: d.rule?.name ?? 'no matching rule' };
    }
  }
  if (denied) {
    const nsg = denied.a.nsgId ? ` ${denied.a.nsgId}` : '';
    return decided(false, { note: `${denied.a.level} NSG${nsg} denies it (${denied.name})` });
  }
  if (open.length > 0) return abstain(open, 'NSG rules');
  return decided(true);
}
