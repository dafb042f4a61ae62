/**
 * The change gate's verdicts (pure): for every load balancer the planned edits touch, whether each
 * probe still reaches each backend after them. The NSG path is the diagnosis's own evaluator
 * (`evaluateProbeInbound`, src/diagnose/nsg); whether something listens on the probe port comes from
 * the snapshot's guest facts when it has them. Only what the change makes worse is a break: a probe
 * that already fails is reported as such, not blamed on the change.
 */
import { evaluateProbeInbound } from '../diagnose/nsg';
import { idKey, sameId } from '../model/ids';
import type { BackendInfo, ProbeInfo, Topology } from '../model/topology';
import { applyEdits, resolveNsg, type AppliedTopology } from './apply';
import type { PlannedEdit } from './changes';

/** What the snapshot knows of a VM's listeners (a scenario's `guests[].listening`). */
export interface GuestListeners {
  listening: { protocol: string; address: string; port: number }[];
}

export type ProbeOutcome = 'keeps-working' | 'breaks' | 'cannot-decide' | 'already-failing';

/** The rule that would block the probe, and where. */
export interface BlockingRule {
  nsgId: string;
  nsgName: string;
  level: 'subnet' | 'nic';
  ruleName: string;
  priority: number;
  access: 'Allow' | 'Deny';
}

export interface ProbeCheck {
  loadBalancerId: string;
  loadBalancerName: string;
  probe: string;
  /** The probe's protocol after the change: an HTTP(S) probe also needs its path to answer 200. */
  protocol: ProbeInfo['protocol'];
  port: number;
  /** HTTP(S) probes: the path asked for. */
  requestPath?: string;
  outcome: ProbeOutcome;
  /** The backends (NIC IP configuration ids) the outcome is about. */
  backends: string[];
  /** Why: the blocking rule, nothing listening, or the unknown values. */
  reason: string;
  blockingRule?: BlockingRule;
  /** The plan's resource addresses (or what-if resource ids) behind the outcome. */
  changes: string[];
  /** The smallest change that keeps the probe working. */
  fix?: string;
}

export interface ChangeCheckResult {
  checks: ProbeCheck[];
  /** Edits that touch no load balancer in the state, by address. */
  untouched: string[];
  /** Edits with values only known after apply, by address, with those values. */
  unknown: { address: string; values: string[] }[];
}

function listens(
  guests: Readonly<Record<string, GuestListeners>> | undefined,
  backend: BackendInfo,
  port: number,
): boolean | undefined {
  const guest = backend.vmId && guests ? guests[idKey(backend.vmId)] : undefined;
  if (!guest) return undefined;
  return guest.listening.some(
    (l) =>
      l.protocol.toLowerCase() === 'tcp' &&
      l.port === port &&
      ['0.0.0.0', '::', '*', '[::]', backend.ipAddress].includes(l.address),
  );
}

function backendsOf(topology: Topology, probe: ProbeInfo): BackendInfo[] {
  const pools = new Set(
    topology.rules.filter((r) => sameId(r.probeId, probe.id)).flatMap((r) => r.backendPoolIds.map(idKey)),
  );
  return topology.backends.filter((b) => b.poolIds.some((p) => pools.has(idKey(p))));
}

/** A free inbound priority just above (numerically below) `blocking` in that NSG. */
function freePriorityBelow(topology: Topology, nsgId: string, blocking: number): number | undefined {
  const used = new Set(
    (topology.nsgs[idKey(nsgId)]?.securityRules ?? [])
      .filter((r) => r.direction === 'Inbound')
      .map((r) => r.priority),
  );
  for (let p = blocking - 1; p >= 100; p--) if (!used.has(p)) return p;
  return undefined;
}

interface BackendVerdict {
  ok: boolean;
  nsgBlocked?: BlockingRule;
  notListening?: boolean;
}

