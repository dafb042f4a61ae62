/**
 * Whether any client can reach a backend's port through the NSGs on its path. It tells a probe blocked
 * by an NSG that lets clients in (open the probe and the backend serves again) from a backend the
 * NSGs shut off from every client, a lockdown or quarantine: open the probe alone there and the load
 * balancer puts the backend back in rotation, sending it client connections its NSG drops (Azure Load
 * Balancer sends new flows only to backends whose probe is up, "Load Balancer health probes",
 * learn.microsoft.com/azure/load-balancer/load-balancer-custom-probe-overview).
 *
 * The question is whether the set of source addresses both NSGs allow (on the port, over TCP) is
 * empty. Each rule's sources are ranges of addresses, and within one NSG the first matching rule
 * decides, so the allowed set is a union of ranges whose ends are ends of the rules' own ranges: if it
 * is not empty, it holds an address at such an end or just past one. Those addresses are the
 * candidates (every rule on the path that applies to the flow, allow and deny alike, at both levels;
 * the `VirtualNetwork` prefixes and, for `Internet`, the edges of the private and reserved blocks it
 * leaves out), each evaluated through the real evaluator. Addresses no client has (0.0.0.0/8,
 * loopback, multicast, 168.63.129.16 itself: the probe) are not candidates. Private sources count
 * behind a public frontend too: a backend that serves only its virtual network is not shut off.
 *
 * A live allow whose source no address stands for (an application security group, an Azure service
 * tag) makes the answer `unknown`, never `denied`: probe-doctor claims a lockdown only when it has
 * tried every source the rules can let in. An allow below a deny of every source in the same NSG
 * can let nothing in and is left out.
 */
import ipaddr from 'ipaddr.js';
import type { BackendInfo, SecurityRuleInfo, Topology } from '../../model/topology';
import { AZURE_LOAD_BALANCER_IP } from './defaults';
import { effectiveRuleList, ruleMatches } from './evaluate';
import { evaluateInboundFrom, inboundPathOf, type PathStep } from './path';
import { parsePrefix } from './prefix';
import { HOST_VIRTUAL_IP_PREFIXES } from './virtualNetworkTag';

/** An address on the public internet, standing for a client there when no rule says more. Never contacted. */
export const INTERNET_CLIENT = '1.2.3.4';

/** More candidate addresses than this (NSGs of hundreds of prefixes) and the answer is `unknown`. */
const MAX_CANDIDATES = 4096;

/**
 * Client source ports tried: Linux's default ephemeral range starts at 32768, Windows' and the IANA
 * dynamic range at 49152. A flow gets in when either does.
 */
const CLIENT_SOURCE_PORTS = [32768, 49152] as const;

/** The blocks `Internet` leaves out (ipaddr.js ranges other than `unicast`): their edges are candidates. */
const NOT_INTERNET = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/3',
];

/** Whether a client could have `address` as its source (not the probe's, not a reserved block). */
function isClientAddress(address: ipaddr.IPv4): boolean {
  const range = address.range();
  if (address.toString() === AZURE_LOAD_BALANCER_IP) return false;
  return range === 'unicast' || range === 'private' || range === 'carrierGradeNat';
}

/** A flow's evaluation of an address, and the rule that denied it. */
export interface ClientTried {
  address: string;
  deniedBy: { nsgName: string; ruleName: string; priority: number };
}

/** Whether clients reach a backend's port through its NSGs. */
export type ClientReach =
  | { kind: 'reachable'; address: string }
  | { kind: 'unknown'; why: string }
  | {
      kind: 'denied';
      port: number;
      /** How many client addresses were tried; every one was denied. */
      triedCount: number;
      /** The rules that denied them, each once, in the order first met. */
      deniedBy: ClientTried['deniedBy'][];
      /** A few of the addresses tried, to show. */
      examples: ClientTried[];
    };

/** IPv4 ranges of a rule's source prefixes; `undefined` for one no range stands for (a service tag). */
function sourceRanges(rule: SecurityRuleInfo, step: PathStep): [number, number][] | undefined {
  const ranges: [number, number][] = [];
  const add = (prefix: string): boolean => {
    const parsed = parsePrefix(prefix);
    if (!parsed) return false;
    if (parsed[0].kind() !== 'ipv4') return true;
    const cidr = `${parsed[0].toString()}/${parsed[1]}`;
    ranges.push([
      toNumber(ipaddr.IPv4.networkAddressFromCIDR(cidr)),
      toNumber(ipaddr.IPv4.broadcastAddressFromCIDR(cidr)),
    ]);
    return true;
  };
  for (const source of rule.sourceAddressPrefixes) {
    const value = source.trim();
    const lower = value.toLowerCase();
    if (value === '*' || lower === 'any') ranges.push([0, 0xffffffff]);
    else if (lower === 'azureloadbalancer') continue;
    else if (lower === 'virtualnetwork') {
      for (const p of step.tags.virtualNetworkPrefixes) if (!HOST_VIRTUAL_IP_PREFIXES.includes(p)) add(p);
    } else if (lower === 'internet') {
      ranges.push([0, 0xffffffff]);
      for (const p of [...NOT_INTERNET, ...step.tags.virtualNetworkPrefixes]) add(p);
    } else if (!add(value)) {
      // A malformed prefix never matches (the evaluator says so); a service tag is not modelled.
      if (/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)?$/.test(value)) return undefined;
    }
  }
  return ranges;
}

