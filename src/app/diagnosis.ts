/**
 * The `diagnose` activity's work: from the topology, the probe health and the evidence of each
 * checked backend, the causes per backend and for the load balancer. Pure: it only joins the
 * gathered data to the checks in src/diagnose/.
 */
import { diagnoseBackendFindings, type BackendDiagnosis } from '../diagnose';
import { listenerOnActiveNodeOnly, noLocalEndpoint } from '../diagnose/expectedDown';
import { GUEST_UNCHECKED_NOTE, kubeProxyHealth } from '../diagnose/guest';
import type { BackendProbeStatus } from '../diagnose/health';
import { diagnoseLoadBalancer, probeCoverageNotes, unworkableProbeKeys } from '../diagnose/loadBalancer';
import { diagnoseBackendReports } from '../diagnose/report';
import type { GuestEvidence, VmHealthEvidence } from '../model/evidence';
import { deniedActions } from '../model/authorization';
import { idKey, indexById, sameId } from '../model/ids';
import type { BackendReport, Note } from '../model/report';
import { UNVERIFIED_NOTE } from '../model/verdict';
import { fail, ok, type Result } from '../model/result';
import type { Topology } from '../model/topology';
import type { BackendEvidence, DiagnoseInput } from '../workflow/contracts';
import type { Diagnosis } from '../model/diagnosis';
import { probeStatusesOf } from '../workflow/flow';
import { isHealthReadProblem } from './health';

/** Evidence-or-why-not for one check, as the pure checks take it. */
function asResult<T>(value: T | undefined, failure: string | undefined): Result<T> | undefined {
  if (value !== undefined) return ok(value);
  return failure !== undefined ? fail({ message: failure }) : undefined;
}

/**
 * VM health from discovery's instance view, for a backend that was not checked (its probe state was
 * up) or whose check failed outright: discovery already read it, so nothing is guessed.
 */
function vmHealthFromTopology(topology: Topology, vmId: string | undefined): VmHealthEvidence | undefined {
  const vm = vmId ? topology.vms[idKey(vmId)] : undefined;
  if (!vm) return undefined;
  return {
    vmId: vm.id,
    powerState: vm.powerState,
    ...(vm.provisioningState !== undefined ? { provisioningState: vm.provisioningState } : {}),
    agentStatus: vm.agentStatus,
    ...(vm.agentMessage !== undefined ? { agentMessage: vm.agentMessage } : {}),
  };
}

const nameOf = (id: string | undefined): string => id?.split('/').pop() ?? 'unknown';

/** Statuses that get the cause checks: not up, and not an admin state set on purpose. */
const needsDiagnosis = (status: BackendProbeStatus): boolean =>
  status.state !== 'up' && status.action !== 'never-fix' && status.action !== 'none';

/**
 * The local GET answered 200, and, where the body is kube-proxy's health check, it counts a local
 * endpoint: the node would pass the probe if the probe reached it.
 */
function localGetPasses(http: GuestEvidence['http']): boolean {
  if (http?.status !== 200) return false;
  const kubeProxy = http.body !== undefined ? kubeProxyHealth(http.body) : undefined;
  return kubeProxy === undefined || kubeProxy.localEndpoints > 0;
}

/**
 * Backends probe-doctor could not see enough of to call fine: probe state unknown, nothing found, and
 * either no health source answered for them (their health reads failed: a role without the health
 * action and without the metric) or a check of them could not run (the guest unchecked: the VM unread
 * or the Run Command refused). Nothing found is then not nothing wrong, so each gets an
 * {@link UNVERIFIED_NOTE} naming what could not be read and the actions a refusal named; the verdict
 * counts it as needing the customer (src/model/verdict.ts), never as healthy.
 */
function markUnverified<T extends BackendReport>(backends: T[], topology: Topology): T[] {
  const healthProblems = topology.problems.filter(isHealthReadProblem);
  return backends.map((entry) => {
    if (entry.probeState !== 'unknown' || entry.causes.length > 0) return entry;
    const healthUnread = entry.healthSource === undefined && healthProblems.length > 0;
    const guestNote = entry.notes?.find((n) => n.id === GUEST_UNCHECKED_NOTE);
    if (!healthUnread && !guestNote) return entry;
    const vmProblems = topology.problems.filter(
      (p) => entry.vmId !== undefined && sameId(p.resourceId, entry.vmId),
    );
    const messages = [
      ...(healthUnread ? healthProblems.map((p) => p.message) : []),
      ...(guestNote && typeof guestNote.evidence?.message === 'string' ? [guestNote.evidence.message] : []),
      ...vmProblems.map((p) => p.message),
    ];
    const unread = [
      ...(healthUnread ? ['its probe health could not be read'] : []),
      ...(guestNote ? ['its guest could not be checked'] : []),
    ];
    const note: Note = {
      id: UNVERIFIED_NOTE,
      summary: `probe-doctor cannot tell whether this backend passes its probe: its probe state is unknown, nothing was found, and ${unread.join(' and ')}.`,
      evidence: {
        healthUnread,
        guestUnchecked: guestNote !== undefined,
        deniedActions: deniedActions(messages),
      },
    };
    return { ...entry, notes: [...(entry.notes ?? []), note] };
  });
}

/** Why a backend has no findings of its own in a run that stopped during the checks. */
const NOT_CHECKED = {
  id: 'not-checked',
  summary:
    "this backend's checks did not run: the run stopped first, so nothing here says why its probe fails",
} as const;

