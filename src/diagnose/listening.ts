/**
 * Seed cause 2, first half: does anything listen where the probe arrives? The probe targets the NIC's
 * IP on the probe port, so a socket counts only when bound to a wildcard (`0.0.0.0`, `::`, `*`) or to
 * that IP; a loopback-only or other-address bind is "not listening" as far as the probe is concerned.
 */
import ipaddr from 'ipaddr.js';
import type { ListeningSocket } from '../model/evidence';

/** Whether a socket bound to `address` receives a probe sent to `nicIp`. */
export type BindReach = 'reachable' | 'loopback' | 'other-address';

/** Management ports: listening, but a poor probe target (the procedure says "pick a port that is listening"). */
export const MANAGEMENT_PORTS: readonly number[] = [22, 3389, 5985, 5986];

/**
 * Infrastructure ports that answer on every node whatever the load-balanced service does: kubelet
 * (10250, read-only 10255, healthz 10248), kube-proxy (metrics 10249, healthz 10256), the Azure Arc
 * agent (40342). A probe moved there proves the node's plumbing, not the service.
 */
export const INFRASTRUCTURE_PORTS: readonly number[] = [10248, 10249, 10250, 10255, 10256, 40342];

/** Kubernetes' default Service node port range (kube-apiserver `--service-node-port-range`). */
export const NODE_PORT_RANGE = { from: 30000, to: 32767 } as const;

function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = address
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return undefined;
  const parsed = ipaddr.parse(bare);
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()
    ? (parsed as ipaddr.IPv6).toIPv4Address()
    : parsed;
}

/**
 * How a bind address relates to the NIC IP. An address we cannot parse (and `*`) is treated as a
 * wildcard, and a specific address is reachable when the NIC IP is unknown: better to miss a cause
 * than to invent one.
 */
export function bindReach(address: string, nicIp: string | undefined): BindReach {
  const parsed = parseAddress(address);
  if (!parsed) return 'reachable';
  const range = parsed.range();
  if (range === 'unspecified') return 'reachable';
  if (range === 'loopback') return 'loopback';
  if (nicIp === undefined) return 'reachable';
  const nic = parseAddress(nicIp);
  return nic && nic.toString() === parsed.toString() ? 'reachable' : 'other-address';
}

/**
 * Why a listening port could serve the load-balanced service, the only grounds probe-doctor suggests
 * moving a probe on: the rule's own backend port, a port the process bound to the probe port also
 * listens on, or a Kubernetes node port kube-proxy serves (for a load balancer the cloud provider owns).
 */
export type AlternativeBasis = 'rule-backend-port' | 'same-process' | 'kube-proxy-node-port';

/** A port that is listening where the probe could reach it. */
export interface ListeningAlternative {
  port: number;
  address: string;
  process?: string;
  /**
   * A management or infrastructure port (SSH, RDP, WinRM, kubelet, kube-proxy health, host agents):
   * listed last, and never suggested unless it is the rule's backend port: it answers whatever the
   * service does.
   */
  management?: true;
  /** The evidence that this port serves the load-balanced service; absent: none, so never suggested. */
  basis?: AlternativeBasis;
}

/** What listens on the probe port, and which other ports could take the probe. */
export interface ListeningCheck {
  /** True when some TCP socket on the probe port is reachable at the NIC IP. */
  listening: boolean;
  /** Addresses the probe port is bound to (reachable or not). */
  boundTo: string[];
  /** Why the binds on the probe port miss the probe, when they all do. */
  missReason?: 'loopback' | 'other-address';
  alternatives: ListeningAlternative[];
}

/**
 * Checks the probe port and proposes alternatives: reachable TCP listeners on other ports, the rule's
 * backend port first (the likeliest intended target), then others ascending, management ports last.
 */
export function checkListening(
  sockets: ListeningSocket[],
  probePort: number,
  nicIp: string | undefined,
  backendPort?: number,
): ListeningCheck {
  const tcp = sockets.filter((socket) => socket.protocol === 'tcp');
  const onProbePort = tcp.filter((socket) => socket.port === probePort);
  const reaches = onProbePort.map((socket) => bindReach(socket.address, nicIp));
  const listening = reaches.includes('reachable');
  const check: ListeningCheck = {
    listening,
    boundTo: [...new Set(onProbePort.map((socket) => socket.address))],
    alternatives: alternatives(tcp, probePort, nicIp, backendPort, onProbePort),
  };
  if (!listening && reaches.length > 0)
    check.missReason = reaches.includes('other-address') ? 'other-address' : 'loopback';
  return check;
}

function basisOf(
  socket: ListeningSocket,
  backendPort: number | undefined,
  probePortProcesses: Set<string>,
): AlternativeBasis | undefined {
  if (socket.port === backendPort) return 'rule-backend-port';
  const process = socket.process?.toLowerCase();
  if (process && probePortProcesses.has(process) && process !== 'kube-proxy') return 'same-process';
  // `ss -ltn` names no process: a port in the node port range counts unless another process holds it.
  // Whether the pool is Kubernetes nodes at all is the caller's to check (the load balancer's owner).
  const inRange = socket.port >= NODE_PORT_RANGE.from && socket.port <= NODE_PORT_RANGE.to;
  if (inRange && (process === undefined || process === 'kube-proxy')) return 'kube-proxy-node-port';
  return undefined;
}

function alternatives(
  tcp: ListeningSocket[],
  probePort: number,
  nicIp: string | undefined,
  backendPort: number | undefined,
  onProbePort: ListeningSocket[],
): ListeningAlternative[] {
  // A process bound to the probe port where the probe cannot reach it (loopback, another address).
  const probePortProcesses = new Set(
    onProbePort.flatMap((s) => (s.process ? [s.process.toLowerCase()] : [])),
  );
  const byPort = new Map<number, ListeningAlternative>();
  for (const socket of tcp) {
    if (socket.port === probePort || byPort.has(socket.port)) continue;
    if (bindReach(socket.address, nicIp) !== 'reachable') continue;
    const alternative: ListeningAlternative = { port: socket.port, address: socket.address };
    if (socket.process !== undefined) alternative.process = socket.process;
    if (MANAGEMENT_PORTS.includes(socket.port) || INFRASTRUCTURE_PORTS.includes(socket.port))
      alternative.management = true;
    const basis = basisOf(socket, backendPort, probePortProcesses);
    if (basis) alternative.basis = basis;
    byPort.set(socket.port, alternative);
  }
  const rank = (a: ListeningAlternative): number => (a.port === backendPort ? 0 : a.management ? 2 : 1);
  return [...byPort.values()].sort((a, b) => rank(a) - rank(b) || a.port - b.port);
}
