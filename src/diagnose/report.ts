/**
 * The report of a diagnose-only run (DESIGN.md, "Contracts"): no fixes yet, so the verdict is
 * `healthy` when nothing is down and nothing is wrong, and `action-required` otherwise, with who must
 * act (src/model/verdict.ts): observe mode never escalates.
 */
import { groupById, idKey } from '../model/ids';
import { backendForVerdict, decideVerdict } from '../model/verdict';
import type { BackendReport, Cause, Note, Report } from '../model/report';
import type { BackendInfo, Topology } from '../model/topology';
import { orderCauses } from './backend';
import type { BackendProbeStatus } from './health';
import type { LoadBalancerDiagnosis } from './loadBalancer';
import { diagnoseLoadBalancer } from './loadBalancer';

/** What diagnoseBackendFindings found for one backend (on one rule). */
export interface BackendDiagnosis {
  backendKey: string;
  ruleId?: string;
  causes: Cause[];
  notes?: Note[];
  /** Down by design on this rule (src/diagnose/expectedDown.ts): no cause, nothing to fix. */
  expectedDown?: boolean;
}

export interface DiagnosisReportInput {
  topology: Topology;
  /** From interpretRuleHealth: one per backend and rule. */
  statuses: readonly BackendProbeStatus[];
  backendDiagnoses: BackendDiagnosis[];
  /** Computed from the topology and statuses when not given. */
  loadBalancer?: LoadBalancerDiagnosis;
  runId?: string;
  alertId?: string;
}

const STATE_RANK: Record<BackendProbeStatus['state'], number> = { up: 0, unknown: 1, down: 2 };

/** The status that speaks for a backend across its rules: the worst state, admin states last. */
function worstStatus(statuses: readonly BackendProbeStatus[]): BackendProbeStatus | undefined {
  return [...statuses].sort(
    (a, b) =>
      STATE_RANK[b.state] - STATE_RANK[a.state] ||
      Number(a.action === 'never-fix') - Number(b.action === 'never-fix'),
  )[0];
}

function dedupeNotes(notes: Note[]): Note[] {
  const seen = new Set<string>();
  return notes.filter((note) => {
    const key = `${note.id}\u0000${note.summary}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** True when a backend is down for a reason probe-doctor must act on (an admin Down is deliberate). */
function isFailing(statuses: readonly BackendProbeStatus[]): boolean {
  return statuses.some((status) => status.state === 'down' && status.action !== 'never-fix');
}

/** Per-backend entries of the report, each with the key of its {@link BackendInfo}. */
export interface KeyedBackendReports {
  backends: (BackendReport & { key: string })[];
  /** Some backend is down for a reason probe-doctor must act on. */
  anyFailing: boolean;
  /** Some backend has a cause, even if the probe did not say down (a stopped VM is not probed). */
  anyBackendCause: boolean;
}

/**
 * The entry of a backend whose one probed rule says up and that nothing diagnosed: what the general
 * path below gives it (no cause, no note, not failing), built without its sorting and merging.
 */
function healthyEntry(backend: BackendInfo, status: BackendProbeStatus): BackendReport & { key: string } {
  const entry: BackendReport & { key: string } = { key: backend.key, probeState: 'up', causes: [] };
  if (backend.ipConfigurationId !== undefined) entry.ipConfigurationId = backend.ipConfigurationId;
  if (backend.ipAddress !== undefined) entry.ipAddress = backend.ipAddress;
  if (backend.vmId !== undefined) entry.vmId = backend.vmId;
  if (status.reason !== undefined) entry.healthReason = status.reason;
  if (status.source !== undefined) entry.healthSource = status.source;
  return entry;
}

/** One entry per backend that any probed rule covers, in topology order, keyed by backend key. */
export function diagnoseBackendReports(
  topology: Topology,
  statuses: readonly BackendProbeStatus[],
  backendDiagnoses: BackendDiagnosis[],
): KeyedBackendReports {
  let anyFailing = false;
  let anyBackendCause = false;
  const backends: (BackendReport & { key: string })[] = [];
  const statusesByBackend = groupById(statuses, (status) => status.backendKey);
  const diagnosesByBackend = groupById(backendDiagnoses, (d) => d.backendKey);
  // Indexed: see indexById (model/ids.ts) on for-of in code that runs once per run.
  for (let i = 0; i < topology.backends.length; i++) {
    const backend = topology.backends[i] as BackendInfo;
    const key = idKey(backend.key);
    const mine = statusesByBackend.get(key) ?? [];
    if (mine.length === 0) continue;
    const diagnoses = diagnosesByBackend.get(key);
    if (diagnoses === undefined && mine.length === 1 && mine[0]?.state === 'up') {
      // The healthy pool: one rule, probe up, nothing diagnosed. Its entry restates the health answer.
      backends.push(healthyEntry(backend, mine[0]));
      continue;
    }
    const worst = worstStatus(mine);
    const causes = orderCauses((diagnoses ?? []).flatMap((d) => d.causes));
    const notes = dedupeNotes((diagnoses ?? []).flatMap((d) => d.notes ?? []));
    // Down by design on every rule it fails: reported as such, and not a failure of the run.
    const expectedDown =
      causes.length === 0 && diagnoses !== undefined && diagnoses.every((d) => d.expectedDown === true);
    if (!expectedDown) anyFailing ||= isFailing(mine);
    anyBackendCause ||= causes.length > 0;
    const entry: BackendReport & { key: string } = {
      key: backend.key,
      probeState: expectedDown ? 'expected-down' : (worst?.state ?? 'unknown'),
      causes,
    };
    if (backend.ipConfigurationId !== undefined) entry.ipConfigurationId = backend.ipConfigurationId;
    if (backend.ipAddress !== undefined) entry.ipAddress = backend.ipAddress;
    if (backend.vmId !== undefined) entry.vmId = backend.vmId;
    if (worst?.reason !== undefined) entry.healthReason = worst.reason;
    if (worst?.source !== undefined) entry.healthSource = worst.source;
    if (notes.length > 0) entry.notes = notes;
    backends.push(entry);
  }
  return { backends, anyFailing, anyBackendCause };
}

/** Builds the report, one entry per backend that any probed rule covers, in topology order. */
export function buildDiagnosisReport(input: DiagnosisReportInput): Report {
  const { topology } = input;
  const lb = input.loadBalancer ?? diagnoseLoadBalancer(topology, input.statuses);
  const keyed = diagnoseBackendReports(topology, input.statuses, input.backendDiagnoses);
  const backends: BackendReport[] = keyed.backends.map(({ key: _key, ...entry }) => entry);
  const { verdict, whoMustAct } = decideVerdict({
    mode: 'observe',
    backends: keyed.backends.map(backendForVerdict),
    loadBalancerCauses: lb.causes.map((c) => c.id),
    fixes: [],
    approvalPending: false,
  });
  const report: Report = {
    loadBalancerId: topology.loadBalancer.id,
    mode: 'observe',
    verdict,
    whoMustAct,
    causes: lb.causes,
    backends,
    fixes: [],
  };
  if (input.runId !== undefined) report.runId = input.runId;
  if (input.alertId !== undefined) report.alertId = input.alertId;
  if (lb.notes.length > 0) report.notes = lb.notes;
  if (topology.problems.length > 0) {
    report.problems = topology.problems.map((problem) => ({
      resourceId: problem.resourceId,
      kind: problem.kind,
      message: problem.message,
    }));
  }
  return report;
}
