/**
 * Backends an NSG shuts off from every client, not only from the probe: a lockdown or quarantine.
 * Allowing only the probe there would put them back in rotation, and the load balancer would send
 * them client connections their NSG drops, where today those clients reach the backends still up. So
 * nothing is written for them: the plan says what it found and leaves the choice to the customer
 * (let the clients in as well, or take the backends out of the pool).
 */
import { clientReach, type ClientTried } from '../diagnose/nsg/index';
import { sameId } from '../model/ids';
import type { BackendInfo, ProbeInfo, Topology } from '../model/topology';
import { PROBE_SOURCE_TAG } from './allowRule';

/** A backend no client reaches on any port the probe's rules send it. */
export interface LockedOutBackend {
  backend: BackendInfo;
  /** Per port its rules send it (the rule's backend port; the probe's port for HA ports): what was tried. */
  ports: { port: number; tried: ClientTried[] }[];
}

/**
 * The ports the load-balancing rules that use `probe` send `backend` traffic on; `undefined` when one
 * of them cannot be judged here (floating IP: the packet keeps the frontend's address, which is not
 * the backend's) or no rule uses the probe for the backend.
 */
function clientPortsOf(topology: Topology, backend: BackendInfo, probe: ProbeInfo): number[] | undefined {
  const rules = topology.rules.filter(
    (r) =>
      r.probeId !== undefined &&
      sameId(r.probeId, probe.id) &&
      r.backendPoolIds.some((pool) => backend.poolIds.some((own) => sameId(own, pool))),
  );
  if (rules.length === 0 || rules.some((r) => r.enableFloatingIP)) return undefined;
  // Backend port 0 is an HA-ports rule: every port; the probe's stands for them.
  return [...new Set(rules.map((r) => (r.backendPort === 0 ? probe.port : r.backendPort)))];
}

/**
 * Splits the backends an NSG fix is for into those no client reaches on any of their rules' ports
 * (`locked`) and the rest, which the probe's allow rule serves as before.
 */
export function splitLockedOut(
  topology: Topology,
  backends: readonly BackendInfo[],
  probe: ProbeInfo,
): { locked: LockedOutBackend[]; rest: BackendInfo[] } {
  const locked: LockedOutBackend[] = [];
  const rest: BackendInfo[] = [];
  for (const backend of backends) {
    const ports = clientPortsOf(topology, backend, probe);
    const reach = (ports ?? []).map((port) => clientReach(topology, backend, port));
    const denied = reach.flatMap((r) => (r.kind === 'denied' ? [{ port: r.port, tried: r.tried }] : []));
    if (ports !== undefined && denied.length === reach.length && denied.every((d) => d.tried.length > 0)) {
      locked.push({ backend, ports: denied });
    } else {
      rest.push(backend);
    }
  }
  return { locked, rest };
}

/** The rules that denied the clients tried, each once: `DenyAllInbound-Quarantine (priority 200, nsg-web-0-nic)`. */
function denyingRules(locked: readonly LockedOutBackend[]): string[] {
  const names = new Set<string>();
  for (const { ports } of locked) {
    for (const { tried } of ports) {
      for (const { deniedBy } of tried) {
        names.add(`${deniedBy.ruleName} (priority ${deniedBy.priority}, ${deniedBy.nsgName})`);
      }
    }
  }
  return [...names];
}

/**
 * Why nothing is written for `locked`, and what the customer can do instead.
 *
 * @param nsgName - the NSG that blocks the probe.
 */
export function lockedOutReason(
  nsgName: string,
  probe: ProbeInfo,
  locked: readonly LockedOutBackend[],
): string {
  const ports = [...new Set(locked.flatMap((l) => l.ports.map((p) => p.port)))].sort((a, b) => a - b);
  const sources = [...new Set(locked.flatMap((l) => l.ports.flatMap((p) => p.tried.map((t) => t.source))))];
  const who = locked.length === 1 ? 'this backend' : `these ${locked.length} backends`;
  return (
    `NSG ${nsgName} blocks the probe, and the NSGs on the path deny every client source they name as well ` +
    `(${sources.join(', ')} to port ${ports.join(', ')}: denied by ${denyingRules(locked).join('; ')}): ` +
    `${who} ${locked.length === 1 ? 'is' : 'are'} shut off from clients, not only from the probe. Allowing only ${PROBE_SOURCE_TAG} to port ` +
    `${probe.port} would put ${who} back in rotation and send ${locked.length === 1 ? 'it' : 'them'} client ` +
    `connections the NSG drops, so nothing is written. If ${who} should serve, allow your clients to port ` +
    `${ports.join(', ')} together with the probe; if ${locked.length === 1 ? 'it is' : 'they are'} shut off on ` +
    `purpose, take ${locked.length === 1 ? 'it' : 'them'} out of the backend pool`
  );
}
