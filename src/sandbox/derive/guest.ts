/**
 * What the inside of a VM does with one inbound TCP connection: firewall (first match wins, default
 * allow), the reply's route, and the listener. Shared by the probe model and the peer flow model.
 */
import { contains } from '../truth/address';
import type { GuestState } from '../scenario';

/** The guest's answer: accepted, silently dropped (the sender times out), or reset (RST). */
export type GuestOutcome =
  | { outcome: 'accept' }
  | { outcome: 'drop' | 'reset'; stage: 'vm' | 'firewall' | 'route' | 'listener'; detail: string };

/** Device name of the NIC at `index` in the VM's network profile, as the guest calls it. */
export function deviceName(os: GuestState['os'], index: number): string {
  if (os === 'linux') return `eth${index}`;
  return index === 0 ? 'Ethernet' : `Ethernet ${index + 1}`;
}

function routeBits(destination: string): number | undefined {
  if (destination === 'default' || destination === '0.0.0.0/0') return 0;
  if (!destination.includes('/')) return 32;
  const bits = Number(destination.split('/')[1]);
  return Number.isInteger(bits) ? bits : undefined;
}

/**
 * The device the reply to `peerIp` leaves by: the longest matching guest route; `arrived` when the
 * scenario gives no routes (every reply leaves by the NIC it came in on); undefined when none matches.
 */
export function replyDevice(guest: GuestState, peerIp: string, arrived: string): string | undefined {
  if (guest.routes === undefined) return arrived;
  let best: { device: string; bits: number } | undefined;
  for (const route of guest.routes) {
    const bits = routeBits(route.destination);
    if (bits === undefined) continue;
    const prefix =
      bits === 0
        ? '0.0.0.0/0'
        : route.destination.includes('/')
          ? route.destination
          : `${route.destination}/32`;
    if (contains(prefix, peerIp) && (!best || bits > best.bits)) best = { device: route.device, bits };
  }
  return best?.device;
}

/** Addresses a listener accepts a connection to `nicIp` on: wildcards and the NIC's own address. */
function listenerAccepts(address: string, nicIp: string | undefined): boolean {
  const a = address.replace(/^\[|\]$/g, '');
  return a === '0.0.0.0' || a === '::' || a === '*' || (nicIp !== undefined && a === nicIp);
}

/**
 * Follows one TCP connection from `sourceIp` to `nicIp:port` arriving on the NIC at `nicIndex`.
 * Order: power state, firewall, the reply's route, the listener.
 */
export function guestAccepts(
  guest: GuestState,
  nicIndex: number,
  nicIp: string | undefined,
  sourceIp: string,
  port: number,
): GuestOutcome {
  if (guest.powerState !== 'running') {
    return { outcome: 'drop', stage: 'vm', detail: `the VM is ${guest.powerState}` };
  }
  const rule = guest.firewall.find(
    (e) =>
      (e.protocol === 'tcp' || e.protocol === 'any') &&
      (e.port === undefined || e.port === port) &&
      (e.source === undefined || contains(e.source.includes('/') ? e.source : `${e.source}/32`, sourceIp)),
  );
  if (rule && rule.action !== 'allow') {
    const what = `guest firewall ${rule.action}s tcp/${rule.port ?? 'any'} from ${rule.source ?? 'any'}`;
    return { outcome: rule.action === 'deny' ? 'drop' : 'reset', stage: 'firewall', detail: what };
  }
  const arrived = deviceName(guest.os, nicIndex);
  const leaves = replyDevice(guest, sourceIp, arrived);
  if (leaves !== arrived) {
    const how = leaves ? `leaves by ${leaves}` : 'has no route';
    return {
      outcome: 'drop',
      stage: 'route',
      detail: `the reply to ${sourceIp} ${how}, not ${arrived} where the SYN arrived`,
    };
  }
  const listening = guest.listening.filter((l) => l.protocol === 'tcp' && l.port === port);
  if (!listening.some((l) => listenerAccepts(l.address, nicIp))) {
    const bound = listening.map((l) => l.address).join(', ');
    const detail = bound
      ? `port ${port} listens only on ${bound}, not ${nicIp ?? 'the NIC address'}`
      : `nothing listens on tcp/${port}`;
    return { outcome: 'reset', stage: 'listener', detail };
  }
  return { outcome: 'accept' };
}
