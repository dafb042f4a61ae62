/**
 * A packet's path through NSGs: inbound, the subnet NSG then the NIC NSG; outbound, the NIC NSG then
 * the subnet NSG. Every NSG on the path must allow.
 */
import { idKey } from '../../model/ids';
import type { BackendInfo, NsgInfo, ProbeInfo, Topology } from '../../model/topology';
import { AZURE_LOAD_BALANCER_IP } from './defaults';
import { effectiveRuleList, evaluateNsg } from './evaluate';
import { parsePortRange, rangeEdges } from './ports';
import type { FlowVerdict, NsgDecision, Packet, ProbePathVerdict, TagContext } from './types';
import { tagContext } from './virtualNetworkTag';

/** The source port the probe is modelled with: an ephemeral port, so a rule limited to source port 80 does not match. */
export const PROBE_SOURCE_PORT = 49152;

/**
 * The probe's source port is not documented; it is an ephemeral port, taken as the RFC 6335 dynamic
 * range. Probes repeat from varying source ports, so a rule that admits or denies only part of the range
 * decides some probes: the probe gets through only when every port of the range does.
 */
export const PROBE_SOURCE_PORT_RANGE: readonly [number, number] = [PROBE_SOURCE_PORT, 65535];

/** The source ports where the NSGs on a path can change their answer: the range's ends and every rule bound inside it. */
function sourcePortsToCheck(steps: readonly PathStep[]): number[] {
  const [low, high] = PROBE_SOURCE_PORT_RANGE;
  const ports = new Set<number>([low, high]);
  for (const step of steps) {
    for (const rule of effectiveRuleList(step.nsg)) {
      for (const range of rule.sourcePortRanges) {
        const parsed = parsePortRange(range);
        for (const p of parsed ? rangeEdges(parsed, PROBE_SOURCE_PORT_RANGE) : []) ports.add(p);
      }
    }
  }
  return [...ports].sort((x, y) => x - y);
}

/** One NSG on a path, with the tags that apply where it sits. */
export interface PathStep {
  nsg: NsgInfo;
  level: 'subnet' | 'nic';
  /** Which way the packet crosses this NSG (outbound at the sender, inbound at the receiver). */
  direction: Packet['direction'];
  tags: TagContext;
}

/**
 * Evaluates every NSG on the path (so a report can show both levels even when the first denies);
 * `allowed` only when all allow; `blockedBy` is the first that denies.
 */
export function evaluatePath(
  steps: readonly PathStep[],
  packet: Packet,
  warnings: string[] = [],
): ProbePathVerdict {
  const decisions: NsgDecision[] = steps.map((s) =>
    evaluateNsg(s.nsg, { ...packet, direction: s.direction }, s.tags, s.level),
  );
  const blockedBy = decisions.find((d) => d.access === 'Deny');
  const verdict: ProbePathVerdict = { allowed: blockedBy === undefined, decisions, packet };
  if (blockedBy) verdict.blockedBy = blockedBy;
  if (warnings.length > 0) verdict.warnings = warnings;
  return verdict;
}

/**
 * What `VirtualNetwork` covers for a backend (see virtualNetworkTag.ts for Microsoft's definition):
 * its VNet's address space, the host's virtual IPs (168.63.129.16, 169.254.169.254) and the address
 * prefixes of the UDRs in its subnet's route table, and its VNet's peered address spaces.
 */
export function vnetTags(
  topology: Topology,
  backend: Pick<BackendInfo, 'subnetId' | 'virtualNetworkId'>,
): TagContext {
  const subnet = backend.subnetId ? topology.subnets[idKey(backend.subnetId)] : undefined;
  const vnetId = backend.virtualNetworkId ?? subnet?.virtualNetworkId;
  const vnet = vnetId ? topology.virtualNetworks[idKey(vnetId)] : undefined;
  const table = subnet?.routeTableId ? topology.routeTables[idKey(subnet.routeTableId)] : undefined;
  return tagContext(
    vnet?.addressPrefixes ?? [],
    (table?.routes ?? []).map((r) => r.addressPrefix),
    vnet?.peeredAddressPrefixes ?? [],
  );
}

function nsgAt(
  topology: Topology,
  nsgId: string | undefined,
  where: string,
  warnings: string[],
): NsgInfo | undefined {
  if (!nsgId) return undefined;
  const nsg = topology.nsgs[idKey(nsgId)];
  if (!nsg) warnings.push(`${where} references NSG ${nsgId}, which was not read; it is not evaluated`);
  return nsg;
}

/** The subnet NSG and NIC NSG of a backend, in inbound order. */
function backendNsgs(
  topology: Topology,
  backend: BackendInfo,
  warnings: string[],
): { subnet?: NsgInfo; nic?: NsgInfo } {
  const subnet = backend.subnetId ? topology.subnets[idKey(backend.subnetId)] : undefined;
  const nic = backend.nicId ? topology.nics[idKey(backend.nicId)] : undefined;
  return {
    subnet: nsgAt(topology, subnet?.nsgId, `subnet ${subnet?.id ?? ''}`, warnings),
    nic: nsgAt(topology, nic?.nsgId, `NIC ${nic?.id ?? ''}`, warnings),
  };
}

function inboundSteps(nsgs: { subnet?: NsgInfo; nic?: NsgInfo }, tags: TagContext): PathStep[] {
  const steps: PathStep[] = [];
  if (nsgs.subnet) steps.push({ nsg: nsgs.subnet, level: 'subnet', direction: 'Inbound', tags });
  if (nsgs.nic) steps.push({ nsg: nsgs.nic, level: 'nic', direction: 'Inbound', tags });
  return steps;
}

