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

/** A port that is listening where the probe could reach it. */
export interface ListeningAlternative {
  port: number;
  address: string;
  process?: string;
  /** A management port: listed last, and changing the probe to it would only prove SSH/RDP is up. */
  management?: true;
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
    alternatives: alternatives(tcp, probePort, nicIp, backendPort),
  };
  if (!listening && reaches.length > 0)
    check.missReason = reaches.includes('other-address') ? 'other-address' : 'loopback';
  return check;
}

function alternatives(
  tcp: ListeningSocket[],
  probePort: number,
  nicIp: string | undefined,
  backendPort: number | undefined,
): ListeningAlternative[] {
  const byPort = new Map<number, ListeningAlternative>();
  for (const socket of tcp) {
    if (socket.port === probePort || byPort.has(socket.port)) continue;
    if (bindReach(socket.address, nicIp) !== 'reachable') continue;
    const alternative: ListeningAlternative = { port: socket.port, address: socket.address };
    if (socket.process !== undefined) alternative.process = socket.process;
    if (MANAGEMENT_PORTS.includes(socket.port)) alternative.management = true;
    byPort.set(socket.port, alternative);
  }
  const rank = (a: ListeningAlternative): number => (a.port === backendPort ? 0 : a.management ? 2 : 1);
  return [...byPort.values()].sort((a, b) => rank(a) - rank(b) || a.port - b.port);
}
