/**
 * The health probe's packet. Sources (MicrosoftDocs/azure-docs): load-balancer-custom-probe-overview.md
 * and what-is-ip-address-168-63-129-16.md (IPv4 probes come from 168.63.129.16, the `AzureLoadBalancer`
 * tag); NSGs see the packet after the load balancer's translation, so its destination is the backend's
 * IP configuration address on the probe's port, and every probe protocol (TCP, HTTP, HTTPS) opens a TCP
 * connection.
 *
 * The probe's source port is not documented. The model takes it from the dynamic (ephemeral) range of
 * RFC 6335, 49152-65535, and requires every port of that range to get through: probes are sent again
 * and again from varying source ports, so a rule that admits only part of the range lets only part of
 * the probes in, and a backend missing probes is marked down once `probeThreshold` of them fail.
 */
import { portBounds, type TruthPacket } from './rules';
import { decidePacket, type NsgCrossing, type TruthAdminRule, type TruthVerdict } from './evaluate';
import { HOST_VIRTUAL_IP, type TagScope } from './serviceTags';

/** The probe's source port range (RFC 6335 dynamic ports). */
export const PROBE_SOURCE_PORTS: readonly [number, number] = [49152, 65535];

/** The probe's TCP packet to `ip:port`, from one source port; `asgIds` are the backend's ASGs. */
export function probePacket(ip: string, port: number, asgIds: string[], sourcePort: number): TruthPacket {
  return {
    direction: 'Inbound',
    protocol: 'Tcp',
    sourceIp: HOST_VIRTUAL_IP,
    sourcePort,
    destinationIp: ip,
    destinationPort: port,
    sourceAsgIds: [],
    destinationAsgIds: asgIds,
  };
}

/**
 * The source ports where a rule's source port range can start or stop mattering: the range's ends and
 * every bound of every rule on the way that falls inside it. Deciding at these ports decides every port.
 */
export function representativeSourcePorts(rules: readonly { sourcePorts: string[] }[]): number[] {
  const [low, high] = PROBE_SOURCE_PORTS;
  const ports = new Set<number>([low, high]);
  for (const rule of rules) {
    for (const range of rule.sourcePorts) {
      const b = portBounds(range);
      if (!b) continue;
      for (const p of [b[0] - 1, b[0], b[1], b[1] + 1]) if (p >= low && p <= high) ports.add(p);
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/**
 * The representative source ports of frozen admin rules and NSG crossings, remembered: every backend
 * behind the same NSGs has the same ports. Lists that can change are computed every time.
 */
const portsOfFrozen = new WeakMap<readonly NsgCrossing[], WeakMap<readonly TruthAdminRule[], number[]>>();

function sourcePortsFor(adminRules: readonly TruthAdminRule[], crossings: readonly NsgCrossing[]): number[] {
  const compute = () => representativeSourcePorts([...adminRules, ...crossings.flatMap((c) => c.nsg.rules)]);
  const frozen =
    Object.isFrozen(adminRules) &&
    Object.isFrozen(crossings) &&
    crossings.every((c) => Object.isFrozen(c) && Object.isFrozen(c.nsg.rules));
  if (!frozen) return compute();
  let byAdmin = portsOfFrozen.get(crossings);
  if (!byAdmin) portsOfFrozen.set(crossings, (byAdmin = new WeakMap()));
  let ports = byAdmin.get(adminRules);
  if (!ports) byAdmin.set(adminRules, (ports = compute()));
  return ports;
}

/**
 * The probe's verdict for one backend: allowed only when every source port of the range is allowed.
 * A denied verdict is the one at the lowest denied source port.
 */
export function probeVerdict(
  ip: string,
  port: number,
  asgIds: string[],
  adminRules: readonly TruthAdminRule[],
  crossings: readonly NsgCrossing[],
  scope: TagScope,
): TruthVerdict & { packet: TruthPacket } {
  let first: (TruthVerdict & { packet: TruthPacket }) | undefined;
  for (const sourcePort of sourcePortsFor(adminRules, crossings)) {
    const packet = probePacket(ip, port, asgIds, sourcePort);
    const verdict = { ...decidePacket(packet, adminRules, crossings, scope), packet };
    first ??= verdict;
    if (!verdict.allowed) return verdict;
  }
  return first!;
}
