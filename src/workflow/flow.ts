/** Pure, deterministic helpers of the orchestrator: they decide over data and never do I/O. */
import type { BackendHealth, RuleHealth } from '../model/health';
import { idKey } from '../model/ids';
import type { FixReport } from '../model/report';
import type { BackendInfo, ProbeInfo, Topology } from '../model/topology';
import { interpretRuleHealth } from '../diagnose/health';
import type {
  ApprovalDecision,
  Diagnosis,
  DiagnosisSummary,
  PlannedFix,
  WorkflowBackend,
  WorkflowTopology,
} from './contracts';

/** What the orchestrator's decisions read of the topology (a WorkflowTopology or a full one). */
export type DecisionTopology = Pick<Topology, 'loadBalancer' | 'rules' | 'probes'> & {
  backends: BackendInfo[];
};

/** A backend whose probe is down, with the health entries that say so. */
export interface FailingBackend {
  backend: WorkflowBackend;
  health: BackendHealth[];
}

/** The VM's OS as discovery read it, in the form the Run Command script wants. */
function osOfVm(topology: Topology, backend: BackendInfo): 'linux' | 'windows' | undefined {
  const osType = backend.vmId ? topology.vms[idKey(backend.vmId)]?.osType : undefined;
  return osType ? (osType === 'Windows' ? 'windows' : 'linux') : undefined;
}

/**
 * The part of the topology the orchestrator keeps (pure): the load balancer, rules, probes, pools,
 * and each backend with its VM's OS. NICs, subnets, NSGs, route tables and VMs stay in the store.
 */
export function compactTopology(topology: Topology, topologyRef: string): WorkflowTopology {
  return {
    topologyRef,
    loadBalancer: topology.loadBalancer,
    rules: topology.rules,
    probes: topology.probes,
    pools: topology.pools.map(({ id, name }) => ({ id, name })),
    backends: topology.backends.map((backend) => {
      const os = osOfVm(topology, backend);
      return os ? { ...backend, os } : backend;
    }),
    problems: topology.problems.length,
  };
}

/**
 * A Topology with only what reading probe health looks at (load balancer, rules, backends and their
 * `poolIds`): the health interpretation takes a whole Topology but reads nothing else of it.
 */
function healthView(topology: DecisionTopology): Topology {
  return {
    loadBalancer: topology.loadBalancer,
    probes: topology.probes,
    rules: topology.rules,
    pools: [],
    backends: topology.backends,
    nics: {},
    subnets: {},
    virtualNetworks: {},
    nsgs: {},
    routeTables: {},
    vms: {},
    asgs: {},
    problems: [],
  };
}

/** Health entries of one backend, matched by IP configuration, else by address. */
function healthOf(backend: BackendInfo, entries: BackendHealth[]): BackendHealth[] {
  return entries.filter((h) =>
    h.ipConfigurationId && backend.ipConfigurationId
      ? idKey(h.ipConfigurationId) === idKey(backend.ipConfigurationId)
      : h.ipAddress !== undefined && h.ipAddress === backend.ipAddress,
  );
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
 * The backends that need the cause checks, in topology order: down, or unknown (a stopped VM is not
 * probed and the API gives it empty values; a rule nobody could read health for). Admin states
 * (`Down_Admin`) were set on purpose and are left alone; healthy backends are not checked.
 */
export function failingBackends(topology: DecisionTopology, health: RuleHealth[]): FailingBackend[] {
  const { ruleHealth, metric } = splitHealthSources(health);
  const statuses = interpretRuleHealth(healthView(topology), ruleHealth, metric);
  const entries = health.flatMap((r) => r.backends);
  const failing: FailingBackend[] = [];
  for (const backend of topology.backends) {
    const mine = statuses.filter((s) => idKey(s.backendKey) === idKey(backend.key));
    const needsChecks = mine.some((s) => s.state !== 'up' && s.action !== 'never-fix' && s.action !== 'none');
    if (needsChecks) failing.push({ backend, health: healthOf(backend, entries) });
  }
  return failing;
}

/**
 * A check's backend and OS from a compact backend: the OS travels as the check input's own field.
 */
export function checkTarget(backend: WorkflowBackend): { backend: BackendInfo; os?: 'linux' | 'windows' } {
  const { os, ...info } = backend;
  return os ? { backend: info, os } : { backend: info };
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

/** What the orchestrator keeps of a diagnosis (pure): cause ids per backend and for the load balancer. */
export function summarizeDiagnosis(diagnosis: Diagnosis, diagnosisRef: string): DiagnosisSummary {
  return {
    diagnosisRef,
    causes: diagnosis.causes.map((c) => c.id),
    backends: diagnosis.backends.map((b) => ({
      key: b.key,
      probeState: b.probeState,
      ...(b.healthReason !== undefined ? { healthReason: b.healthReason } : {}),
      causes: b.causes.map((c) => c.id),
    })),
  };
}