const toNumber = (address: ipaddr.IPv4): number => address.octets.reduce((n, octet) => n * 256 + octet, 0);
const fromNumber = (n: number): ipaddr.IPv4 =>
  new ipaddr.IPv4([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

/** The rule with every source: whether it applies to the flow apart from who sends it. */
const appliesToFlow = (rule: SecurityRuleInfo, step: PathStep, probe: Parameters<typeof ruleMatches>[1]) =>
  ruleMatches(
    { ...rule, sourceAddressPrefixes: ['*'], sourceApplicationSecurityGroupIds: [] },
    probe,
    step.tags,
    [],
  );

/** Whether a rule denies every source (and so ends what the NSG can let in below it). */
const deniesEverySource = (rule: SecurityRuleInfo): boolean =>
  rule.access === 'Deny' &&
  rule.sourceApplicationSecurityGroupIds.length === 0 &&
  rule.sourceAddressPrefixes.some((p) => ['*', 'any', '0.0.0.0/0'].includes(p.trim().toLowerCase()));

/**
 * Whether any client reaches `backend` on TCP `port` through its subnet and NIC NSGs (see the module's
 * comment for how the candidates are chosen).
 */
export function clientReach(topology: Topology, backend: BackendInfo, port: number): ClientReach {
  const steps = inboundPathOf(topology, backend);
  if (steps.length === 0) return { kind: 'reachable', address: INTERNET_CLIENT };
  const flow = evaluateInboundFrom(topology, INTERNET_CLIENT, backend, port).packet;
  const points = new Set<number>([toNumber(ipaddr.IPv4.parse(INTERNET_CLIENT))]);
  for (const step of steps) {
    for (const rule of effectiveRuleList(step.nsg)) {
      if (rule.direction !== 'Inbound' || !appliesToFlow(rule, step, flow)) continue;
      const live = rule.access === 'Allow';
      if (live && rule.sourceApplicationSecurityGroupIds.length > 0) {
        return { kind: 'unknown', why: `rule ${rule.name} lets in an application security group's members` };
      }
      const ranges = sourceRanges(rule, step);
      if (ranges === undefined) {
        if (live)
          return {
            kind: 'unknown',
            why: `rule ${rule.name} lets in a service tag (${rule.sourceAddressPrefixes.join(', ')})`,
          };
        continue;
      }
      for (const [low, high] of ranges) {
        for (const n of [low - 1, low, high, high + 1]) if (n >= 0 && n <= 0xffffffff) points.add(n);
      }
      // Nothing below a deny of every source can let anyone in: its rules add no candidate and no doubt.
      if (deniesEverySource(rule)) break;
    }
  }
  const candidates = [...points].map(fromNumber).filter((a) => isClientAddress(a));
  if (candidates.length > MAX_CANDIDATES) {
    return { kind: 'unknown', why: `the NSGs name ${candidates.length} client address edges` };
  }
  const deniedBy = new Map<string, ClientTried['deniedBy']>();
  const examples: ClientTried[] = [];
  for (const candidate of candidates) {
    const address = candidate.toString();
    for (const sourcePort of CLIENT_SOURCE_PORTS) {
      const verdict = evaluateInboundFrom(topology, address, backend, port, sourcePort);
      if (verdict.allowed) return { kind: 'reachable', address };
      const rule = verdict.blockedBy;
      if (!rule) continue;
      const by = { nsgName: rule.nsgName, ruleName: rule.rule.name, priority: rule.rule.priority };
      deniedBy.set(`${by.nsgName}/${by.ruleName}`, by);
      if (sourcePort === CLIENT_SOURCE_PORTS[0] && examples.length < 5)
        examples.push({ address, deniedBy: by });
    }
  }
  if (candidates.length === 0) return { kind: 'unknown', why: 'no client address to try' };
  return { kind: 'denied', port, triedCount: candidates.length, deniedBy: [...deniedBy.values()], examples };
}
