/** Network Watcher: IP flow verify and connectivity check, from the same flow model as the probe. */
import { evaluatePath, type PathStep } from '../../diagnose/nsg/path';
import type { Packet } from '../../diagnose/nsg/types';
import { SandboxHttpError } from '../httpError';
import type { SandboxState } from '../state';
import { allNics, endpointOf, list, nsgOf, props, refId, requireResource, str, type Endpoint } from './arm';
import { adminDecision, vnetIdOf } from './adminRules';
import { endpointTags } from './tags';
import { traceFlow } from './reachability';

function field(body: unknown, name: string): unknown {
  return body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
}

function badRequest(message: string): SandboxHttpError {
  return new SandboxHttpError(400, 'InvalidRequestFormat', message);
}

/** The target VM's IP configuration that holds `localIPAddress` (or the named NIC's). */
function localEndpoint(
  state: SandboxState,
  vmId: string,
  localIp: string,
  nicId: string | undefined,
): Endpoint {
  requireResource(state, vmId, 'virtual machine');
  for (const nic of allNics(state)) {
    if (nicId && String(nic.id).toLowerCase() !== nicId.toLowerCase()) continue;
    for (const ipConfig of list(props(nic).ipConfigurations)) {
      const endpoint = endpointOf(state, nic, ipConfig);
      if (endpoint.vmId?.toLowerCase() === vmId.toLowerCase() && endpoint.ipAddress === localIp)
        return endpoint;
    }
  }
  throw badRequest(`No network interface of '${vmId}' has the local IP address ${localIp}.`);
}

/**
 * IP flow verify (NetworkWatchers_VerifyIPFlow example): `{ access, ruleName }`. Inbound crosses the
 * subnet NSG then the NIC NSG; outbound the NIC NSG then the subnet NSG. `ruleName` is the denying rule,
 * or on allow the rule of the last NSG crossed, as `securityRules/<name>` or `defaultSecurityRules/<name>`.
 * A security admin rule of the VNet comes before both: a `Deny` or `AlwaysAllow` decides alone and is
 * named as the effective-NSG answer names it (the rule's name; Microsoft publishes no example of an
 * IP flow verify answer decided by an admin rule).
 */
export function ipFlowVerify(
  state: SandboxState,
  body: unknown,
): { access: 'Allow' | 'Deny'; ruleName: string } {
  const vmId = str(field(body, 'targetResourceId'));
  const direction = str(field(body, 'direction'));
  const protocol = str(field(body, 'protocol'))?.toLowerCase();
  const localIp = str(field(body, 'localIPAddress'));
  const remoteIp = str(field(body, 'remoteIPAddress'));
  const localPort = Number(field(body, 'localPort'));
  const remotePort = Number(field(body, 'remotePort'));
  if (
    !vmId ||
    !localIp ||
    !remoteIp ||
    (direction !== 'Inbound' && direction !== 'Outbound') ||
    (protocol !== 'tcp' && protocol !== 'udp')
  ) {
    throw badRequest(
      'targetResourceId, direction (Inbound|Outbound), protocol (TCP|UDP), localIPAddress and remoteIPAddress are required.',
    );
  }
  if (!Number.isInteger(localPort) || !Number.isInteger(remotePort))
    throw badRequest('localPort and remotePort must be single port numbers.');
  const local = localEndpoint(state, vmId, localIp, str(field(body, 'targetNicResourceId')));
  const inbound = direction === 'Inbound';
  const packet: Packet = {
    direction,
    protocol: protocol === 'tcp' ? 'Tcp' : 'Udp',
    sourceIp: inbound ? remoteIp : localIp,
    sourcePort: inbound ? remotePort : localPort,
    destinationIp: inbound ? localIp : remoteIp,
    destinationPort: inbound ? localPort : remotePort,
    sourceAsgIds: inbound ? [] : local.asgIds,
    destinationAsgIds: inbound ? local.asgIds : [],
  };
  const tags = endpointTags(state, local);
  const admin = adminDecision(state, vnetIdOf(local), packet, tags);
  if (admin?.access === 'Deny') return { access: 'Deny', ruleName: admin.name };
  if (admin?.access === 'AlwaysAllow') return { access: 'Allow', ruleName: admin.name };
  const subnet = nsgOf(state, local.subnet);
  const nic = nsgOf(state, local.nic);
  const steps: PathStep[] = [];
  const add = (nsg: typeof nic, level: 'subnet' | 'nic') =>
    nsg && steps.push({ nsg, level, direction, tags });
  if (inbound) {
    add(subnet, 'subnet');
    add(nic, 'nic');
  } else {
    add(nic, 'nic');
    add(subnet, 'subnet');
  }
  const verdict = evaluatePath(steps, packet);
  const decision = verdict.blockedBy ?? verdict.decisions[verdict.decisions.length - 1];
  if (!decision) return { access: 'Allow', ruleName: '' };
  const prefix = decision.rule.isDefault ? 'defaultSecurityRules' : 'securityRules';
  return { access: decision.access, ruleName: `${prefix}/${decision.rule.name}` };
}