function verdictOf(
  topology: Topology,
  backend: BackendInfo,
  probe: ProbeInfo,
  guests: Readonly<Record<string, GuestListeners>> | undefined,
): BackendVerdict {
  const path = evaluateProbeInbound(topology, backend, probe);
  const blocked = path.blockedBy;
  const nsgBlocked = blocked
    ? {
        nsgId: blocked.nsgId,
        nsgName: blocked.nsgName,
        level: blocked.level,
        ruleName: blocked.rule.name,
        priority: blocked.rule.priority,
        access: blocked.access,
      }
    : undefined;
  const notListening = listens(guests, backend, probe.port) === false;
  return {
    ok: path.allowed && !notListening,
    ...(nsgBlocked ? { nsgBlocked } : {}),
    ...(notListening ? { notListening } : {}),
  };
}

/** NSG keys on a backend's probe path, in either topology. */
function pathNsgs(topologies: Topology[], backend: BackendInfo): string[] {
  return topologies.flatMap((t) => {
    const b = t.backends.find((x) => x.key === backend.key) ?? backend;
    const subnet = b.subnetId ? t.subnets[idKey(b.subnetId)] : undefined;
    const nic = b.nicId ? t.nics[idKey(b.nicId)] : undefined;
    return [subnet?.nsgId, nic?.nsgId].filter((x): x is string => !!x).map(idKey);
  });
}

/** Edits with unknown values that could touch this backend's probe path. */
function unknownFor(
  edits: readonly PlannedEdit[],
  before: Topology,
  applied: AppliedTopology,
  backend: BackendInfo,
): PlannedEdit[] {
  const nsgs = pathNsgs([before, applied.after], backend);
  return edits.filter((e) => {
    if (e.unknown.length === 0) return false;
    const target = e.unknownTarget;
    if (!target) return true;
    if (target.loadBalancerId) return sameId(target.loadBalancerId, before.loadBalancer.id);
    const key = target.nsg ? resolveNsg(before, target.nsg) : undefined;
    return key !== undefined && nsgs.includes(key);
  });
}

