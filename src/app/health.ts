/**
 * The `readProbeHealth` activity's work: per-rule health from the health API, and the DipAvailability
 * metric where that API cannot answer (a rule without a probe, a Gateway load balancer) or failed;
 * nothing for a Basic load balancer, which has neither.
 * Which source answered is kept on every entry (`source`), so the report can say it.
 */
import type { DiscoveryFocus, HealthyMember } from '../azure/discovery';
import type { AzureReader } from '../azure/reader';
import { parseResourceId } from '../azure/resourceId';
import { interpretRuleHealth, needsMetricFallback } from '../diagnose/health';
import { ensureError, isAzureCallError } from '../errors';
import type { BackendHealth, RuleHealth } from '../model/health';
import { idKey, sameId } from '../model/ids';
import type { LoadBalancingRuleInfo, Topology } from '../model/topology';
import type { HealthTopology } from '../workflow/contracts';
import { needsChecks, splitHealthSources } from '../workflow/flow';

/** What could not be read, for the report and the audit trail; the run goes on with what was read. */
export interface HealthReadProblem {
  ruleId: string;
  message: string;
  /** ARM's HTTP status, when the read got an answer (403: the role lacks the action). */
  statusCode?: number;
}

/** What each health read is called in its problems' messages (`rule health: <the error>`). */
const HEALTH_READS = { ruleHealth: 'rule health', metric: 'DipAvailability metric' } as const;

/** True for a problem {@link readProbeHealth} reported (by its message, as the topology keeps it). */
export function isHealthReadProblem(problem: { message: string }): boolean {
  return Object.values(HEALTH_READS).some((what) => problem.message.startsWith(`${what}: `));
}

/** A failed health read as a {@link HealthReadProblem}, with ARM's status when there was one. */
function problemOf(ruleId: string, what: string, err: unknown): HealthReadProblem {
  const status = isAzureCallError(err) ? err.statusCode : undefined;
  return {
    ruleId,
    message: `${what}: ${ensureError(err).message}`,
    ...(status !== undefined ? { statusCode: status } : {}),
  };
}

/**
 * Rule-health reads already under way, by {@link idKey} of the rule's id: {@link startRuleHealth}'s,
 * for {@link readProbeHealth} to use instead of asking again.
 */
export type StartedRuleHealth = ReadonlyMap<string, Promise<RuleHealth>>;

/**
 * Starts the health read of every rule with a probe, from the rules' own list, before the load
 * balancer's answer says its SKU: on a Standard load balancer (the only SKU still sold; Basic was
 * retired on 30 September 2025) these are the reads {@link readProbeHealth} makes, sent a load
 * balancer's answer earlier. On a Basic or Gateway load balancer, which the health API does not serve,
 * {@link readProbeHealth} leaves them unused: one request per rule spent for nothing, and no problem
 * reported for its failure. A read's failure is kept in its promise for {@link readProbeHealth}.
 */
export function startRuleHealth(
  reader: Pick<AzureReader, 'getRuleHealth'>,
  loadBalancerId: string,
  rules: readonly LoadBalancingRuleInfo[],
): StartedRuleHealth {
  const started = new Map<string, Promise<RuleHealth>>();
  for (const rule of rules) {
    const key = idKey(rule.id);
    if (rule.probeId === undefined || started.has(key)) continue;
    const reading = reader.getRuleHealth(loadBalancerIdOfRule(rule, loadBalancerId), rule.name);
    // Handled where it is used; one left unused must not be an unhandled rejection.
    reading.catch(() => undefined);
    started.set(key, reading);
  }
  return started;
}

/**
 * The load balancer's id as ARM spells it in its rule's id (the rule's parent), as readProbeHealth's own
 * reads take it from the load balancer's answer: the health's rule ids then do not depend on which
 * answer came first (an alert's id may be lower-cased). The caller's id where the rule's does not parse
 * or names another parent.
 */
function loadBalancerIdOfRule(rule: LoadBalancingRuleInfo, loadBalancerId: string): string {
  let parentId: string | undefined;
  try {
    parentId = parseResourceId(rule.id).parentId;
  } catch {
    parentId = undefined;
  }
  return parentId !== undefined && sameId(parentId, loadBalancerId) ? parentId : loadBalancerId;
}

/**
 * Every rule's health: the per-rule health API for a probed rule of a Standard load balancer (the read
 * in `started` for that rule when there is one), the DipAvailability metric where the API cannot
 * answer or failed, nothing for a Basic load balancer.
 *
 * @param started - reads {@link startRuleHealth} began before the load balancer's answer.
 */
