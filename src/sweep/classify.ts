/**
 * What the sweep says about one load balancer, from its ARM body and the probe health read for it.
 * Pure: the reads happen in sweep.ts.
 */
import type { MappedLoadBalancer } from '../azure/map';
import { interpretHealthEntry } from '../diagnose/health';
import type { RuleHealth } from '../model/health';

/**
 * The state of one load balancer:
 * `healthy` every probed backend is up; `down` at least one backend fails its probe (the sweep starts
 * or joins its remediation); `expected-down` every backend that is down was set down on purpose (admin
 * state Down), which is not a fault; `not-probed` no load-balancing rule has a health probe, so there
 * is no probe to fail; `no-backends` the rules have probes but their backend pools are empty, so
 * there is no backend to probe (nothing to remediate: a pool to fill, as diagnose's `backend-pool-empty`
 * says); `cannot-read` the load balancer or its health could not be read (`reason` says
 * why: a 403, a Basic SKU, Resource Graph listing a load balancer ARM no longer has); `resolved` (only
 * where the sweep waits for its runs: the CLI) it was down, and the run started for it fixed it: every
 * backend that was down validated up.
 */
export type SweepState =
  'healthy' | 'down' | 'expected-down' | 'resolved' | 'not-probed' | 'no-backends' | 'cannot-read';

/** The probe health of one load balancer as the sweep reports it. */
export interface LoadBalancerHealthSummary {
  state: SweepState;
  /** Backends (NIC IP configurations or pool addresses) that any probed rule reports; absent when unread. */
  backends?: number;
  /** Of those, how many are not up (down, or without a probe state: a stopped VM is not probed). */
  down?: number;
  /** Which source answered: the per-rule health API, the DipAvailability metric, or both. */
  sources?: ('rule-health' | 'metric')[];
  /** Why the state is `cannot-read`, `not-probed`, `no-backends` or `expected-down`. */
  reason?: string;
}

/** The health read of one load balancer: what was read, and what could not be. */
export interface HealthReadResult {
  health: RuleHealth[];
  problems: { ruleId: string; message: string }[];
}

const BASIC_REASON =
  'Basic SKU: Azure offers neither the per-rule health status nor the DipAvailability metric for it, so probe-doctor cannot tell which backends fail the probe (upgrade to Standard: Basic Load Balancer retired on 30 September 2025)';

/** Members (NIC IP configurations and addresses) of the pools that probed rules send to. */
function probedPoolMembers(lb: MappedLoadBalancer): number {
  const probedPools = new Set(
    lb.rules
      .filter((r) => r.probeId !== undefined)
      .flatMap((r) => r.backendPoolIds.map((id) => id.toLowerCase())),
  );
  return lb.pools
    .filter((p) => probedPools.has(p.poolId.toLowerCase()))
    .reduce((n, p) => n + p.ipConfigurationIds.length + p.addresses.length, 0);
}

/** True when the sweep should not read health at all, with the reason. */
export function healthUnreadable(lb: MappedLoadBalancer): LoadBalancerHealthSummary | undefined {
  if (lb.loadBalancer.sku === 'Basic') return { state: 'cannot-read', reason: BASIC_REASON };
  if (!lb.rules.some((r) => r.probeId !== undefined)) {
    return {
      state: 'not-probed',
      reason:
        lb.rules.length === 0
          ? 'no load-balancing rules'
          : 'no load-balancing rule has a health probe: nothing probes the backends',
    };
  }
  return undefined;
}

/**
 * Classifies a load balancer from its health. A backend counts once however many rules probe it, and
 * is down when any rule's probe fails it: the remediation then looks at every rule.
 */
export function classifyHealth(lb: MappedLoadBalancer, read: HealthReadResult): LoadBalancerHealthSummary {
  const unreadable = healthUnreadable(lb);
  if (unreadable) return unreadable;
  const probed = lb.rules.filter((r) => r.probeId !== undefined);
  const unanswered = probed.filter(
    (r) => !read.health.some((h) => h.ruleId.toLowerCase() === r.id.toLowerCase()),
  );
  if (read.health.length === 0 || unanswered.length === probed.length) {
    const why = read.problems.map((p) => p.message).join('; ') || 'no health source answered';
    return { state: 'cannot-read', reason: why };
  }
  const worst = new Map<string, { down: boolean; onPurpose: boolean }>();
  const sources = new Set<'rule-health' | 'metric'>();
  for (const rule of read.health) {
    for (const entry of rule.backends) {
      sources.add(entry.source);
      const key = (entry.ipConfigurationId ?? entry.ipAddress ?? '').toLowerCase();
      if (!key) continue;
      const meaning = interpretHealthEntry(entry);
      const down = meaning.state !== 'up';
      const onPurpose = down && meaning.action === 'never-fix';
      const seen = worst.get(key);
      worst.set(key, {
        down: (seen?.down ?? false) || down,
        // A backend is down on purpose only when every failing read says so.
        onPurpose: seen?.down ? seen.onPurpose && (onPurpose || !down) : onPurpose,
      });
    }
  }
  const backends = worst.size;
  // No probe answered for any backend: when the probed pools are empty too, there is nothing to probe.
  if (backends === 0 && probedPoolMembers(lb) === 0) {
    return {
      state: 'no-backends',
      backends: 0,
      reason: 'no backends to probe: the backend pool of every probed rule is empty',
    };
  }
  const downs = [...worst.values()].filter((b) => b.down);
  const summary: LoadBalancerHealthSummary = {
    state: 'healthy',
    backends,
    down: downs.length,
    sources: [...sources].sort(),
  };
  if (downs.length === 0) return summary;
  if (downs.every((b) => b.onPurpose)) {
    return { ...summary, state: 'expected-down', reason: 'every backend that is down has admin state Down' };
  }
  return { ...summary, state: 'down' };
}