/** Checks one load balancer's probes against the edits. */
export function checkLoadBalancer(
  before: Topology,
  edits: readonly PlannedEdit[],
  guests?: Readonly<Record<string, GuestListeners>>,
): { checks: ProbeCheck[]; touchedBy: PlannedEdit[] } {
  const applied = applyEdits(before, edits);
  const after = applied.after;
  const checks: ProbeCheck[] = [];
  const unknownTouch = new Set<PlannedEdit>();
  for (const probe of after.probes) {
    const probeBefore = before.probes.find((p) => sameId(p.id, probe.id));
    const groups = new Map<string, ProbeCheck>();
    const add = (key: string, make: () => ProbeCheck, backend: string) => {
      const check = groups.get(key) ?? make();
      check.backends.push(backend);
      groups.set(key, check);
    };
    const base = {
      loadBalancerId: after.loadBalancer.id,
      loadBalancerName: after.loadBalancer.name,
      probe: probe.name,
      protocol: probe.protocol,
      port: probe.port,
      ...(probe.protocol !== 'Tcp' && probe.requestPath ? { requestPath: probe.requestPath } : {}),
    };
    for (const backend of backendsOf(after, probe)) {
      const backendBefore = before.backends.find((b) => b.key === backend.key);
      const unknown = unknownFor(edits, before, applied, backend);
      const unresolved = applied.unresolved.filter(({ edit: { edit } }) =>
        edit?.kind === 'associate-subnet-nsg'
          ? sameId(edit.subnetId, backend.subnetId)
          : edit?.kind === 'associate-nic-nsg' && sameId(edit.nicId, backend.nicId),
      );
      if (unknown.length === 0 && unresolved.length > 0) {
        add(
          'unresolved',
          () => ({
            ...base,
            outcome: 'cannot-decide',
            backends: [],
            reason: `cannot be decided from this state: ${unresolved.map((u) => `${u.edit.source.address} associates ${u.reason}`).join('; ')}`,
            changes: unresolved.map((u) => u.edit.source.address),
          }),
          backend.key,
        );
        continue;
      }
      if (unknown.length > 0) {
        unknown.forEach((u) => unknownTouch.add(u));
        add(
          'unknown',
          () => ({
            ...base,
            outcome: 'cannot-decide',
            backends: [],
            reason: `cannot be decided before apply: ${unknown.map((u) => `${u.source.address} (${u.unknown.join(', ')})`).join('; ')}`,
            changes: unknown.map((u) => u.source.address),
          }),
          backend.key,
        );
        continue;
      }
      const was =
        probeBefore && backendBefore ? verdictOf(before, backendBefore, probeBefore, guests) : undefined;
      const now = verdictOf(after, backend, probe, guests);
      if (now.ok) {
        add(
          'ok',
          () => ({
            ...base,
            outcome: 'keeps-working',
            backends: [],
            reason: 'the probe reaches the backend',
            changes: [],
          }),
          backend.key,
        );
        continue;
      }
      const why = now.nsgBlocked
        ? `${now.nsgBlocked.nsgName} (${now.nsgBlocked.level}) rule ${now.nsgBlocked.ruleName} at ${now.nsgBlocked.priority} denies TCP ${probe.port} from AzureLoadBalancer (168.63.129.16)`
        : `nothing listens on TCP ${probe.port} on the backend (snapshot guest facts)`;
      if (was && !was.ok) {
        add(
          `failing|${why}`,
          () => ({
            ...base,
            outcome: 'already-failing',
            backends: [],
            reason: `already fails before the change: ${why}`,
            changes: [],
          }),
          backend.key,
        );
        continue;
      }
      const blocking = now.nsgBlocked;
      const behind = blocking
        ? (applied.nsgEdits.get(idKey(blocking.nsgId)) ?? applied.touchedBy)
        : applied.lbEdits.length > 0
          ? applied.lbEdits
          : applied.touchedBy;
      const fix = blocking
        ? (() => {
            const priority = freePriorityBelow(after, blocking.nsgId, blocking.priority);
            return priority === undefined
              ? `no free priority below ${blocking.priority} in ${blocking.nsgName}: move ${blocking.ruleName} to a higher number`
              : `add to ${blocking.nsgName} an inbound Allow rule: source AzureLoadBalancer, protocol Tcp, destination port ${probe.port}, priority ${priority}`;
          })()
        : probeBefore && probeBefore.port !== probe.port
          ? `keep probe ${probe.name} on port ${probeBefore.port}, where the backends listen, or make them listen on ${probe.port} before the change`
          : `make the backends listen on TCP ${probe.port}`;
      add(
        `breaks|${why}`,
        () => ({
          ...base,
          outcome: 'breaks',
          backends: [],
          reason: why,
          ...(blocking ? { blockingRule: blocking } : {}),
          changes: behind.map((e) => e.source.address),
          fix,
        }),
        backend.key,
      );
    }
    checks.push(...groups.values());
  }
  return { checks, touchedBy: [...applied.touchedBy, ...unknownTouch] };
}

/** Checks every load balancer the edits touch. */
export function checkChange(
  topologies: readonly Topology[],
  edits: readonly PlannedEdit[],
  guests?: Readonly<Record<string, GuestListeners>>,
): ChangeCheckResult {
  const checks: ProbeCheck[] = [];
  const used = new Set<PlannedEdit>();
  for (const topology of topologies) {
    const result = checkLoadBalancer(topology, edits, guests);
    if (result.touchedBy.length === 0) continue;
    result.touchedBy.forEach((e) => used.add(e));
    checks.push(...result.checks);
  }
  return {
    checks,
    untouched: edits.filter((e) => !used.has(e)).map((e) => e.source.address),
    unknown: edits
      .filter((e) => e.unknown.length > 0)
      .map((e) => ({ address: e.source.address, values: e.unknown })),
  };
}
