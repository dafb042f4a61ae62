/** Pure, deterministic helpers of the orchestrator: they decide over data and never do I/O. */
import type { BackendHealth, RuleHealth } from '../model/health';
import { idKey } from '../model/ids';
import type { FixReport } from '../model/report';
import type { BackendInfo, ProbeInfo, Topology } from '../model/topology';
import { interpretRuleHealth } from '../diagnose/health';
import type { BackendProbeStatus } from '../diagnose/health';
import type {
  ApprovalDecision,
  CheckBackendInput,
  DiagnosisSummary,
  FailingBackend,
  WorkflowBackend,
  WorkflowTopology,
} from './contracts';
import type { Diagnosis } from '../model/diagnosis';
import { backendForVerdict } from '../model/verdict';
import type { PlannedFix } from '../model/fixPlan';

/** The VM's OS as discovery read it, in the form the Run Command script wants. */
function osOfVm(topology: Topology, backend: BackendInfo): 'linux' | 'windows' | undefined {
  const osType = backend.vmId ? topology.vms[idKey(backend.vmId)]?.osType : undefined;
  return osType ? (osType === 'Windows' ? 'windows' : 'linux') : undefined;
}

/**
 * Whether discovery read the backend's VM running with its guest agent ready: what a Run Command needs,
 * so the check may start it at once rather than after reading the VM's health again.
 */
function vmReadyAtDiscovery(topology: Topology, backend: BackendInfo): boolean {
  const vm = backend.vmId ? topology.vms[idKey(backend.vmId)] : undefined;
  return vm?.powerState === 'running' && vm.agentStatus === 'ready';
}

/** Health entries that came from the DipAvailability metric rather than the per-rule health API. */
export function splitHealthSources(health: RuleHealth[]): {
  ruleHealth: RuleHealth[];
  metric: BackendHealth[];
} {
  const isMetric = (r: RuleHealth) => r.backends.length > 0 && r.backends.every((b) => b.source === 'metric');
  return {
    ruleHealth: health.filter((r) => !isMetric(r)),
    metric: health.filter(isMetric).flatMap((r) => r.backends),
  };
}

/**
 * The statuses {@link interpretRuleHealth} gives for a topology and health that can no longer change
 * (frozen, as the in-memory run store keeps what discovery hands over), by the two values' identity:
 * discovery's failing set and the diagnosis read the same stored pair, and a pool of a thousand is
 * interpreted once per run, not once per activity. The statuses are frozen, since readers share them.
 * Values that can still change (not frozen, or read back from JSON: new objects) are interpreted anew.
 * Frozen means frozen all the way down, as the store's hand-over leaves them: only the top is checked.
 */
const interpreted = new WeakMap<Topology, WeakMap<RuleHealth[], readonly BackendProbeStatus[]>>();

export function probeStatusesOf(topology: Topology, health: RuleHealth[]): readonly BackendProbeStatus[] {
  const interpret = () => {
    const { ruleHealth, metric } = splitHealthSources(health);
    return interpretRuleHealth(topology, ruleHealth, metric);
  };
  if (!Object.isFrozen(topology) || !Object.isFrozen(health)) return interpret();
  let byHealth = interpreted.get(topology);
  if (!byHealth) {
    byHealth = new WeakMap();
    interpreted.set(topology, byHealth);
  }
  let statuses = byHealth.get(health);
  if (!statuses) {
    statuses = Object.freeze(interpret().map((status) => Object.freeze(status)));
    byHealth.set(health, statuses);
  }
  return statuses;
}

/** A status that gets the cause checks: not up, and not an admin state set on purpose. */
export const needsChecks = (s: BackendProbeStatus): boolean =>
  s.state !== 'up' && s.action !== 'never-fix' && s.action !== 'none';

/**
 * The health entries that can belong to `backends`, indexed by IP configuration ({@link idKey}) and by
 * address (IP-based members). Ids are normalised here, at the boundary, once each; only the entries of
 * these backends are kept, so indexing costs one pass over the answer however few of its backends are
 * asked about.
 */
