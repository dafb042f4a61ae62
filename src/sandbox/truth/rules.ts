/**
 * Security rules as the reference model reads them: straight from the raw ARM JSON
 * (`Microsoft.Network/networkSecurityGroups/securityRules`, network 2025-05-01), and matched against
 * one packet with the NSG overview's semantics (MicrosoftDocs/azure-docs,
 * articles/virtual-network/network-security-groups-overview.md, "Security rules"):
 *
 * - Each side names exactly one of an address prefix, a list of prefixes, or application security
 *   groups (ARM rejects a rule that mixes them: see validation.ts). A list matches when any entry does.
 * - Application security groups: a rule naming ASGs matches the IP configurations that are members of
 *   any of them (application-security-groups.md: the NICs in the group); an ASG with no member matches
 *   nothing.
 * - Protocol `*` matches every protocol; `Tcp`, `Udp`, `Icmp`, `Esp`, `Ah` match only themselves.
 * - Ports: `*`, a port, or a range `low-high`; a list matches when any entry does.
 * - Default rules: every NSG has the six default rules (priorities 65000, 65001, 65500 each way) whether
 *   or not an export lists them.
 */
import { idKey } from '../../model/ids';
import { prefixCovers, type TagScope } from './serviceTags';

/** A raw ARM object. */
type Raw = Record<string, unknown>;

/** One side of a rule: prefixes, or ASG ids (never both, as ARM enforces). */
export interface RuleSide {
  prefixes: string[];
  asgIds: string[];
}

/** A security rule (NSG rule or security admin rule) as the reference model evaluates it. */
export interface TruthRule {
  name: string;
  id?: string;
  priority: number;
  direction: 'Inbound' | 'Outbound';
  access: 'Allow' | 'Deny' | 'AlwaysAllow';
  protocol: string;
  source: RuleSide;
  destination: RuleSide;
  sourcePorts: string[];
  destinationPorts: string[];
  isDefault: boolean;
}

/** A packet at one NSG: the IP configurations' ASGs travel with it. */
export interface TruthPacket {
  direction: 'Inbound' | 'Outbound';
  protocol: 'Tcp' | 'Udp' | 'Icmp' | 'Esp' | 'Ah';
  sourceIp: string;
  sourcePort: number;
  destinationIp: string;
  destinationPort: number;
  sourceAsgIds: string[];
  destinationAsgIds: string[];
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const texts = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const ids = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.flatMap((x) => {
        const id = x && typeof x === 'object' ? (x as Raw).id : undefined;
        return typeof id === 'string' ? [id] : [];
      })
    : [];

/** ARM's singular and plural field of one side, merged; an empty singular is "not set". */
function both(p: Raw, singular: string, plural: string): string[] {
  const one = text(p[singular]);
  return [...(one ? [one] : []), ...texts(p[plural])];
}

/** Reads one raw security rule (`{ name, id, properties }`). */
export function readRule(raw: Raw, isDefault: boolean): TruthRule {
  const p = (raw.properties && typeof raw.properties === 'object' ? raw.properties : {}) as Raw;
  const access = text(p.access)?.toLowerCase();
  const rule: TruthRule = {
    name: text(raw.name) ?? '',
    priority: Number(p.priority),
    direction: text(p.direction)?.toLowerCase() === 'outbound' ? 'Outbound' : 'Inbound',
    access: access === 'deny' ? 'Deny' : access === 'alwaysallow' ? 'AlwaysAllow' : 'Allow',
    protocol: text(p.protocol) ?? '*',
    source: {
      prefixes: both(p, 'sourceAddressPrefix', 'sourceAddressPrefixes'),
      asgIds: ids(p.sourceApplicationSecurityGroups),
    },
    destination: {
      prefixes: both(p, 'destinationAddressPrefix', 'destinationAddressPrefixes'),
      asgIds: ids(p.destinationApplicationSecurityGroups),
    },
    sourcePorts: both(p, 'sourcePortRange', 'sourcePortRanges'),
    destinationPorts: both(p, 'destinationPortRange', 'destinationPortRanges'),
    isDefault,
  };
  const id = text(raw.id);
  if (id) rule.id = id;
  return rule;
}

function defaultRule(
  name: string,
  priority: number,
  direction: TruthRule['direction'],
  access: TruthRule['access'],
  source: string,
  destination: string,
): TruthRule {
  return {
    name,
    priority,
    direction,
    access,
    protocol: '*',
    source: { prefixes: [source], asgIds: [] },
    destination: { prefixes: [destination], asgIds: [] },
    sourcePorts: ['*'],
    destinationPorts: ['*'],
    isDefault: true,
  };
}

/** The six default rules of the NSG overview ("Default security rules"). */
export const DEFAULT_RULES: readonly TruthRule[] = [
  defaultRule('AllowVnetInBound', 65000, 'Inbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'),
  defaultRule('AllowAzureLoadBalancerInBound', 65001, 'Inbound', 'Allow', 'AzureLoadBalancer', '*'),
  defaultRule('DenyAllInBound', 65500, 'Inbound', 'Deny', '*', '*'),
  defaultRule('AllowVnetOutBound', 65000, 'Outbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'),
  defaultRule('AllowInternetOutBound', 65001, 'Outbound', 'Allow', '*', 'Internet'),
  defaultRule('DenyAllOutBound', 65500, 'Outbound', 'Deny', '*', '*'),
];

/** Whether a port range (`*`, `80`, `80-90`) covers `port`. */
export function portCovers(range: string, port: number): boolean {
  const r = range.trim();
  if (r === '*') return true;
  const m = /^(\d+)(?:-(\d+))?$/.exec(r);
  if (!m) return false;
  const low = Number(m[1]);
  const high = m[2] === undefined ? low : Number(m[2]);
  return port >= low && port <= high;
}

/** The inclusive bounds of a port range, or undefined when malformed. */
export function portBounds(range: string): [number, number] | undefined {
  const r = range.trim();
  if (r === '*') return [0, 65535];
  const m = /^(\d+)(?:-(\d+))?$/.exec(r);
  if (!m) return undefined;
  return [Number(m[1]), m[2] === undefined ? Number(m[1]) : Number(m[2])];
}

function sideCovers(side: RuleSide, ip: string, asgIds: readonly string[], scope: TagScope): boolean {
  if (side.asgIds.length > 0) {
    const member = new Set(asgIds.map(idKey));
    return side.asgIds.some((id) => member.has(idKey(id)));
  }
  return side.prefixes.some((p) => prefixCovers(p, ip, scope));
}

function protocolCovers(ruleProtocol: string, packet: TruthPacket['protocol']): boolean {
  const p = ruleProtocol.trim().toLowerCase();
  return p === '*' || p === 'any' || p === packet.toLowerCase();
}

/** Whether the rule applies to the packet: direction, protocol, both ports, both ends. */
export function ruleCovers(rule: TruthRule, packet: TruthPacket, scope: TagScope): boolean {
  return (
    rule.direction === packet.direction &&
    protocolCovers(rule.protocol, packet.protocol) &&
    rule.destinationPorts.some((r) => portCovers(r, packet.destinationPort)) &&
    rule.sourcePorts.some((r) => portCovers(r, packet.sourcePort)) &&
    sideCovers(rule.source, packet.sourceIp, packet.sourceAsgIds, scope) &&
    sideCovers(rule.destination, packet.destinationIp, packet.destinationAsgIds, scope)
  );
}
