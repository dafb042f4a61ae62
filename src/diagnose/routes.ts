/**
 * Seed cause 4, Azure routing. User-defined routes do not apply to 168.63.129.16 (the host's virtual
 * IP, what-is-ip-address-168-63-129-16), so no effective route is ever blamed for a failing probe,
 * not even 0.0.0.0/0 through an appliance. Routes matter for the PsPing/TCPing validation from a peer
 * VM, which UDRs do govern: those are reported as a note so a failed validation is read right.
 */
import ipaddr from 'ipaddr.js';
import type { EffectiveRoute } from '../model/evidence';
import type { Note } from '../model/report';

/** Next hops that keep traffic inside the virtual network (or its peerings) without a detour. */
const DIRECT_NEXT_HOPS = new Set(['vnetlocal', 'vnetpeering', 'virtualnetworkpeering']);

/** The active effective route for `ip`: longest matching prefix. */
export function selectEffectiveRoute(routes: EffectiveRoute[], ip: string): EffectiveRoute | undefined {
  if (!ipaddr.isValid(ip)) return undefined;
  const target = ipaddr.parse(ip);
  let best: { route: EffectiveRoute; length: number } | undefined;
  for (const route of routes) {
    if (route.state.toLowerCase() !== 'active') continue;
    for (const prefix of route.addressPrefixes) {
      if (!ipaddr.isValidCIDR(prefix)) continue;
      const [network, length] = ipaddr.parseCIDR(prefix);
      if (network.kind() !== target.kind() || !target.match(network, length)) continue;
      if (!best || length > best.length) best = { route, length };
    }
  }
  return best?.route;
}

export interface PeerPathInput {
  backendName: string;
  backendIp: string;
  peerName: string;
  peerIp: string;
  /** Effective routes of the backend's NIC (its reply to the peer). */
  backendRoutes?: EffectiveRoute[];
  /** Effective routes of the peer's NIC (its request to the backend). */
  peerRoutes?: EffectiveRoute[];
}

function describeHop(route: EffectiveRoute): string {
  const via = route.nextHopIpAddresses.length > 0 ? ` ${route.nextHopIpAddresses.join(', ')}` : '';
  return `${route.addressPrefixes.join(', ')} -> ${route.nextHopType}${via} (${route.source})`;
}

/**
 * A `peerPathRoutes` note when a route takes the peer-to-backend validation path (either way) out of
 * the virtual network's direct delivery; undefined when both directions are delivered directly or no
 * routes are known.
 */
export function peerPathRoutes(input: PeerPathInput): Note | undefined {
  const legs: { direction: string; route: EffectiveRoute }[] = [];
  const forward = input.peerRoutes ? selectEffectiveRoute(input.peerRoutes, input.backendIp) : undefined;
  const back = input.backendRoutes ? selectEffectiveRoute(input.backendRoutes, input.peerIp) : undefined;
  if (forward && !DIRECT_NEXT_HOPS.has(forward.nextHopType.toLowerCase())) {
    legs.push({ direction: `${input.peerName} -> ${input.backendName}`, route: forward });
  }
  if (back && !DIRECT_NEXT_HOPS.has(back.nextHopType.toLowerCase())) {
    legs.push({ direction: `${input.backendName} -> ${input.peerName}`, route: back });
  }
  if (legs.length === 0) return undefined;
  return {
    id: 'peerPathRoutes',
    summary: `Effective routes change the validation path between ${input.peerName} (${input.peerIp}) and ${input.backendName} (${input.backendIp}): ${legs
      .map((leg) => `${leg.direction} uses ${describeHop(leg.route)}`)
      .join(
        '; ',
      )}; these routes do not apply to the probe from 168.63.129.16, so a failed peer TCP test here does not explain the probe.`,
    evidence: {
      legs: legs.map((leg) => ({ direction: leg.direction, route: leg.route })),
    },
  };
}
