/**
 * Which backends fail the probe. The per-rule health API (`POST .../loadBalancingRules/{rule}/health`)
 * is the primary source; the DipAvailability metric is the fallback where that API is not supported.
 * Every backend of every probed rule gets a status, so a backend the API left out (a stopped VM gets
 * empty values) is `unknown`, never silently healthy.
 */
import type { BackendHealth, HealthSource, RuleHealth } from '../model/health';
import { idKey, sameId } from '../model/ids';
import type { BackendInfo, LoadBalancingRuleInfo, Topology } from '../model/topology';

/**
 * What probe-doctor does with a backend, from its reason code:
 * `diagnose` run the cause checks; `never-fix` an admin state someone set on purpose;
 * `escalate` Azure says the platform is at fault; `recheck` the state is about to flip, look again
 * before acting; `none` healthy.
 */
export type BackendAction = 'diagnose' | 'never-fix' | 'escalate' | 'recheck' | 'none';

/** One backend's probe status for one rule. */
export interface BackendProbeStatus {
  backendKey: string;
  ruleId: string;
  state: 'up' | 'down' | 'unknown';
  /** Azure's reason code, when the source gave one. */
  reason?: string;
  /** Where the state came from; undefined when neither source had data for this backend. */
  source?: HealthSource;
  action: BackendAction;
  /** What the reason points at (notes/probe-facts.md), for the report and the ticket. */
  pointsAt: string;
}

interface ReasonMeaning {
  state: BackendProbeStatus['state'];
  action: BackendAction;
  pointsAt: string;
}

/** Azure's documented reason codes (load-balancer-manage-health-status) and what each points at. */
const REASONS: Record<string, ReasonMeaning> = {
  Up_Probe_Success: { state: 'up', action: 'none', pointsAt: 'the backend answers the health probe' },
  Up_Probe_ApproachingUnhealthyThreshold: {
    state: 'up',
    action: 'recheck',
    pointsAt: 'recent probes failed but the backend is still above the unhealthy threshold',
  },
  // Every backend is probed down; AllProbedUp only keeps traffic flowing, so the probe itself fails.
  Up_Probe_AllDownIsUp: {
    state: 'down',
    action: 'diagnose',
    pointsAt:
      'the probe fails, but noHealthyBackendsBehavior AllProbedUp makes Azure report the backend up because all backends are down',
  },
  Up_Admin: { state: 'up', action: 'never-fix', pointsAt: 'admin state Up overrides the probe' },
  Up_Platform: { state: 'up', action: 'none', pointsAt: 'the platform holds the backend up' },
  Down_Probe_TcpProbeTimeout: {
    state: 'down',
    action: 'diagnose',
    pointsAt: 'the VM is unhealthy, the port is blocked, or nothing healthy listens on the probe port',
  },
  Down_Probe_HttpEndpointUnreachable: {
    state: 'down',
    action: 'diagnose',
    pointsAt:
      'the TCP handshake completed but the HTTP request was rejected: an NSG, a guest firewall or the app',
  },
  Down_Probe_HttpStatusCodeError: {
    state: 'down',
    action: 'diagnose',
    pointsAt: 'the app answered with a status other than 200',
  },
  Down_Probe_HttpNoResponse: {
    state: 'down',
    action: 'diagnose',
    pointsAt: 'the app accepted the connection but did not answer the HTTP request',
  },
  Down_Probe_ApproachingHealthyThreshold: {
    state: 'down',
    action: 'recheck',
    pointsAt: 'recent probes succeeded; the backend is recovering but not yet above the healthy threshold',
  },
  Down_Admin: { state: 'down', action: 'never-fix', pointsAt: 'admin state Down overrides the probe' },
  Down_Platform: {
    state: 'down',
    action: 'escalate',
    pointsAt: 'the platform marks the backend down: escalate, do not change the configuration',
  },
  NA: { state: 'unknown', action: 'recheck', pointsAt: 'the backend has not been probed yet' },
};

/**
 * The meaning of one health entry. Unknown reason codes fall back on the state Azure gave, so a code
 * added after this table was written still lands on the right side.
 */
export function interpretHealthEntry(entry: Pick<BackendHealth, 'state' | 'reason'>): ReasonMeaning {
  const known = entry.reason !== undefined ? REASONS[entry.reason] : undefined;
  if (known) return known;
  const reasonText = entry.reason ? ` (reason ${entry.reason})` : '';
  switch (entry.state) {
    case 'Up':
      return { state: 'up', action: 'none', pointsAt: `Azure reports the backend up${reasonText}` };
    case 'Down':
      return { state: 'down', action: 'diagnose', pointsAt: `Azure reports the backend down${reasonText}` };
    default:
      return {
        state: 'unknown',
        action: 'diagnose',
        pointsAt: `Azure reports no probe state${reasonText}: a stopped VM is not probed`,
      };
  }
}

