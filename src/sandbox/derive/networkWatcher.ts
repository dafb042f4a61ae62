/** Network Watcher: IP flow verify and connectivity check, from the same flow model as the probe. */
import { SandboxHttpError } from '../httpError';
import type { SandboxState } from '../state';
import { decidePacket } from '../truth/evaluate';
import { representativeSourcePorts } from '../truth/probe';
import type { TruthPacket } from '../truth/rules';
import { allNics, endpointOf, list, props, refId, requireResource, str, type Endpoint } from './arm';
import { filtersAt } from './dataPlane';
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

/** A port field of IP flow verify: a number, or `*` where the docs allow it (the source port). */
function portField(value: unknown): number | '*' | undefined {
  if (value === '*') return '*';
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535 ? n : undefined;
}

/**
 * IP flow verify (NetworkWatchers_VerifyIPFlow example): `{ access, ruleName }`, decided by the
 * reference model. Inbound crosses the subnet NSG then the NIC NSG; outbound the NIC NSG then the
 * subnet NSG. `ruleName` is the denying rule, or on allow the rule of the last NSG crossed, as
 * `securityRules/<name>` or `defaultSecurityRules/<name>`. A security admin rule of the VNet comes
 * before both: a `Deny` or `AlwaysAllow` decides alone and is named as the effective-NSG answer names
 * it (Microsoft publishes no example of an answer decided by an admin rule).
 *
 * Ports (network-watcher-ip-flow-verify-overview.md, VerificationIPFlowParameters): single ports, and
 * `*` for the source port (remote port inbound, local port outbound). A `*` source port stands for every
 * source port: the answer is Deny, naming the rule, when any source port is denied.
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
  const localPort = portField(field(body, 'localPort'));
  const remotePort = portField(field(body, 'remotePort'));
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
  const inbound = direction === 'Inbound';
  const sourcePort = inbound ? remotePort : localPort;
  const destinationPort = inbound ? localPort : remotePort;
  if (sourcePort === undefined || destinationPort === undefined || destinationPort === '*')
    throw badRequest(
      'localPort and remotePort must be single port numbers (0-65535); the source port may be *.',
    );
  const local = localEndpoint(state, vmId, localIp, str(field(body, 'targetNicResourceId')));
  const f = filtersAt(state, local, direction);
  const ports =
    sourcePort === '*'
      ? [0, 65535, ...representativeSourcePorts([...f.admin, ...f.crossings.flatMap((c) => c.nsg.rules)])]
      : [sourcePort];
  let answer: { access: 'Allow' | 'Deny'; ruleName: string } | undefined;
  for (const port of [...new Set(ports)].sort((a, b) => a - b)) {
    const packet: TruthPacket = {
      direction,
      protocol: protocol === 'tcp' ? 'Tcp' : 'Udp',
      sourceIp: inbound ? remoteIp : localIp,
      sourcePort: port,
      destinationIp: inbound ? localIp : remoteIp,
      destinationPort,
      sourceAsgIds: inbound ? [] : local.asgIds,
      destinationAsgIds: inbound ? local.asgIds : [],
    };
    const verdict = decidePacket(packet, f.admin, f.crossings, f.scope);
    let here: { access: 'Allow' | 'Deny'; ruleName: string };
    if (verdict.admin && verdict.nsgs.length === 0) {
      here = { access: verdict.allowed ? 'Allow' : 'Deny', ruleName: verdict.admin.name };
    } else {
      const decision = verdict.blockedBy ?? verdict.nsgs[verdict.nsgs.length - 1];
      here = decision
        ? {
            access: decision.allowed ? 'Allow' : 'Deny',
            ruleName: `${decision.rule.isDefault ? 'defaultSecurityRules' : 'securityRules'}/${decision.rule.name}`,
          }
        : { access: 'Allow', ruleName: '' };
    }
    answer ??= here;
    if (here.access === 'Deny') return here;
  }
  return answer!;
}

/**
 * Connectivity check (NetworkWatchers_CheckConnectivity example) from a source VM to an address or a
 * resource and port: two hops (Source, VirtualNetwork), `Connected` or `Disconnected`, and an issue
 * naming what blocked it. Latencies are fixed so answers are reproducible.
 */
export function connectivityCheck(state: SandboxState, body: unknown): Record<string, unknown> {
  const sourceId = str(field(field(body, 'source'), 'resourceId'));
  const destination = field(body, 'destination');
  // The destination port is optional (ConnectivityDestination); without one the check connects over
  // ICMP echo.
  const rawPort = field(destination, 'port');
  const port = rawPort === undefined ? 0 : Number(rawPort);
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
  const trace = traceFlow(state, sourceId, address!, port, rawPort === undefined ? 'Icmp' : 'Tcp');
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
    // ConnectionStatus in the network spec: Unknown, Connected, Disconnected, Degraded.
    connectionStatus: trace.reachable ? 'Connected' : 'Disconnected',
    avgLatencyInMs: trace.reachable ? 1 : 0,
    minLatencyInMs: trace.reachable ? 1 : 0,
    maxLatencyInMs: trace.reachable ? 1 : 0,
    probesSent: 100,
    probesFailed: trace.reachable ? 0 : 100,
  };
}
