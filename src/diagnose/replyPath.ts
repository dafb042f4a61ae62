/**
 * Seed cause 4 inside the guest: the probe's reply to 168.63.129.16 must leave by the interface the
 * probe arrived on (the NIC whose IP was probed). A secondary NIC in the pool on a VM whose guest
 * routes send everything out of the primary NIC answers from the wrong interface, and Azure drops it.
 * Linux guests that route secondary NICs correctly do so with policy rules (`ip rule add from <NIC IP>
 * table N`), which only the `ip route get 168.63.129.16 from <NIC IP>` lookup shows: that one wins.
 */
import ipaddr from 'ipaddr.js';
import type { GuestEvidence, GuestRoute } from '../model/evidence';
import { idKey } from '../model/ids';
import type { BackendInfo, Topology } from '../model/topology';

/** The probe's source address (IPv4 probes). */
export const PROBE_SOURCE_IP = '168.63.129.16';

function routePrefix(destination: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  const text = destination.trim().toLowerCase();
  if (text === 'default') return [ipaddr.parse('0.0.0.0'), 0];
  if (ipaddr.isValidCIDR(text)) return ipaddr.parseCIDR(text);
  if (ipaddr.isValid(text)) {
    const address = ipaddr.parse(text);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  }
  return undefined;
}

/** The route the guest uses for `destination`: longest matching prefix, first listed on a tie. */
export function selectRoute(
  routes: GuestRoute[],
  destination: string = PROBE_SOURCE_IP,
): GuestRoute | undefined {
  const target = ipaddr.parse(destination);
  let best: { route: GuestRoute; length: number } | undefined;
  for (const route of routes) {
    const prefix = routePrefix(route.destination);
    if (!prefix || prefix[0].kind() !== target.kind() || !target.match(prefix)) continue;
    if (!best || prefix[1] > best.length) best = { route, length: prefix[1] };
  }
  return best?.route;
}

/**
 * The guest device the probe arrives on: the interface that carries the NIC's IP when the evidence
 * lists interfaces, otherwise the device named after the NIC's position in the VM's network profile
 * (`eth0`, `eth1` on Linux; `Ethernet`, `Ethernet 2` on Windows).
 */
export function arrivalDevice(
  topology: Topology,
  backend: BackendInfo,
  guest: GuestEvidence,
): string | undefined {
  if (backend.ipAddress !== undefined && guest.interfaces) {
    const owner = guest.interfaces.find((nic) =>
      nic.addresses.some((address) => address.split('/')[0] === backend.ipAddress),
    );
    if (owner) return owner.name;
  }
  const vm = backend.vmId ? topology.vms[idKey(backend.vmId)] : undefined;
  const nicId = backend.nicId;
  const index = vm && nicId ? vm.nicIds.findIndex((candidate) => idKey(candidate) === idKey(nicId)) : -1;
  if (index < 0) return undefined;
  if (guest.os === 'windows') return index === 0 ? 'Ethernet' : `Ethernet ${index + 1}`;
  return `eth${index}`;
}

/** Whether a route's device names the arrival device (Windows route tables name the interface by its IP). */
function sameDevice(routeDevice: string, device: string, backend: BackendInfo): boolean {
  if (routeDevice.toLowerCase() === device.toLowerCase()) return true;
  return backend.ipAddress !== undefined && routeDevice === backend.ipAddress;
}

/** The reply path, when the guest routes send it out of another device than it came in on. */
export interface ReplyDiversion {
  arrivesOn: string;
  leavesBy: string;
  route: GuestRoute;
}

/**
 * The route the reply to the probe takes: the `from` lookup for the NIC address when the guest reported
 * one (it is what the kernel does for a reply sourced from that address, policy rules included),
 * otherwise the best plain route. Lookups made from another source address say nothing about this NIC.
 */
export function replyRoute(
  routes: GuestRoute[],
  nicAddress: string | undefined,
  destination: string = PROBE_SOURCE_IP,
): GuestRoute | undefined {
  if (nicAddress !== undefined) {
    const fromNic = selectRoute(
      routes.filter((route) => route.from === nicAddress),
      destination,
    );
    if (fromNic) return fromNic;
  }
  return selectRoute(
    routes.filter((route) => route.from === undefined),
    destination,
  );
}

/** Undefined when the evidence has no routes, the arrival device is unknown, or the reply leaves right. */
export function findReplyDiversion(
  topology: Topology,
  backend: BackendInfo,
  guest: GuestEvidence,
): ReplyDiversion | undefined {
  if (!guest.routes || guest.routes.length === 0) return undefined;
  const arrivesOn = arrivalDevice(topology, backend, guest);
  const route = replyRoute(guest.routes, backend.ipAddress);
  if (arrivesOn === undefined || route === undefined) return undefined;
  if (sameDevice(route.device, arrivesOn, backend)) return undefined;
  return { arrivesOn, leavesBy: route.device, route };
}