/**
 * True when the per-rule health API cannot answer for this rule, so the metric must be used: the API
 * does not support rules without a probe or Gateway load balancers, and Basic load balancers do not
 * offer it.
 */
export function needsMetricFallback(
  topology: Pick<Topology, 'loadBalancer'>,
  rule: LoadBalancingRuleInfo,
): boolean {
  const sku = topology.loadBalancer.sku;
  return sku === 'Basic' || sku === 'Gateway' || rule.probeId === undefined;
}

function backendsOfRule(topology: Pick<Topology, 'backends'>, rule: LoadBalancingRuleInfo): BackendInfo[] {
  const poolKeys = new Set(rule.backendPoolIds.map(idKey));
  return topology.backends.filter((backend) => backend.poolIds.some((poolId) => poolKeys.has(idKey(poolId))));
}

/**
 * One rule's health entries indexed once: by IP configuration ({@link idKey}) and, for entries that
 * name none, by address. The first entry wins, as a scan would find it.
 */
interface EntryIndex {
  byConfig: Map<string, BackendHealth>;
  byAddress: Map<string, BackendHealth>;
}

function indexEntries(entries: readonly BackendHealth[]): EntryIndex {
  const byConfig = new Map<string, BackendHealth>();
  const byAddress = new Map<string, BackendHealth>();
  for (const entry of entries) {
    if (entry.ipConfigurationId !== undefined) {
      const key = idKey(entry.ipConfigurationId);
      if (!byConfig.has(key)) byConfig.set(key, entry);
    } else if (entry.ipAddress !== undefined && !byAddress.has(entry.ipAddress)) {
      byAddress.set(entry.ipAddress, entry);
    }
  }
  return { byConfig, byAddress };
}

/** Health is keyed by NIC IP configuration; an IP-based member only has its address. */
function findEntry(backend: BackendInfo, index: EntryIndex): BackendHealth | undefined {
  const configId = backend.ipConfigurationId ?? (backend.membership === 'nic' ? backend.key : undefined);
  const byId = configId ? index.byConfig.get(idKey(configId)) : undefined;
  if (byId) return byId;
  // Only match by address when the entry names no IP configuration: two NICs in peered VNets may share one.
  return backend.ipAddress ? index.byAddress.get(backend.ipAddress) : undefined;
}

/**
 * Maps every backend of every probed rule to its probe status. A rule without a probe is included only
 * when the metric has data for it (loadBalancer.ts reports the missing probe). `metric` entries are
 * used for a rule only when the per-rule health API had no answer for it or cannot answer for it.
 */
export function interpretRuleHealth(
  topology: Topology,
  ruleHealth: RuleHealth[],
  metric: BackendHealth[] = [],
): BackendProbeStatus[] {
  const statuses: BackendProbeStatus[] = [];
  for (const rule of topology.rules) {
    const apiAnswer = needsMetricFallback(topology, rule)
      ? undefined
      : ruleHealth.find((health) => sameId(health.ruleId, rule.id));
    const ruleMetric = metric.filter((entry) => entry.ruleId === '' || sameId(entry.ruleId, rule.id));
    const source: HealthSource | undefined = apiAnswer
      ? 'rule-health'
      : ruleMetric.length > 0
        ? 'metric'
        : undefined;
    if (rule.probeId === undefined && source === undefined) continue;
    const entries = indexEntries(apiAnswer ? apiAnswer.backends : ruleMetric);
    for (const backend of backendsOfRule(topology, rule)) {
      const entry = findEntry(backend, entries);
      const meaning = entry
        ? interpretHealthEntry(entry)
        : interpretHealthEntry({ state: 'Unknown', reason: undefined });
      const status: BackendProbeStatus = {
        backendKey: backend.key,
        ruleId: rule.id,
        state: meaning.state,
        action: meaning.action,
        pointsAt:
          source === undefined
            ? 'no health data: neither the per-rule health API nor the metric answered'
            : meaning.pointsAt,
      };
      if (entry?.reason !== undefined) status.reason = entry.reason;
      if (source !== undefined) status.source = source;
      statuses.push(status);
    }
  }
  return statuses;
}
