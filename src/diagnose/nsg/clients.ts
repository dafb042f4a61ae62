/**
 * Whether any client can reach a backend's port through the NSGs on its path. It tells a probe blocked
 * by an NSG that lets clients in (open the probe and the backend serves again) from a backend the
 * NSGs shut off from every client, a lockdown or quarantine: open the probe alone there and the load
 * balancer puts the backend back in rotation, sending it client connections its NSG drops (Azure Load
 * Balancer sends new flows only to backends whose probe is up, "Load Balancer health probes",
 * learn.microsoft.com/azure/load-balancer/load-balancer-custom-probe-overview).
 *
 * The question is whether the set of (source address, source port) pairs both NSG levels allow, on the
 * port over TCP, is empty. Each rule covers a rectangle of addresses and source ports, and within one
 * NSG the first matching rule decides, so the allowed set is made of cells of the grid drawn by the
 * rules' own edges: if it is not empty, it holds a cell's corner, an address at or just past a range's
 * end paired with a port at or just past a port range's end. Those pairs are the candidates (every
 * rule on the path that applies to the flow, allow and deny alike, at both levels; the
 * `VirtualNetwork` prefixes; the edges of the private and reserved blocks `Internet` leaves out; client
 * source ports 1024-65535), each evaluated through the real evaluator. Addresses no client has
 * (0.0.0.0/8, loopback, multicast, reserved blocks, 168.63.129.16 itself: the probe) are not
 * candidates. Private sources count behind a public frontend too: a backend that serves only its
 * virtual network is not called shut off.
 *
 * Before any candidate, each level is looked at alone. An allow below a deny of every source and port
 * in the same NSG can let nothing in (it is dead); a level with no live allow for a client admits
 * nobody, and that alone settles `denied`, whatever the other level says. Otherwise a live allow
 * whose source no address stands for (an application security group, an Azure service tag) makes the
 * answer `unknown`, never `denied`: probe-doctor claims a lockdown only when it has tried every source
 * the rules can let in.
 */
import ipaddr from 'ipaddr.js';
import type { BackendInfo, SecurityRuleInfo, Topology } from '../../model/topology';
import { AZURE_LOAD_BALANCER_IP } from './defaults';
import { effectiveRuleList, ruleMatches } from './evaluate';
import { clientPacket, evaluateInboundFrom, inboundPathOf, type PathStep } from './path';
import { parsePortRange, rangeEdges } from './ports';
import type { Packet } from './types';
import { parsePrefix } from './prefix';
import { HOST_VIRTUAL_IP_PREFIXES } from './virtualNetworkTag';

/** An address on the public internet, standing for a client there when no rule says more. Never contacted. */
export const INTERNET_CLIENT = '1.2.3.4';

/** The source ports a client may use: ephemeral ranges (Linux 32768-60999, Windows 49152-65535) and SNAT's. */
const CLIENT_PORTS: readonly [number, number] = [1024, 65535];

/** More candidate pairs than this (NSGs of hundreds of prefixes and ports) and the answer is `unknown`. */
const MAX_CANDIDATES = 5_000;

/** Blocks that are no client's address (ipaddr.js ranges other than unicast, private, CGNAT): their edges are candidates. */
const NOT_CLIENT = [
  '0.0.0.0/8',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.31.196.0/24',
  '192.52.193.0/24',
  '192.88.99.0/24',
  '192.175.48.0/24',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/3',
];

/** Blocks `Internet` leaves out besides those (it is public unicast only): their edges are candidates too. */
const PRIVATE = ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16'];

/** Whether a client could have `address` as its source (not the probe's, not a reserved block). */
function isClientAddress(address: ipaddr.IPv4): boolean {
  const range = address.range();
  if (address.toString() === AZURE_LOAD_BALANCER_IP) return false;
  return range === 'unicast' || range === 'private' || range === 'carrierGradeNat';
}

/** A rule that denied client addresses. */
export interface ClientDenier {
  nsgName: string;
  ruleName: string;
  priority: number;
}

/** Whether clients reach a backend's port through its NSGs. */
export type ClientReach =
  | { kind: 'reachable'; address: string; sourcePort: number }
  | { kind: 'unknown'; why: string }
  | {
      kind: 'denied';
      port: number;
      /**
       * The rules that deny them: the one that ends every allow at a level that admits no client, or
       * else each rule that denied a candidate, in the order first met.
       */
      deniedBy: ClientDenier[];
      /** How many (address, source port) pairs were tried; 0 when a level admits no client at all. */
      triedCount: number;
    };

