/**
 * Backends down by design: a probe that fails on purpose is not a fault, so it gets no cause, no fix,
 * no ticket, and the run is not escalated for it (docs/probe-facts.md, "Down by design").
 *
 * - A listener that moves between nodes (SQL Server Always On availability group listener, failover
 *   cluster instance): on a floating-IP rule only the active node listens on the probe port, so the
 *   probe finds the one node that should take the traffic. One member up and every other member not
 *   listening on the probe port at all is that shape.
 * - A node behind a Kubernetes Service with `externalTrafficPolicy: Local` and no local endpoint:
 *   kube-proxy's health check node port answers 503 with `"localEndpoints": 0`, on purpose.
 */
import { idKey, indexById, sameId } from '../model/ids';
import type { Cause, DownByDesignShape, Note } from '../model/report';
import type { Topology } from '../model/topology';
import type { BackendProbeStatus } from './health';

/** One backend's diagnosis on one rule, as {@link listenerOnActiveNodeOnly} reads and rewrites it. */
export interface RuleBackendDiagnosis {
  backendKey: string;
  ruleId?: string;
  causes: Cause[];
  notes?: Note[];
  /** Set when the backend is down by design on this rule. */
  expectedDown?: boolean;
}

/** Nothing at all bound to the probe port (a loopback-only bind is a fault, not a moved listener). */
const notListeningAtAll = (c: Cause, port: number): boolean =>
  c.id === 'not-listening' &&
  c.evidence?.port === port &&
  Array.isArray(c.evidence.boundTo) &&
  c.evidence.boundTo.length === 0;

/**
 * Marks the passive members of a floating-IP rule as down by design when exactly one member is up and
 * every other member's only cause is that nothing listens on the probe port. Returns the diagnoses
 * (rewritten: the `not-listening` cause becomes a note) and one load-balancer note per such rule.
 */
export function listenerOnActiveNodeOnly(
  topology: Topology,
  statuses: readonly BackendProbeStatus[],
  diagnoses: RuleBackendDiagnosis[],
): { diagnoses: RuleBackendDiagnosis[]; notes: Note[] } {
  const notes: Note[] = [];
  let out = diagnoses;
  for (const rule of topology.rules) {
    if (!rule.enableFloatingIP || !rule.probeId) continue;
    const probe = topology.probes.find((p) => sameId(p.id, rule.probeId));
    if (!probe) continue;
    const mine = statuses.filter((s) => sameId(s.ruleId, rule.id));
    if (mine.length < 2) continue;
    const up = mine.filter((s) => s.state === 'up');
    const others = mine.filter((s) => s.state !== 'up');
    if (up.length !== 1 || others.length === 0) continue;
    const ruleDiagnoses = indexById(
      out.filter((d) => sameId(d.ruleId, rule.id)),
      (d) => d.backendKey,
    );
    const passive = others.map((s) => ruleDiagnoses.get(idKey(s.backendKey)));
    const allPassive = passive.every(
      (d) =>
        d !== undefined && d.causes.length > 0 && d.causes.every((c) => notListeningAtAll(c, probe.port)),
    );
    if (!allPassive) continue;
    const active = topology.backends.find((b) => idKey(b.key) === idKey(up[0]!.backendKey));
    const activeName = active?.ipAddress ?? up[0]!.backendKey;
    const why = `rule ${rule.name} uses floating IP and only ${activeName} answers probe ${probe.name} on port ${probe.port}: the shape of a listener that moves between nodes (a SQL Server Always On availability group listener or a failover cluster instance), where the probe finds the active node on purpose`;
    const passiveKeys = new Set(passive.map((d) => idKey(d!.backendKey)));
    out = markDownByDesign(out, rule.id, passiveKeys, {
      id: 'expected-down',
      summary: `Down by design: ${why}. Nothing listens on port ${probe.port} here because this node is not the active one; keep the probe where it is. (If this pool is not such a cluster role, the service on port ${probe.port} is down here.)`,
      evidence: {
        ruleId: rule.id,
        probeId: probe.id,
        port: probe.port,
        activeBackend: up[0]!.backendKey,
        shape: 'listener-on-active-node-only' satisfies DownByDesignShape,
      },
    });
    notes.push({
      id: 'listener-on-active-node-only',
      summary: `${why[0]!.toUpperCase()}${why.slice(1)}; the other ${passiveKeys.size} member(s) are down by design, not a fault.`,
      evidence: {
        ruleId: rule.id,
        probeId: probe.id,
        activeBackend: up[0]!.backendKey,
        passiveBackends: [...passiveKeys],
      },
    });
  }
  return { diagnoses: out, notes };
}

