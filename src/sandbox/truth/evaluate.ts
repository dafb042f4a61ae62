/**
 * The reference model's decision for one packet: security admin rules first, then every NSG the
 * packet crosses, each NSG first match by priority. Sources (MicrosoftDocs/azure-docs):
 *
 * - network-security-groups-overview.md / network-security-group-how-it-works.md: inbound traffic is
 *   evaluated by the subnet's NSG, then the NIC's; outbound by the NIC's, then the subnet's; traffic
 *   passes only when every NSG on the way allows it. Within an NSG, rules are processed in priority
 *   order, lower numbers first, and processing stops at the first match.
 * - virtual-network-manager/concept-security-admins.md: security admin rules are evaluated before NSG
 *   rules; `Deny` stops the traffic, `AlwaysAllow` delivers it without NSG evaluation, `Allow` hands it
 *   on to the NSGs. Admin rules have no default rules: when none matches, the NSGs decide.
 *
 * Simple rather than fast: rules are re-sorted and re-matched for every packet.
 */
import { DEFAULT_RULES, readRule, ruleCovers, type TruthPacket, type TruthRule } from './rules';
import type { TagScope } from './serviceTags';

type Raw = Record<string, unknown>;

/** An NSG as the model evaluates it: its custom rules and its default rules. */
export interface TruthNsg {
  id: string;
  name: string;
  rules: TruthRule[];
}

/** A security admin rule and the network manager that deploys it. */
export type TruthAdminRule = TruthRule & { networkManagerId: string };

/** One NSG on a packet's way. */
export interface NsgCrossing {
  nsg: TruthNsg;
  level: 'subnet' | 'nic';
}

/** The rule that decided at one NSG. */
export interface NsgOutcome {
  nsgId: string;
  nsgName: string;
  level: 'subnet' | 'nic';
  rule: TruthRule;
  allowed: boolean;
}

/** The model's answer for one packet. */
export interface TruthVerdict {
  allowed: boolean;
  /** The admin rule that matched first, whatever its access. */
  admin?: TruthAdminRule;
  /** One outcome per NSG crossed, in crossing order; empty when an admin Deny or AlwaysAllow decided. */
  nsgs: NsgOutcome[];
  /** The first NSG outcome that denies, when an NSG denied. */
  blockedBy?: NsgOutcome;
}

/** Reads a raw NSG; the default rules are Azure's six whether or not the export lists them. */
export function readNsg(raw: Raw): TruthNsg {
  const p = (raw.properties && typeof raw.properties === 'object' ? raw.properties : {}) as Raw;
  const list = (v: unknown): Raw[] => (Array.isArray(v) ? (v as Raw[]) : []);
  const custom = list(p.securityRules).map((r) => readRule(r, false));
  const listed = list(p.defaultSecurityRules).map((r) => readRule(r, true));
  return {
    id: typeof raw.id === 'string' ? raw.id : '',
    name: typeof raw.name === 'string' ? raw.name : '',
    rules: [...custom, ...(listed.length > 0 ? listed : DEFAULT_RULES)],
  };
}

/**
 * Rule lists in priority order, for lists that cannot change (frozen): an NSG read once per state
 * version is crossed by every backend's probe, and sorting it again for each packet gives the same order.
 */
const sortedFrozen = new WeakMap<readonly TruthRule[], readonly TruthRule[]>();

function byPriority<R extends TruthRule>(rules: readonly R[]): readonly R[] {
  if (!Object.isFrozen(rules)) return [...rules].sort((a, b) => a.priority - b.priority);
  let sorted = sortedFrozen.get(rules) as readonly R[] | undefined;
  if (!sorted) {
    sorted = Object.freeze([...rules].sort((a, b) => a.priority - b.priority));
    sortedFrozen.set(rules, sorted);
  }
  return sorted;
}

/** The rule of `rules` that decides `packet`: the lowest priority number among those that cover it. */
export function firstCovering<R extends TruthRule>(
  rules: readonly R[],
  packet: TruthPacket,
  scope: TagScope,
): R | undefined {
  return byPriority(rules).find((r) => ruleCovers(r, packet, scope));
}

function crossNsg(crossing: NsgCrossing, packet: TruthPacket, scope: TagScope): NsgOutcome {
  // Azure's own DenyAll applies when nothing else matches (only reachable with malformed defaults).
  const rule =
    firstCovering(crossing.nsg.rules, packet, scope) ??
    DEFAULT_RULES.find((r) => r.access === 'Deny' && r.direction === packet.direction)!;
  return {
    nsgId: crossing.nsg.id,
    nsgName: crossing.nsg.name,
    level: crossing.level,
    rule,
    allowed: rule.access !== 'Deny',
  };
}

/**
 * Decides one packet: the admin rules of the VNet the packet meets, then the NSGs in crossing order
 * (all evaluated, so both levels can be reported even when the first denies).
 */
export function decidePacket(
  packet: TruthPacket,
  adminRules: readonly TruthAdminRule[],
  crossings: readonly NsgCrossing[],
  scope: TagScope,
): TruthVerdict {
  const admin = firstCovering(adminRules, packet, scope);
  if (admin?.access === 'Deny') return { allowed: false, admin, nsgs: [] };
  if (admin?.access === 'AlwaysAllow') return { allowed: true, admin, nsgs: [] };
  const nsgs = crossings.map((c) => crossNsg(c, packet, scope));
  const blockedBy = nsgs.find((n) => !n.allowed);
  return {
    allowed: blockedBy === undefined,
    ...(admin ? { admin } : {}),
    nsgs,
    ...(blockedBy ? { blockedBy } : {}),
  };
}
