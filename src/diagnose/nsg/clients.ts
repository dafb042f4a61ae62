/**
 * Whether any client can reach a backend's port through the NSGs on its path. It tells a probe blocked
 * by an NSG that lets clients in (open the probe and the backend serves again) from a backend the
 * NSGs shut off from everyone, a lockdown or quarantine: open the probe alone there and the load
 * balancer puts the backend back in rotation, sending it client connections its NSG drops (Azure Load
 * Balancer sends new flows only to backends whose probe is up, "Load Balancer health probes",
 * learn.microsoft.com/azure/load-balancer/load-balancer-custom-probe-overview).
 *
 * No NSG says who the clients are. Any client the NSGs let in is let in by an inbound allow rule on the
 * path (a custom rule, or the default AllowVnetInBound), so the candidates are the sources those
 * rules name, each tried at both ends of its range: a CIDR's first and last address, `VirtualNetwork`'s
 * prefixes' ends, an internet address for `*` and `Internet`. `AzureLoadBalancer` and 168.63.129.16
 * are the probe, not a client. A source this cannot stand for by an address (an application security
 * group, an Azure service tag) makes the answer `unknown`, never `denied`: probe-doctor claims a
 * lockdown only when it tried every source the rules let in.
 */
import ipaddr from 'ipaddr.js';
import type { BackendInfo, SecurityRuleInfo, Topology } from '../../model/topology';
import { AZURE_LOAD_BALANCER_IP } from './defaults';
import { effectiveRuleList, protocolMatches } from './evaluate';
import { evaluateInboundFrom, inboundPathOf } from './path';
import { matchPortRange } from './ports';
import { parsePrefix } from './prefix';
import { HOST_VIRTUAL_IP_PREFIXES } from './virtualNetworkTag';

/** An address on the public internet, standing for a client there (`*`, `Any`, `Internet`). Never contacted. */
export const INTERNET_CLIENT = '1.2.3.4';

/** More candidates than this (a rule listing hundreds of prefixes) and the answer is `unknown`. */
const MAX_CANDIDATES = 256;

/** One client address tried, and the rule that decided it. */
export interface ClientTried {
  /** The source as the allow rule names it (`10.20.0.0/16`, `VirtualNetwork`, `*`). */
  source: string;
  /** The address that stood for it. */
  address: string;
  /** The allow rule that named the source. */
  allowRule: string;
  /** The rule that denied it: the NSG, the rule's name and priority. */
  deniedBy: { nsgName: string; ruleName: string; priority: number };
}

/** Whether clients reach a backend's port through its NSGs. */
export type ClientReach =
  | { kind: 'reachable'; source: string; address: string }
  | { kind: 'unknown'; why: string }
  | { kind: 'denied'; port: number; tried: ClientTried[] };

/** The ends of an IPv4 range (one address for a /32); none for IPv6 or what does not parse. */
function rangeEnds(prefix: string): string[] {
  const parsed = parsePrefix(prefix);
  if (!parsed || parsed[0].kind() !== 'ipv4') return [];
  const cidr = `${parsed[0].toString()}/${parsed[1]}`;
  const first = ipaddr.IPv4.networkAddressFromCIDR(cidr).toString();
  const last = ipaddr.IPv4.broadcastAddressFromCIDR(cidr).toString();
  return first === last ? [first] : [first, last];
}

/** The address candidates a source prefix of an allow rule stands for; `undefined` when it has none. */
function addressesFor(source: string, virtualNetworkPrefixes: readonly string[]): string[] | undefined {
  const value = source.trim();
  const lower = value.toLowerCase();
  if (lower === 'azureloadbalancer') return [];
  if (value === '*' || lower === 'any' || lower === 'internet' || value === '0.0.0.0/0') {
    return [INTERNET_CLIENT];
  }
  if (lower === 'virtualnetwork') {
    return virtualNetworkPrefixes
      .filter((p) => !HOST_VIRTUAL_IP_PREFIXES.includes(p))
      .flatMap((p) => rangeEnds(p));
  }
  if (/^[A-Za-z]/.test(value) && !value.includes(':')) return undefined;
  return rangeEnds(value).filter((a) => a !== AZURE_LOAD_BALANCER_IP);
}

/** Inbound allow rules on the path that admit TCP to `port`. */
function allowRulesFor(topology: Topology, backend: BackendInfo, port: number) {
  return inboundPathOf(topology, backend).flatMap((step) =>
    effectiveRuleList(step.nsg)
      .filter(
        (r: SecurityRuleInfo) =>
          r.direction === 'Inbound' &&
          r.access === 'Allow' &&
          protocolMatches(r.protocol, 'Tcp') &&
          r.destinationPortRanges.some((range) => matchPortRange(range, port).matches),
      )
      .map((rule) => ({ rule, tags: step.tags })),
  );
}

/**
 * Whether any client reaches `backend` on TCP `port` through its subnet and NIC NSGs (see the module's
 * comment for which clients are tried). `denied` lists every address tried and the rule that denied
 * it; `unknown` says which source could not be tried.
 */
export function clientReach(topology: Topology, backend: BackendInfo, port: number): ClientReach {
  if (inboundPathOf(topology, backend).length === 0) {
    return { kind: 'reachable', source: 'no NSG on the path', address: INTERNET_CLIENT };
  }
  const candidates: { source: string; address: string; allowRule: string }[] = [];
  for (const { rule, tags } of allowRulesFor(topology, backend, port)) {
    if (rule.sourceApplicationSecurityGroupIds.length > 0) {
      return { kind: 'unknown', why: `rule ${rule.name} lets in an application security group's members` };
    }
    for (const source of rule.sourceAddressPrefixes) {
      const addresses = addressesFor(source, tags.virtualNetworkPrefixes);
      if (addresses === undefined) {
        return { kind: 'unknown', why: `rule ${rule.name} lets in service tag ${source}` };
      }
      for (const address of addresses) {
        if (!candidates.some((c) => c.address === address)) {
          candidates.push({ source, address, allowRule: rule.name });
        }
      }
    }
  }
  if (candidates.length > MAX_CANDIDATES) {
    return { kind: 'unknown', why: `the NSGs name ${candidates.length} client sources` };
  }
  const tried: ClientTried[] = [];
  for (const candidate of candidates) {
    const verdict = evaluateInboundFrom(topology, candidate.address, backend, port);
    if (verdict.allowed) return { kind: 'reachable', source: candidate.source, address: candidate.address };
    const blocker = verdict.blockedBy;
    if (!blocker) continue;
    tried.push({
      ...candidate,
      deniedBy: { nsgName: blocker.nsgName, ruleName: blocker.rule.name, priority: blocker.rule.priority },
    });
  }
  return { kind: 'denied', port, tried };
}