/**
 * The diagnoses of `rule` for the backends in `keys` (by idKey) as down by design: no cause, flagged
 * `expectedDown`, with `note` saying why. Other diagnoses are returned as they are.
 */
function markDownByDesign(
  diagnoses: RuleBackendDiagnosis[],
  ruleId: string,
  keys: ReadonlySet<string>,
  note: Note,
): RuleBackendDiagnosis[] {
  return diagnoses.map((d) =>
    keys.has(idKey(d.backendKey)) && sameId(d.ruleId, ruleId)
      ? { ...d, causes: [], expectedDown: true, notes: [...(d.notes ?? []), note] }
      : d,
  );
}

/** kube-proxy's answer for a node without a local endpoint: 503 with `"localEndpoints": 0`. */
function noLocalEndpointCause(c: Cause): boolean {
  const kubeProxy = c.evidence?.kubeProxy as { localEndpoints?: unknown } | undefined;
  return c.id === 'probe-endpoint-error' && c.evidence?.status === 503 && kubeProxy?.localEndpoints === 0;
}

/**
 * Marks the nodes of an `externalTrafficPolicy: Local` Service that have no pod of it as down by
 * design: their only cause is that the probe's local GET got kube-proxy's 503 counting zero local
 * endpoints, and at least one other member of the same rule serves: it is up, or its own local GET of
 * the probe's URL passes (`servesLocally`, rule id and backend key), which is what counts where an NSG
 * or a guest firewall keeps the probe from a node that has a pod (its probe state is down, yet the
 * Service has an endpoint there). When no member serves, the zero-endpoint answers stay causes: the
 * Service has no ready endpoint anywhere, which is an outage, not a design.
 */
export function noLocalEndpoint(
  topology: Topology,
  statuses: readonly BackendProbeStatus[],
  diagnoses: RuleBackendDiagnosis[],
  servesLocally: readonly { ruleId: string; backendKey: string }[] = [],
): { diagnoses: RuleBackendDiagnosis[]; notes: Note[] } {
  const notes: Note[] = [];
  let out = diagnoses;
  for (const rule of topology.rules) {
    if (!rule.probeId) continue;
    const probe = topology.probes.find((p) => sameId(p.id, rule.probeId));
    if (!probe || probe.protocol === 'Tcp') continue;
    const idle = out.filter(
      (d) => sameId(d.ruleId, rule.id) && d.causes.length > 0 && d.causes.every(noLocalEndpointCause),
    );
    if (idle.length === 0) continue;
    // The probe's up is evidence a node serves; its down is not (an NSG falsifies it), so a node's own
    // passing local GET counts as well.
    const serving = [
      ...new Set([
        ...statuses.filter((s) => sameId(s.ruleId, rule.id) && s.state === 'up').map((s) => s.backendKey),
        ...servesLocally.filter((s) => sameId(s.ruleId, rule.id)).map((s) => s.backendKey),
      ]),
    ];
    if (serving.length === 0) continue;
    const kubeProxy = idle[0]!.causes[0]!.evidence?.kubeProxy as { namespace: string; name: string };
    const service = `${kubeProxy.namespace}/${kubeProxy.name}`;
    const idleKeys = new Set(idle.map((d) => idKey(d.backendKey)));
    const why = `probe ${probe.name} of rule ${rule.name} checks kube-proxy's health check node port ${probe.port} for Service ${service} (externalTrafficPolicy: Local), which answers 503 with "localEndpoints": 0 on a node that runs no ready pod of the Service, so that the load balancer sends the Service's traffic only to nodes that have one`;
    out = markDownByDesign(out, rule.id, idleKeys, {
      id: 'expected-down',
      summary: `Down by design: ${why}. This node runs no ready pod of ${service}; it takes the Service's traffic again once one is scheduled here.`,
      evidence: {
        ruleId: rule.id,
        probeId: probe.id,
        port: probe.port,
        service,
        localEndpoints: 0,
        shape: 'no-local-endpoint' satisfies DownByDesignShape,
      },
    });
    notes.push({
      id: 'no-local-endpoint',
      summary: `${why[0]!.toUpperCase()}${why.slice(1)}: ${idleKeys.size} node(s) without a pod are down by design, ${serving.length} serve it; not a fault.`,
      evidence: {
        ruleId: rule.id,
        probeId: probe.id,
        service,
        idleBackends: [...idleKeys],
        servingBackends: serving,
      },
    });
  }
  return { diagnoses: out, notes };
}