function backendIp(topology: Topology, backend: BackendInfo, warnings: string[]): string {
  if (backend.ipAddress) return backend.ipAddress;
  const nic = backend.nicId ? topology.nics[idKey(backend.nicId)] : undefined;
  const ipConfig = nic?.ipConfigurations.find((c) => idKey(c.id) === idKey(backend.ipConfigurationId ?? ''));
  if (ipConfig?.privateIpAddress) return ipConfig.privateIpAddress;
  warnings.push(
    `backend ${backend.key} has no known private IP; rules naming a destination address cannot match`,
  );
  return '0.0.0.0';
}

/**
 * The probe's path to one backend: from 168.63.129.16 (an ephemeral source port) to the backend's
 * IP on the probe's port, TCP for every probe protocol (HTTP and HTTPS ride on TCP). The probe port
 * is used, never a rule's frontend port: NSGs see the packet after the load balancer's translation.
 */
export function evaluateProbeInbound(
  topology: Topology,
  backend: BackendInfo,
  probe: ProbeInfo,
): ProbePathVerdict {
  const warnings: string[] = [];
  const packet: Packet = {
    direction: 'Inbound',
    protocol: 'Tcp',
    sourceIp: AZURE_LOAD_BALANCER_IP,
    sourcePort: PROBE_SOURCE_PORT,
    destinationIp: backendIp(topology, backend, warnings),
    destinationPort: probe.port,
    sourceAsgIds: [],
    destinationAsgIds: backend.asgIds,
  };
  const steps = inboundSteps(backendNsgs(topology, backend, warnings), vnetTags(topology, backend));
  // Every source port of the range must get through; the verdict shown is the first port denied.
  let first: ProbePathVerdict | undefined;
  for (const sourcePort of sourcePortsToCheck(steps)) {
    const verdict = evaluatePath(steps, { ...packet, sourcePort }, warnings);
    first ??= verdict;
    if (!verdict.allowed) return verdict;
  }
  return first!;
}

/**
 * A TCP flow from a peer (a backend, or a bare IP with no NSGs of its own) to a backend, as a
 * PsPing/TCPing validation takes it: the peer's NIC then subnet NSG outbound, the backend's subnet
 * then NIC NSG inbound.
 */
export function evaluateFlow(
  topology: Topology,
  from: BackendInfo | string,
  to: BackendInfo,
  port: number,
  protocol: Packet['protocol'] = 'Tcp',
): FlowVerdict {
  const warnings: string[] = [];
  const peer = typeof from === 'string' ? topology.backends.find((b) => b.ipAddress === from) : from;
  const sourceIp = typeof from === 'string' ? from : backendIp(topology, from, warnings);
  const packet: Packet = {
    direction: 'Outbound',
    protocol,
    sourceIp,
    sourcePort: PROBE_SOURCE_PORT,
    destinationIp: backendIp(topology, to, warnings),
    destinationPort: port,
    sourceAsgIds: peer?.asgIds ?? [],
    destinationAsgIds: to.asgIds,
  };
  const steps: PathStep[] = [];
  if (peer) {
    const peerNsgs = backendNsgs(topology, peer, warnings);
    const tags = vnetTags(topology, peer);
    if (peerNsgs.nic) steps.push({ nsg: peerNsgs.nic, level: 'nic', direction: 'Outbound', tags });
    if (peerNsgs.subnet) steps.push({ nsg: peerNsgs.subnet, level: 'subnet', direction: 'Outbound', tags });
  }
  steps.push(...inboundSteps(backendNsgs(topology, to, warnings), vnetTags(topology, to)));
  return evaluatePath(steps, packet, warnings);
}

/**
 * A TCP packet from an address outside the backend's own NSGs (a client) to the backend's `port`,
 * through its subnet NSG then its NIC NSG. The source carries no ASGs: a client named by an
 * application security group is not modelled here (see clients.ts).
 */
export function evaluateInboundFrom(
  topology: Topology,
  sourceIp: string,
  to: BackendInfo,
  port: number,
  sourcePort: number = PROBE_SOURCE_PORT,
): FlowVerdict {
  const warnings: string[] = [];
  const packet = clientPacket(topology, sourceIp, to, port, sourcePort, warnings);
  return evaluatePath(
    inboundSteps(backendNsgs(topology, to, warnings), vnetTags(topology, to)),
    packet,
    warnings,
  );
}

/** The TCP packet {@link evaluateInboundFrom} evaluates: from `sourceIp` (no ASGs) to the backend's `port`. */
export function clientPacket(
  topology: Topology,
  sourceIp: string,
  to: BackendInfo,
  port: number,
  sourcePort: number,
  warnings: string[] = [],
): Packet {
  return {
    direction: 'Inbound',
    protocol: 'Tcp',
    sourceIp,
    sourcePort,
    destinationIp: backendIp(topology, to, warnings),
    destinationPort: port,
    sourceAsgIds: [],
    destinationAsgIds: to.asgIds,
  };
}

/** The NSGs on a backend's inbound path, subnet first, with the tags that apply there. */
export function inboundPathOf(topology: Topology, backend: BackendInfo): PathStep[] {
  return inboundSteps(backendNsgs(topology, backend, []), vnetTags(topology, backend));
}
