/**
 * The peer-to-backend TCP path a PsPing/TCPing validation takes: the peer's route (UDRs apply here),
 * the peer VNet's security admin rules and the peer's NIC and subnet NSGs outbound, the backend VNet's
 * security admin rules and its subnet and NIC NSGs inbound, the backend's
 * firewall with the peer as source, the reply's route, and the listener.
 */
import { evaluatePath, PROBE_SOURCE_PORT, type PathStep } from '../../diagnose/nsg/path';
import { inPrefix } from '../../diagnose/nsg/prefix';
import type { Packet } from '../../diagnose/nsg/types';
import type { SandboxState } from '../state';
import { endpointByIp, nsgOf, primaryEndpointOfVm, vnetPrefixes, type Endpoint } from './arm';
import { effectiveRouteTableFor } from './effectiveRoutes';
import { adminDecision, vnetIdOf } from './adminRules';
import { guestAccepts } from './guest';
import { endpointTags } from './tags';
import { describeAdminRule, inboundVerdict } from './probeModel';
import { guestOf } from './vmFacts';

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
    .filter((r) => r.addressPrefix[0] !== undefined && inPrefix(ip, r.addressPrefix[0]))
    .sort(
      (a, b) => bits(b.addressPrefix[0]!) - bits(a.addressPrefix[0]!) || (a.source === 'User' ? -1 : 1),
    )[0];
}

/** Traces a TCP connection from a VM's primary IP configuration to `toIp:port`. */
export function traceFlow(state: SandboxState, fromVmId: string, toIp: string, port: number): FlowTrace {
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
  const packet: Packet = {
    direction: 'Outbound',
    protocol: 'Tcp',
    sourceIp: source.ipAddress,
    sourcePort: PROBE_SOURCE_PORT,
    destinationIp: toIp,
    destinationPort: port,
    sourceAsgIds: source.asgIds,
    destinationAsgIds: [],
  };
  const target = endpointByIp(state, toIp);
  if (target) packet.destinationAsgIds = target.asgIds;
  const tags = endpointTags(state, source);
  const outAdmin = adminDecision(state, vnetIdOf(source), packet, tags);
  if (outAdmin?.access === 'Deny') {
    const reason = `${describeAdminRule(outAdmin)} denies outbound`;
    return { reachable: false, stage: 'nsg-outbound', source, ruleName: outAdmin.name, reason };
  }
  const outSteps: PathStep[] = [];
  const nicNsg = nsgOf(state, source.nic);
  const subnetNsg = nsgOf(state, source.subnet);
  if (nicNsg) outSteps.push({ nsg: nicNsg, level: 'nic', direction: 'Outbound', tags });
  if (subnetNsg) outSteps.push({ nsg: subnetNsg, level: 'subnet', direction: 'Outbound', tags });
  // An admin AlwaysAllow delivers the packet without consulting the NSGs.
  const outbound = outAdmin?.access === 'AlwaysAllow' ? undefined : evaluatePath(outSteps, packet).blockedBy;
  if (outbound) {
    const reason = `${outbound.level} NSG ${outbound.nsgName} rule ${outbound.rule.name} denies outbound`;
    return { reachable: false, stage: 'nsg-outbound', source, ruleName: outbound.rule.name, reason };
  }
  if (!target)
    return { reachable: false, stage: 'address', source, reason: `no NIC in the scenario holds ${toIp}` };
  const inbound = inboundVerdict(state, target, { ...packet, direction: 'Inbound' });
  if (!inbound.allowed) {
    const blocked = inbound.nsg?.blockedBy;
    const reason = blocked
      ? `${blocked.level} NSG ${blocked.nsgName} rule ${blocked.rule.name} denies inbound`
      : inbound.admin
        ? `${describeAdminRule(inbound.admin)} denies inbound`
        : 'denied inbound';
    return { reachable: false, stage: 'nsg-inbound', source, target, ruleName: inbound.ruleName, reason };
  }
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