const toNumber = (address: ipaddr.IPv4): number => address.octets.reduce((n, octet) => n * 256 + octet, 0);
const fromNumber = (n: number): ipaddr.IPv4 =>
  new ipaddr.IPv4([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

/** The IPv4 range of a prefix (IPv6 and what does not parse: none). */
function rangeOf(prefix: string): [number, number] | undefined {
  const parsed = parsePrefix(prefix);
  if (!parsed || parsed[0].kind() !== 'ipv4') return undefined;
  const cidr = `${parsed[0].toString()}/${parsed[1]}`;
  return [
    toNumber(ipaddr.IPv4.networkAddressFromCIDR(cidr)),
    toNumber(ipaddr.IPv4.broadcastAddressFromCIDR(cidr)),
  ];
}

/** The edges every evaluation tries: the sample internet address and the blocks above, worked out once. */
const FIXED_EDGES: readonly number[] = (() => {
  const edges = [toNumber(ipaddr.IPv4.parse(INTERNET_CLIENT))];
  for (const block of [...NOT_CLIENT, ...PRIVATE])
    edges.push(...rangeEdges(rangeOf(block)!, [0, 0xffffffff]));
  return edges;
})();

/**
 * IPv4 ranges of a rule's source prefixes, whether one is a client's at all (not only the probe's
 * `AzureLoadBalancer`), and the first prefix no range stands for (an Azure service tag), if any: its
 * other prefixes' ranges are still given (a deny's edges count whatever else it names).
 */
function sourceRanges(
  rule: SecurityRuleInfo,
  step: PathStep,
): { ranges: [number, number][]; clients: boolean; tag?: string } {
  const ranges: [number, number][] = [];
  let clients = false;
  let tag: string | undefined;
  for (const source of rule.sourceAddressPrefixes) {
    const value = source.trim();
    const lower = value.toLowerCase();
    if (
      lower === 'azureloadbalancer' ||
      value === AZURE_LOAD_BALANCER_IP ||
      value === `${AZURE_LOAD_BALANCER_IP}/32`
    ) {
      continue;
    }
    clients = true;
    if (value === '*' || lower === 'any' || lower === 'internet') ranges.push([0, 0xffffffff]);
    else if (lower === 'virtualnetwork') {
      for (const p of step.tags.virtualNetworkPrefixes) {
        const range = HOST_VIRTUAL_IP_PREFIXES.includes(p) ? undefined : rangeOf(p);
        if (range) ranges.push(range);
      }
    } else {
      const range = rangeOf(value);
      if (range) ranges.push(range);
      // A malformed prefix never matches (the evaluator says so); a service tag is not modelled.
      else if (/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)?$/.test(value)) tag ??= value;
    }
  }
  return tag === undefined ? { ranges, clients } : { ranges, clients, tag };
}

/** A rule's source-port ranges; a malformed one never matches (ports.ts) and is left out. */
const portRanges = (rule: SecurityRuleInfo): [number, number][] =>
  rule.sourcePortRanges.flatMap((range) => {
    const parsed = parsePortRange(range);
    return parsed ? [parsed] : [];
  });

/** Every IPv4 address, as numbers. */
const ADDRESSES: readonly [number, number] = [0, 0xffffffff];

/** The rule with every source and source port: whether it applies to the flow apart from who sends it. */
const appliesToFlow = (rule: SecurityRuleInfo, step: PathStep, flow: Packet): boolean =>
  rule.direction === 'Inbound' &&
  ruleMatches(
    { ...rule, sourceAddressPrefixes: ['*'], sourceApplicationSecurityGroupIds: [], sourcePortRanges: ['*'] },
    flow,
    step.tags,
    [],
  );

/** Whether a rule denies every source and every client source port (nothing below it can let a client in). */
const deniesEveryClient = (rule: SecurityRuleInfo): boolean =>
  rule.access === 'Deny' &&
  rule.sourceApplicationSecurityGroupIds.length === 0 &&
  rule.sourceAddressPrefixes.some((p) => ['*', 'any', '0.0.0.0/0'].includes(p.trim().toLowerCase())) &&
  portRanges(rule).some(([low, high]) => low <= CLIENT_PORTS[0] && high >= CLIENT_PORTS[1]);

/** What one NSG level says on its own: the candidates' edges, and whether it admits any client. */
interface LevelView {
  /** No live allow admits a client here: this rule (or the end of the list) ends them. */
  admitsNobody?: ClientDenier;
  /** A live allow whose sources no address stands for. */
  unknown?: string;
}

/**
 * One level's view; `addresses` and `ports` collect the edges, `likely` the ends of the live allows'
 * own ranges (tried first: in the usual case the first one gets in and the answer costs one evaluation).
 */
function viewLevel(
  step: PathStep,
  flow: Packet,
  addresses: Set<number>,
  ports: Set<number>,
  likely: number[],
): LevelView {
  let liveAllows = 0;
  let unknown: string | undefined;
  for (const rule of effectiveRuleList(step.nsg)) {
    if (!appliesToFlow(rule, step, flow)) continue;
    for (const range of portRanges(rule)) for (const p of rangeEdges(range, CLIENT_PORTS)) ports.add(p);
    const sources = sourceRanges(rule, step);
    if (rule.access === 'Allow') {
      if (rule.sourceApplicationSecurityGroupIds.length > 0) {
        liveAllows += 1;
        unknown ??= `rule ${rule.name} in ${step.nsg.name} lets in an application security group's members`;
      } else if (sources.tag !== undefined) {
        liveAllows += 1;
        unknown ??= `rule ${rule.name} in ${step.nsg.name} lets in a service tag (${sources.tag})`;
      } else if (sources.clients) {
        liveAllows += 1;
        for (const [low, high] of sources.ranges) likely.push(low, high);
      }
    }
    for (const range of sources.ranges) for (const n of rangeEdges(range, ADDRESSES)) addresses.add(n);
    if (deniesEveryClient(rule)) {
      if (liveAllows === 0)
        return { admitsNobody: { nsgName: step.nsg.name, ruleName: rule.name, priority: rule.priority } };
      break;
    }
  }
  if (liveAllows === 0) {
    // The default DenyAllInBound ends every list; a list without it still denies the rest.
    return { admitsNobody: { nsgName: step.nsg.name, ruleName: 'DenyAllInBound', priority: 65500 } };
  }
  return unknown ? { unknown } : {};
}

/**
 * Whether any client reaches `backend` on TCP `port` through its subnet and NIC NSGs (see the module's
 * comment for how).
 */
export function clientReach(topology: Topology, backend: BackendInfo, port: number): ClientReach {
  if (!backend.ipAddress || !parsePrefix(backend.ipAddress)) {
    return { kind: 'unknown', why: "the backend's address is not known" };
  }
  const steps = inboundPathOf(topology, backend);
  if (steps.length === 0) return { kind: 'reachable', address: INTERNET_CLIENT, sourcePort: CLIENT_PORTS[0] };
  const flow = clientPacket(topology, INTERNET_CLIENT, backend, port, 49152);
  const addresses = new Set<number>(FIXED_EDGES);
  // `Internet` stops where `VirtualNetwork` starts (its prefixes, the subnet's UDR prefixes): those
  // edges are candidates whether or not a rule names `VirtualNetwork`.
  for (const step of steps) {
    for (const prefix of step.tags.virtualNetworkPrefixes) {
      const range = rangeOf(prefix);
      for (const n of range ? rangeEdges(range, ADDRESSES) : []) addresses.add(n);
    }
  }
  const ports = new Set<number>([CLIENT_PORTS[0], 32768, 49152, CLIENT_PORTS[1]]);
  const likely: number[] = [];
  const views = steps.map((step) => viewLevel(step, flow, addresses, ports, likely));
  const shut = views.find((v) => v.admitsNobody)?.admitsNobody;
  if (shut) return { kind: 'denied', port, deniedBy: [shut], triedCount: 0 };
  const unknown = views.find((v) => v.unknown)?.unknown;
  if (unknown) return { kind: 'unknown', why: unknown };

  const edges = [...new Set([...likely, ...addresses])];
  // Windows' and Linux's first ephemeral ports first, then every other edge.
  const sourcePorts = [...new Set([49152, 32768, ...[...ports].sort((a, b) => a - b)])];
  const most = edges.length * sourcePorts.length;
  if (most > MAX_CANDIDATES) return { kind: 'unknown', why: `the NSGs draw ${most} address and port edges` };
  // Converted and vetted one at a time: the usual answer is the first likely address (ipaddr's
  // range() for a hundred edges would cost more than the evaluation it saves).
  const deniedBy = new Map<string, ClientDenier>();
  let tried = 0;
  for (const edge of edges) {
    const candidate = fromNumber(edge);
    if (!isClientAddress(candidate)) continue;
    const address = candidate.toString();
    for (const sourcePort of sourcePorts) {
      tried += 1;
      const verdict = evaluateInboundFrom(topology, address, backend, port, sourcePort);
      if (verdict.allowed) return { kind: 'reachable', address, sourcePort };
      const blocker = verdict.blockedBy;
      if (blocker) {
        const by = { nsgName: blocker.nsgName, ruleName: blocker.rule.name, priority: blocker.rule.priority };
        deniedBy.set(`${by.nsgName}/${by.ruleName}`, by);
      }
    }
  }
  return { kind: 'denied', port, deniedBy: [...deniedBy.values()], triedCount: tried };
}
