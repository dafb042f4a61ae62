/**
 * Backends an NSG shuts off from every client, not only from the probe: a lockdown or quarantine.
 * Allowing only the probe there would put them back in rotation, and the load balancer would send
 * them client connections their NSG drops, where today those clients reach the backends still up. So
 * nothing is written for them: the plan says what it found and leaves the choice to the customer.
 */
import { clientReach, type ClientDenier, type ClientReach } from '../diagnose/nsg/index';
import { idKey } from '../model/ids';
import { probedRulesOf } from './recommend';
import type { BackendInfo, LoadBalancingRuleInfo, ProbeInfo, Topology } from '../model/topology';

type Denied = Extract<ClientReach, { kind: 'denied' }>;

/** A backend no client reaches on any port the probe's rules send it. */
export interface LockedOutBackend {
  backend: BackendInfo;
  /** Per port its rules send it: how many client addresses were tried, and the rules that denied them. */
  ports: Omit<Denied, 'kind'>[];
}

/**
 * The ports the load-balancing rules whose probe is on `probe`'s port (an NSG fix serves every probe on
 * it) send `backend` traffic on; `undefined` when one of them cannot be judged here: floating IP (the
 * packet keeps the frontend's address, not the backend's), HA ports (backend port 0: every port and
 * protocol), a UDP rule (the evaluation is TCP's), or no such rule sends the backend traffic.
 */
function clientPortsOf(topology: Topology, backend: BackendInfo, probe: ProbeInfo): number[] | undefined {
  const onPort = new Set(topology.probes.filter((p) => p.port === probe.port).map((p) => idKey(p.id)));
  const rules = probedRulesOf(topology, backend).filter((r) => onPort.has(idKey(r.probeId as string)));
  const judged = (r: LoadBalancingRuleInfo) =>
    !r.enableFloatingIP && r.backendPort !== 0 && r.protocol === 'Tcp';
  if (rules.length === 0 || !rules.every(judged)) return undefined;
  return [...new Set(rules.map((r) => r.backendPort))];
}

/**
 * Splits the backends an NSG fix is for into those no client reaches on any of their rules' ports
 * (`locked`) and the rest, which the probe's allow rule serves as before.
 */
export function splitLockedOut(
  topology: Topology,
  backends: readonly BackendInfo[],
  probe: ProbeInfo,
  /** Answers already worked out in this plan, by backend and port (a backend sits in one group per NSG level). */
  cache: Map<string, ClientReach> = new Map(),
): { locked: LockedOutBackend[]; rest: BackendInfo[] } {
  const locked: LockedOutBackend[] = [];
  const rest: BackendInfo[] = [];
  for (const backend of backends) {
    const flows = clientPortsOf(topology, backend, probe);
    const reach = (flows ?? []).map((port) => {
      const key = `${idKey(backend.key)}|${port}`;
      const known = cache.get(key) ?? clientReach(topology, backend, port);
      cache.set(key, known);
      return known;
    });
    const denied = reach.filter((r): r is Denied => r.kind === 'denied');
    if (flows !== undefined && denied.length === reach.length) {
      locked.push({ backend, ports: denied.map(({ kind: _kind, ...rest }) => rest) });
    } else {
      rest.push(backend);
    }
  }
  return { locked, rest };
}

/** The rules that deny the clients, each once, in the order they were found. */
export function denyingRulesOf(locked: readonly LockedOutBackend[]): ClientDenier[] {
  const rules = new Map<string, ClientDenier>();
  for (const { ports } of locked) {
    for (const { deniedBy } of ports) {
      for (const d of deniedBy) rules.set(idKey(`${d.nsgName}/${d.ruleName}`), d);
    }
  }
  return [...rules.values()];
}

/** The highest precedence a custom security rule can have: no allow can be placed above it. */
const TOP_PRIORITY = 100;

/**
 * What "let the clients in" means where a denying rule sits at priority 100: no allow can outrank it,
 * so that rule itself has to change.
 */
function unbeatable(denying: readonly ClientDenier[]): string {
  const names = denying.filter((d) => d.priority <= TOP_PRIORITY).map((d) => `${d.ruleName} in ${d.nsgName}`);
  if (names.length === 0) return '';
  return (
    `: no rule can be placed above ${names.join(' or ')} (priority ${TOP_PRIORITY}, the highest a rule can have), ` +
    `so ${names.length === 1 ? 'that rule' : 'those rules'} must change: narrowed to the sources ${names.length === 1 ? 'it is' : 'they are'} ` +
    `meant to stop, or moved to a larger number below an allow for the clients and the probe`
  );
}

/**
 * Why nothing is written for `locked`, and what the customer can do instead: the likely case first (a
 * backend shut off on purpose needs no change), then what to do if it should serve.
 *
 * @param nsgName - the NSG that blocks the probe.
 */
export function lockedOutReason(
  nsgName: string,
  probe: ProbeInfo,
  locked: readonly LockedOutBackend[],
): string {
  const ports = [...new Set(locked.flatMap((l) => l.ports.map((p) => p.port)))].sort((a, b) => a - b);
  const one = locked.length === 1;
  const who = one ? 'this backend' : `these ${locked.length} backends`;
  const it = one ? 'it' : 'them';
  const rules = denyingRulesOf(locked);
  const denying = rules.map((d) => `${d.ruleName} (priority ${d.priority}) in ${d.nsgName}`);
  // One rule that ends every allow at its level denies everyone by itself; several share the work.
  const byOne = denying.length === 1 && locked.every((l) => l.ports.every((p) => p.triedCount === 0));
  const nsgs = [...new Set([nsgName, ...rules.map((d) => d.nsgName)])];
  return (
    `nothing written: the NSGs let no client in either (` +
    (byOne
      ? `${denying[0]} denies every client on TCP ${ports.join(', ')}`
      : `every client on TCP ${ports.join(', ')} is denied, by ${denying.join('; ')}`) +
    `), so ${who} ${one ? 'looks' : 'look'} shut off on purpose, and an allow ` +
    `for the probe alone would put ${it} back in rotation with ${one ? 'its' : 'their'} client connections dropped. ` +
    `If ${one ? 'it is' : 'they are'} meant to be out, nothing needs to change: the failing probe keeps ${it} out of ` +
    `rotation (take ${it} out of the backend pool to end the alert). If ${one ? 'it' : 'they'} should serve, let the ` +
    `clients in to TCP ${ports.join(', ')} together with the probe (port ${probe.port}) in ${nsgs.join(' and ')}` +
    unbeatable(rules)
  );
}
