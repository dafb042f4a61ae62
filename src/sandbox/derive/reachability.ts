/**
 * The peer-to-backend TCP path a PsPing/TCPing validation takes: the peer's route (UDRs apply here),
 * the peer VNet's security admin rules and the peer's NIC and subnet NSGs outbound, the backend VNet's
 * security admin rules and its subnet and NIC NSGs inbound, the backend's
 * firewall with the peer as source, the reply's route, and the listener.
 */
import type { SandboxState } from '../state';
import { contains } from '../truth/address';
import type { TruthPacket } from '../truth/rules';
import { endpointByIp, primaryEndpointOfVm, vnetPrefixes, type Endpoint } from './arm';
import { denialDetail, denyingRuleName, verdictAt } from './dataPlane';
import { effectiveRouteTableFor } from './effectiveRoutes';
import { guestAccepts } from './guest';
import { guestOf } from './vmFacts';

/** The source port a peer's validation connection is modelled with (an ephemeral port). */
const PEER_SOURCE_PORT = 49152;

/** Where a flow stopped. */
export type FlowStage =
  'source' | 'route' | 'nsg-outbound' | 'address' | 'nsg-inbound' | 'vm' | 'firewall' | 'listener';

/** A traced flow: the answer plus what the Network Watcher views need. */
export interface FlowTrace {
  reachable: boolean;
  reason: string;
  stage?: FlowStage;
  source?: Endpoint;
  target?: Endpoint;
  /** The NSG rule or security admin rule that denied, when one did. */
  ruleName?: string;
}

/** The route the source subnet uses for `ip`: longest prefix among active routes. */
function routeFor(state: SandboxState, source: Endpoint, ip: string) {
  const routes = effectiveRouteTableFor(state, source.subnet, vnetPrefixes(source)).filter(
    (r) => r.state === 'Active',
  );
  const bits = (p: string) => Number(p.split('/')[1] ?? 32);
  return routes
    .filter((r) => r.addressPrefix[0] !== undefined && contains(r.addressPrefix[0], ip))
    .sort(
      (a, b) => bits(b.addressPrefix[0]!) - bits(a.addressPrefix[0]!) || (a.source === 'User' ? -1 : 1),
    )[0];
}

/** Traces a TCP connection from a VM's primary IP configuration to `toIp:port`. */
export function traceFlow(
  state: SandboxState,
  fromVmId: string,
  toIp: string,
  port: number,
  protocol: 'Tcp' | 'Icmp' = 'Tcp',
): FlowTrace {
  const source = primaryEndpointOfVm(state, fromVmId);
  if (!source?.ipAddress)
    return {
      reachable: false,
      stage: 'source',
      reason: `VM ${fromVmId} has no NIC with a private IP in the scenario`,
    };
  const sourceGuest = guestOf(state, source.vmId);
  if (sourceGuest.powerState !== 'running')
    return {
      reachable: false,
      stage: 'source',
      source,
      reason: `the source VM is ${sourceGuest.powerState}`,
    };
  const route = routeFor(state, source, toIp);
  if (!route || route.nextHopType === 'None') {
    return {
      reachable: false,
      stage: 'route',
      source,
      reason: `the source subnet has no route to ${toIp} (next hop None)`,
    };
  }
  if (route.nextHopType === 'VirtualAppliance') {
    const via = route.nextHopIpAddress[0] ?? 'an appliance';
    return {
      reachable: false,
      stage: 'route',
      source,
      reason: `route ${route.name ?? route.addressPrefix[0]} sends ${toIp} to virtual appliance ${via}`,
    };
  }
  const target = endpointByIp(state, toIp);
  const packet: TruthPacket = {
    direction: 'Outbound',
    protocol,
    sourceIp: source.ipAddress,
    sourcePort: PEER_SOURCE_PORT,
    destinationIp: toIp,
    destinationPort: port,
    sourceAsgIds: source.asgIds,
    destinationAsgIds: target?.asgIds ?? [],
  };
  // Outbound at the source: its VNet's admin rules, then its NIC and subnet NSGs.
  const outbound = verdictAt(state, source, packet);
  if (!outbound.allowed) {
    const reason = denialDetail(outbound, 'outbound') ?? 'denied outbound';
    return { reachable: false, stage: 'nsg-outbound', source, ruleName: denyingRuleName(outbound), reason };
  }
  if (!target)
    return { reachable: false, stage: 'address', source, reason: `no NIC in the scenario holds ${toIp}` };
  const inbound = verdictAt(state, target, { ...packet, direction: 'Inbound' });
  if (!inbound.allowed) {
    const reason = denialDetail(inbound, 'inbound') ?? 'denied inbound';
    return {
      reachable: false,
      stage: 'nsg-inbound',
      source,
      target,
      ruleName: denyingRuleName(inbound),
      reason,
    };
  }
  // An echo request is answered by the guest's stack: no listener or TCP firewall entry applies.
  if (protocol === 'Icmp') return { reachable: true, source, target, reason: `${toIp} answers ICMP echo` };
  const inGuest = guestAccepts(
    guestOf(state, target.vmId),
    target.nicIndex,
    target.ipAddress,
    source.ipAddress,
    port,
  );
  if (inGuest.outcome !== 'accept') {
    const stage: FlowStage = inGuest.stage === 'route' ? 'route' : inGuest.stage;
    const how = inGuest.outcome === 'reset' ? 'refused' : 'timed out';
    return { reachable: false, stage, source, target, reason: `${how}: ${inGuest.detail}` };
  }
  return { reachable: true, source, target, reason: `connected to ${toIp}:${port}` };
}

/** Whether a peer VM can open a TCP connection to `toIp:port`, and why not. Used by the guest simulator. */
export function tcpReachability(
  state: SandboxState,
  fromVmId: string,
  toIp: string,
  port: number,
): { reachable: boolean; reason: string } {
  const { reachable, reason } = traceFlow(state, fromVmId, toIp, port);
  return { reachable, reason };
}