export async function readProbeHealth(
  reader: Pick<AzureReader, 'getRuleHealth' | 'getDipAvailability'>,
  topology: HealthTopology,
  onProblem: (problem: HealthReadProblem) => void = () => undefined,
  started: StartedRuleHealth = new Map(),
): Promise<RuleHealth[]> {
  const lbId = topology.loadBalancer.id;
  // Basic load balancers have neither the per-rule health API nor per-backend metrics (Standard
  // features: load-balancer-manage-health-status.md): ask neither. Every backend's state is then
  // unknown, so every one gets the cause checks, which read the guest, the VM and the NSGs instead.
  if (topology.loadBalancer.sku === 'Basic') return [];
  let metric: Promise<BackendHealth[] | undefined> | undefined;
  // The metric is per backend IP for the whole load balancer: read it at most once per run.
  const readMetric = () =>
    (metric ??= reader.getDipAvailability(lbId).catch((err: unknown) => {
      onProblem(problemOf(lbId, HEALTH_READS.metric, err));
      return undefined;
    }));

  const fromMetric = async (ruleId: string): Promise<RuleHealth | undefined> => {
    const entries = await readMetric();
    if (!entries) return undefined;
    const backends = entries.map((e) => ({ ...e, ruleId, source: 'metric' as const }));
    return {
      ruleId,
      up: backends.filter((b) => b.state === 'Up').length,
      down: backends.filter((b) => b.state === 'Down').length,
      backends,
    };
  };

  const perRule = await Promise.all(
    topology.rules.map(async (rule): Promise<RuleHealth | undefined> => {
      if (!needsMetricFallback(topology, rule)) {
        try {
          return await (started.get(idKey(rule.id)) ?? reader.getRuleHealth(lbId, rule.name));
        } catch (err) {
          onProblem(problemOf(rule.id, HEALTH_READS.ruleHealth, err));
        }
      }
      return fromMetric(rule.id);
    }),
  );
  return perRule.filter((r): r is RuleHealth => r !== undefined);
}

/**
 * Which backends discovery reads in depth, from the health just read (pure): the ones that need the
 * cause checks; the others appear with the address the health answer gives, and those up on every
 * rule are peer candidates. Undefined (read every backend) when the health cannot tell a healthy
 * backend from a down one for every backend:
 * - a Basic load balancer has no per-rule health API and no per-backend metric
 *   (load-balancer-manage-health-status.md): every backend's state is unknown, and the diagnosis
 *   judges each by its VM, guest and NSGs, which must all be read;
 * - a probed rule without a per-rule answer (the API failed, or the metric stood in for it: the
 *   metric names backends by address only, which only the NIC reads resolve). A down backend must
 *   never look healthy because its health was not read.
 */
export function focusFromHealth(view: Topology, health: RuleHealth[]): DiscoveryFocus | undefined {
  if (view.loadBalancer.sku === 'Basic') return undefined;
  const { ruleHealth, metric } = splitHealthSources(health);
  if (metric.length > 0) return undefined;
  const answered = new Set(ruleHealth.map((r) => idKey(r.ruleId)));
  if (view.rules.some((r) => r.probeId !== undefined && !answered.has(idKey(r.id)))) return undefined;

  const statuses = interpretRuleHealth(view, ruleHealth);
  // Only the failing backends are keyed now: discovery reads them first.
  const failing = new Set<string>();
  for (const status of statuses) if (needsChecks(status)) failing.add(idKey(status.backendKey));
  // The healthy members, when discovery asks for them: after the failing ones' reads are sent. One
  // pass over the statuses, each backend keyed once (a pool may hold thousands).
  const healthy = (): Map<string, HealthyMember> => {
    const keys = statuses.map((s) => idKey(s.backendKey));
    // Down on any rule is not a peer; up on every rule the backend is in is.
    const notUp = new Set<string>();
    statuses.forEach((status, i) => {
      if (status.state !== 'up') notUp.add(keys[i] as string);
    });
    const addresses = new Map<string, string>();
    for (const rule of ruleHealth) {
      for (const entry of rule.backends) {
        if (entry.ipConfigurationId && entry.ipAddress)
          addresses.set(idKey(entry.ipConfigurationId), entry.ipAddress);
      }
    }
    const members = new Map<string, HealthyMember>();
    for (const key of keys) {
      if (failing.has(key) || members.has(key)) continue;
      const ipAddress = addresses.get(key);
      members.set(key, ipAddress ? { ipAddress, up: !notUp.has(key) } : { up: !notUp.has(key) });
    }
    return members;
  };
  return { failing, healthy };
}