/**
 * What a stopped run says of a down backend whose checks never ran: it keeps what the topology alone
 * shows (an NSG rule is read at discovery) but is not called unexplained (`unknown` would send it to
 * Microsoft): it says it was not checked.
 */
function withUncheckedSaid<T extends BackendReport & { key: string }>(
  backends: T[],
  checked: ReadonlySet<string>,
): T[] {
  return backends.map((b) => {
    if (checked.has(idKey(b.key)) || (b.probeState !== 'down' && b.probeState !== 'unknown')) return b;
    return {
      ...b,
      causes: b.causes.filter((c) => c.id !== 'unknown'),
      // Not "Run Command failed": none ran.
      notes: [...(b.notes ?? []).filter((n) => n.id !== GUEST_UNCHECKED_NOTE), { ...NOT_CHECKED }],
    };
  });
}

/** Diagnoses every backend the health reports as failing, and the load balancer itself. */
export function diagnose(input: DiagnoseInput): Diagnosis {
  const { topology } = input;
  const statuses = probeStatusesOf(topology, input.health);
  const evidenceByKey = new Map<string, Result<BackendEvidence>>(
    input.checks.map((c) => [idKey(c.backendKey), c.result]),
  );

  const lb = diagnoseLoadBalancer(topology, statuses);
  const unworkable = unworkableProbeKeys(lb.causes);
  const backendDiagnoses: BackendDiagnosis[] = [];
  const backendsByKey = indexById(topology.backends, (b) => b.key);
  const rulesById = indexById(topology.rules, (r) => r.id);
  const probesById = indexById(topology.probes, (p) => p.id);
  // Backends whose own local GET of the probe's URL passes: what says a node serves, even where an NSG
  // or a guest firewall keeps the probe itself from seeing it (the probe's Down is then no evidence).
  const servesLocally: { ruleId: string; backendKey: string }[] = [];
  for (const status of statuses.filter(needsDiagnosis)) {
    const backend = backendsByKey.get(idKey(status.backendKey));
    const rule = rulesById.get(idKey(status.ruleId));
    const probe = rule?.probeId ? probesById.get(idKey(rule.probeId)) : undefined;
    // A rule without a probe is a load-balancer cause (diagnoseLoadBalancer), not a backend one.
    if (!backend || !rule || !probe) continue;

    const checked = evidenceByKey.get(idKey(backend.key));
    const evidence = checked?.ok ? checked.value : undefined;
    const checkError = checked && !checked.ok ? checked.error.message : undefined;
    const fromTopology = vmHealthFromTopology(topology, backend.vmId);
    const vmHealth = asResult(evidence?.vm ?? fromTopology, evidence?.failures?.vm ?? checkError);
    // Guest evidence answers for the probe it was collected for, not for another rule's probe.
    const ownGuest = evidence?.guestByProbe?.find((g) => idKey(g.probeId) === idKey(probe.id))?.guest;
    const otherProbe =
      ownGuest === undefined &&
      evidence?.guest !== undefined &&
      evidence.guestProbeId !== undefined &&
      idKey(evidence.guestProbeId) !== idKey(probe.id);
    const guest = asResult(
      otherProbe ? undefined : (ownGuest ?? evidence?.guest),
      otherProbe
        ? `the guest was checked for probe ${nameOf(evidence?.guestProbeId)} only, not for probe ${probe.name}`
        : (evidence?.failures?.guest ?? checkError ?? (checked ? undefined : 'not checked')),
    );
    if (guest?.ok && localGetPasses(guest.value.http)) {
      servesLocally.push({ ruleId: rule.id, backendKey: backend.key });
    }
    const effectiveNsgs = asResult(evidence?.effectiveNsgs, evidence?.failures?.effectiveNsgs);
    const effectiveRoutes = asResult(evidence?.effectiveRoutes, evidence?.failures?.effectiveRoutes);

    const findings = diagnoseBackendFindings({
      topology,
      backend,
      probe,
      rule,
      status,
      ...(vmHealth ? { vmHealth } : {}),
      ...(guest ? { guest } : {}),
      ...(effectiveNsgs ? { effectiveNsgs } : {}),
      ...(effectiveRoutes ? { effectiveRoutes } : {}),
    });
    // A probe that cannot work gets no 200 from any app: that is the probe's cause, not the backend's.
    // Nor is "nothing found" (`unknown`) behind it: the probe's cause explains the backend.
    const causes = unworkable.has(idKey(probe.id))
      ? findings.causes.filter((c) => c.id !== 'probe-endpoint-error' && c.id !== 'unknown')
      : findings.causes;
    backendDiagnoses.push({
      backendKey: backend.key,
      ruleId: rule.id,
      causes,
      ...(findings.notes.length > 0 ? { notes: findings.notes } : {}),
    });
  }

  // Down by design is decided across the pool (one active node), after each backend's own findings.
  const listener = listenerOnActiveNodeOnly(topology, statuses, backendDiagnoses);
  const byDesign = noLocalEndpoint(topology, statuses, listener.diagnoses, servesLocally);
  const reports = markUnverified(
    diagnoseBackendReports(topology, statuses, byDesign.diagnoses).backends,
    topology,
  );
  const backends = input.runStopped ? withUncheckedSaid(reports, new Set(evidenceByKey.keys())) : reports;
  const notes = [
    ...lb.notes,
    ...listener.notes,
    ...byDesign.notes,
    ...probeCoverageNotes(topology, byDesign.diagnoses),
  ];
  return { causes: lb.causes, backends, ...(notes.length > 0 ? { notes } : {}) };
}
