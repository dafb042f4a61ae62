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
import { idKey, sameId } from '../model/ids';
import type { Cause, Note } from '../model/report';
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
    const passive = others.map((s) =>
      out.find((d) => idKey(d.backendKey) === idKey(s.backendKey) && sameId(d.ruleId, rule.id)),
    );
    const allPassive = passive.every(
      (d) =>
        d !== undefined && d.causes.length > 0 && d.causes.every((c) => notListeningAtAll(c, probe.port)),
    );
    if (!allPassive) continue;
    const active = topology.backends.find((b) => idKey(b.key) === idKey(up[0]!.backendKey));
    const activeName = active?.ipAddress ?? up[0]!.backendKey;
    const why = `rule ${rule.name} uses floating IP and only ${activeName} answers probe ${probe.name} on port ${probe.port}: the shape of a listener that moves between nodes (a SQL Server Always On availability group listener or a failover cluster instance), where the probe finds the active node on purpose`;
    const passiveKeys = new Set(passive.map((d) => idKey(d!.backendKey)));
    out = out.map((d) =>
      passiveKeys.has(idKey(d.backendKey)) && sameId(d.ruleId, rule.id)
        ? {
            ...d,
            causes: [],
            expectedDown: true,
            notes: [
              ...(d.notes ?? []),
              {
                id: 'expected-down',
                summary: `Down by design: ${why}. Nothing listens on port ${probe.port} here because this node is not the active one; keep the probe where it is. (If this pool is not such a cluster role, the service on port ${probe.port} is down here.)`,
                evidence: {
                  ruleId: rule.id,
                  probeId: probe.id,
                  port: probe.port,
                  activeBackend: up[0]!.backendKey,
                  shape: 'listener-on-active-node-only',
                },
              },
            ],
          }
        : d,
    );
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