function entriesOf(
  backends: readonly BackendInfo[],
  health: RuleHealth[],
): {
  byConfig: Map<string, BackendHealth[]>;
  byAddress: Map<string, BackendHealth[]>;
} {
  const byConfig = new Map<string, BackendHealth[]>();
  const byAddress = new Map<string, BackendHealth[]>();
  for (const backend of backends) {
    if (backend.ipConfigurationId) byConfig.set(idKey(backend.ipConfigurationId), []);
    if (backend.ipAddress !== undefined) byAddress.set(backend.ipAddress, []);
  }
  for (const rule of health) {
    for (const h of rule.backends) {
      if (h.ipConfigurationId) byConfig.get(idKey(h.ipConfigurationId))?.push(h);
      if (h.ipAddress !== undefined) byAddress.get(h.ipAddress)?.push(h);
    }
  }
  return { byConfig, byAddress };
}

/**
 * The backends that need the cause checks, in topology order, each with its health entries and
 * probes: down, or unknown (a stopped VM is not probed and the API gives it empty values; a rule
 * nobody could read health for). Admin states (`Down_Admin`) were set on purpose and are left alone;
 * healthy backends are not checked. Computed once, in the discovery activity, over maps keyed by ids
 * normalised once: linear in the pool's size.
 */
export function failingBackends(topology: Topology, health: RuleHealth[]): FailingBackend[] {
  const failingKeys = new Set(
    probeStatusesOf(topology, health)
      .filter(needsChecks)
      .map((s) => idKey(s.backendKey)),
  );
  if (failingKeys.size === 0) return [];
  const backends = topology.backends.filter((backend) => failingKeys.has(idKey(backend.key)));
  const entries = entriesOf(backends, health);
  return backends.map((backend) => ({
    backend: workflowBackendOf(topology, backend),
    health: healthOf(backend, entries),
    probes: probesFor(topology, backend),
  }));
}

/** The backend as the orchestrator carries it: with the VM's OS and readiness discovery read. */
function workflowBackendOf(topology: Topology, backend: BackendInfo): WorkflowBackend {
  const os = osOfVm(topology, backend);
  const vmReady = vmReadyAtDiscovery(topology, backend);
  return os || vmReady ? { ...backend, ...(os ? { os } : {}), ...(vmReady ? { vmReady } : {}) } : backend;
}

/**
 * The check a failing backend will get, as far as its Run Command goes, from what discovery holds the
 * moment the backend's VM is read (its NIC's fields filled, the load balancer's rules and probes
 * known): the same backend, OS, readiness and probes {@link failingBackends} and {@link checkTarget}
 * give the orchestrator once discovery ends, so the command started now is the one the check runs.
 */
export function guestCheckTargetAtDiscovery(
  topology: Topology,
  backend: BackendInfo,
): Pick<CheckBackendInput, 'backend' | 'os' | 'vmReady' | 'probes'> {
  return {
    ...checkTarget(workflowBackendOf(topology, { ...backend })),
    probes: probesFor(topology, backend),
  };
}

/** Health entries of one backend, matched by IP configuration, else by address. */
function healthOf(backend: BackendInfo, entries: ReturnType<typeof entriesOf>): BackendHealth[] {
  if (backend.ipConfigurationId) {
    const key = idKey(backend.ipConfigurationId);
    // An entry naming an IP configuration belongs to that one only; one without, by address.
    const byAddress = backend.ipAddress
      ? (entries.byAddress.get(backend.ipAddress) ?? []).filter((h) => !h.ipConfigurationId)
      : [];
    return [...(entries.byConfig.get(key) ?? []), ...byAddress];
  }
  return backend.ipAddress ? (entries.byAddress.get(backend.ipAddress) ?? []) : [];
}

/**
 * What the orchestrator keeps of a discovery (pure): refs to the stored topology and health, the
 * probes (the wait for re-test reads them), how many backends there are, and the failing ones with
 * what their checks need. Healthy backends stay in the store: history does not grow with them.
 */
export function compactTopology(
  topology: Topology,
  failing: FailingBackend[],
  refs: { topologyRef: string; healthRef: string },
): WorkflowTopology {
  return {
    ...refs,
    probes: topology.probes,
    backendsTotal: topology.backends.length,
    failing,
    problems: topology.problems.length,
  };
}

/**
 * A check's backend, OS and VM readiness from a compact backend: the OS and readiness travel as the
 * check input's own fields.
 */
export function checkTarget(backend: WorkflowBackend): Pick<CheckBackendInput, 'backend' | 'os' | 'vmReady'> {
  const { os, vmReady, ...info } = backend;
  return { backend: info, ...(os ? { os } : {}), ...(vmReady ? { vmReady } : {}) };
}