/**
 * Connectivity check (NetworkWatchers_CheckConnectivity example) from a source VM to an address or a
 * resource and port: two hops (Source, VirtualNetwork), `Connected` or `Unreachable`, and an issue
 * naming what blocked it. Latencies are fixed so answers are reproducible.
 */
export function connectivityCheck(state: SandboxState, body: unknown): Record<string, unknown> {
  const sourceId = str(field(field(body, 'source'), 'resourceId'));
  const destination = field(body, 'destination');
  const port = Number(field(destination, 'port'));
  let address = str(field(destination, 'address'));
  const destinationId = str(field(destination, 'resourceId'));
  if (!sourceId || !Number.isInteger(port) || (!address && !destinationId)) {
    throw badRequest(
      'source.resourceId, destination.address or destination.resourceId, and destination.port are required.',
    );
  }
  if (!address && destinationId) {
    const vmNic = allNics(state).find(
      (n) => refId(props(n).virtualMachine)?.toLowerCase() === destinationId.toLowerCase(),
    );
    const first = vmNic ? list(props(vmNic).ipConfigurations)[0] : undefined;
    address = first ? endpointOf(state, vmNic!, first).ipAddress : undefined;
    if (!address) throw badRequest(`Destination '${destinationId}' has no private IP address.`);
  }
  const trace = traceFlow(state, sourceId, address!, port);
  const sourceHopId = '00000000-0000-0000-0000-000000000001';
  const targetHopId = '00000000-0000-0000-0000-000000000002';
  const issues = trace.reachable
    ? []
    : [
        {
          origin:
            trace.stage === 'nsg-outbound' || trace.stage === 'route' || trace.stage === 'source'
              ? 'Outbound'
              : 'Inbound',
          severity: 'Error',
          type: trace.stage?.startsWith('nsg')
            ? 'NetworkSecurityRule'
            : trace.stage === 'route'
              ? 'UserDefinedRoute'
              : trace.stage === 'firewall'
                ? 'GuestFirewall'
                : 'Platform',
          context: trace.ruleName
            ? [{ key: 'RuleName', value: trace.ruleName }]
            : [{ key: 'Detail', value: trace.reason }],
        },
      ];
  const sourceIssues = issues.filter((i) => i.origin === 'Outbound');
  const targetIssues = issues.filter((i) => i.origin === 'Inbound');
  return {
    hops: [
      {
        type: 'Source',
        id: sourceHopId,
        address: trace.source?.ipAddress,
        resourceId: trace.source?.ipConfigurationId,
        nextHopIds: [targetHopId],
        issues: sourceIssues,
      },
      {
        type: 'VirtualNetwork',
        id: targetHopId,
        address,
        ...(trace.target ? { resourceId: trace.target.ipConfigurationId } : {}),
        nextHopIds: [],
        issues: targetIssues,
      },
    ],
    connectionStatus: trace.reachable ? 'Connected' : 'Unreachable',
    avgLatencyInMs: trace.reachable ? 1 : 0,
    minLatencyInMs: trace.reachable ? 1 : 0,
    maxLatencyInMs: trace.reachable ? 1 : 0,
    probesSent: 100,
    probesFailed: trace.reachable ? 0 : 100,
  };
}
