/** Pure, deterministic helpers of the orchestrator: they decide over data and never do I/O. */
import type { BackendHealth, RuleHealth } from '../model/health';
import { idKey } from '../model/ids';
import type { FixReport } from '../model/report';
import type { BackendInfo, ProbeInfo, Topology } from '../model/topology';
import type { ApprovalDecision, PlannedFix } from './contracts';

/** A backend whose probe is down, with the health entries that say so. */
export interface FailingBackend {
  backend: BackendInfo;
  health: BackendHealth[];
}

function healthMatches(backend: BackendInfo, h: BackendHealth): boolean {
  if (h.ipConfigurationId && backend.ipConfigurationId)
    return idKey(h.ipConfigurationId) === idKey(backend.ipConfigurationId);
  return h.ipAddress !== undefined && h.ipAddress === backend.ipAddress;
}

/** The backends some rule reports Down, in topology order. */
export function failingBackends(topology: Topology, health: RuleHealth[]): FailingBackend[] {
  const entries = health.flatMap((r) => r.backends);
  const failing: FailingBackend[] = [];
  for (const backend of topology.backends) {
    const mine = entries.filter((h) => healthMatches(backend, h));
    if (mine.some((h) => h.state === 'Down')) failing.push({ backend, health: mine });
  }
  return failing;
}

/** The probes of the rules whose pools hold `backend`. */
export function probesFor(topology: Topology, backend: BackendInfo): ProbeInfo[] {
  const pools = new Set(backend.poolIds.map(idKey));
  const probeIds = new Set(
    topology.rules
      .filter((r) => r.probeId && r.backendPoolIds.some((p) => pools.has(idKey(p))))
      .map((r) => idKey(r.probeId ?? '')),
  );
  return topology.probes.filter((p) => probeIds.has(idKey(p.id)));
}

/**
 * How long the platform needs to re-evaluate the probes after a fix: interval x threshold for the
 * slowest probe, plus a margin. `probeThreshold` is the newer property; `numberOfProbes` the older.
 */
export function probeWaitSeconds(probes: ProbeInfo[], marginSeconds: number): number {
  const slowest = probes.reduce(
    (max, p) => Math.max(max, p.intervalInSeconds * Math.max(1, p.probeThreshold ?? p.numberOfProbes ?? 1)),
    0,
  );
  return slowest + marginSeconds;
}

/** Splits `items` into consecutive batches of at most `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  const step = Math.max(1, Math.floor(size));
  for (let i = 0; i < items.length; i += step) out.push(items.slice(i, i + step));
  return out;
}

const asReport = ({ kind, target, status, reason, detail }: PlannedFix): FixReport => ({
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
      : 'approval timed out';
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