/** The probes of the rules whose pools hold `backend`. */
export function probesFor(topology: Pick<Topology, 'rules' | 'probes'>, backend: BackendInfo): ProbeInfo[] {
  const pools = new Set(backend.poolIds.map(idKey));
  const probeIds = new Set(
    topology.rules
      .filter((r) => r.probeId && r.backendPoolIds.some((p) => pools.has(idKey(p))))
      .map((r) => idKey(r.probeId ?? '')),
  );
  return topology.probes.filter((p) => probeIds.has(idKey(p.id)));
}

/** How long to wait for the probes to re-test, and why, in words for a person. */
export interface ProbeWait {
  seconds: number;
  /** E.g. `for the probe to re-test: interval 5 s x threshold 2`. */
  reason: string;
}

/**
 * How long the platform needs to re-evaluate the probes after a fix: a probe flips state after
 * `probeThreshold` consecutive results, one every `intervalInSeconds` (load-balancer-custom-probe-
 * overview.md), so interval x threshold of the slowest probe, plus the configured margin (0 by
 * default). `probeThreshold` is the newer property; `numberOfProbes` the older.
 */
export function probeWait(probes: ProbeInfo[], marginSeconds: number): ProbeWait {
  let slowest: { interval: number; threshold: number } | undefined;
  for (const p of probes) {
    const threshold = Math.max(1, p.probeThreshold ?? p.numberOfProbes ?? 1);
    if (!slowest || p.intervalInSeconds * threshold > slowest.interval * slowest.threshold) {
      slowest = { interval: p.intervalInSeconds, threshold };
    }
  }
  const base = slowest ? slowest.interval * slowest.threshold : 0;
  const margin = marginSeconds > 0 ? ` + ${marginSeconds} s margin` : '';
  const what = slowest ? `interval ${slowest.interval} s x threshold ${slowest.threshold}` : 'no probe';
  return { seconds: base + marginSeconds, reason: `for the probe to re-test: ${what}${margin}` };
}

/** {@link probeWait}'s seconds alone. */
export function probeWaitSeconds(probes: ProbeInfo[], marginSeconds: number): number {
  return probeWait(probes, marginSeconds).seconds;
}

/** Splits `items` into consecutive batches of at most `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  const step = Math.max(1, Math.floor(size));
  for (let i = 0; i < items.length; i += step) out.push(items.slice(i, i + step));
  return out;
}

/** A planned fix as the report shows it (without the plan's own bookkeeping). */
export const asReport = ({ kind, target, status, reason, detail }: PlannedFix): FixReport => ({
  kind,
  target,
  status,
  detail,
  ...(reason !== undefined ? { reason } : {}),
});

/**
 * Which planned fixes to apply after an approval decision (or none was needed), and which are set
 * aside as skipped, with the reason a reader of the report needs.
 */
export function selectFixes(
  fixes: PlannedFix[],
  decision: ApprovalDecision | undefined,
): { apply: PlannedFix[]; skipped: FixReport[] } {
  const planned = fixes.filter((f) => f.status === 'planned' && f.kind !== 'recommendation');
  const passthrough = fixes.filter((f) => !planned.includes(f)).map(asReport);
  if (decision?.decision === 'approve') return { apply: planned, skipped: passthrough };
  const why =
    decision?.decision === 'reject'
      ? `approval rejected${decision.by ? ` by ${decision.by}` : ''}`
      : decision?.decision === 'not-given'
        ? 'awaiting approval: this run had nobody to ask (with the CLI, run again with --approve)'
        : 'awaiting approval: the approval wait timed out';
  return {
    apply: planned.filter((f) => !f.needsApproval),
    skipped: [
      ...passthrough,
      ...planned
        .filter((f) => f.needsApproval)
        .map((f) => ({ ...asReport(f), status: 'skipped' as const, reason: why })),
    ],
  };
}

/** A plan as reported without applying it (observe mode). */
export const plannedOnly = (fixes: PlannedFix[]): FixReport[] => fixes.map(asReport);

/**
 * What the orchestrator keeps of a diagnosis (pure): cause ids for the load balancer and for each
 * backend that is not simply up (an up backend without a cause decides nothing: src/model/verdict.ts).
 */
export function summarizeDiagnosis(diagnosis: Diagnosis, diagnosisRef: string): DiagnosisSummary {
  return {
    diagnosisRef,
    causes: diagnosis.causes.map((c) => c.id),
    backends: diagnosis.backends
      .filter((b) => b.probeState !== 'up' || b.causes.length > 0)
      .map(backendForVerdict),
  };
}
