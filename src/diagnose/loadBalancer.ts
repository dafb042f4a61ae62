/**
 * Causes that belong to the load balancer rather than to one backend (the report's top-level
 * `causes`): empty pools, probes that cannot work, failing rules without a probe; and notes about
 * configurations that are legitimate but change how the probe must be answered.
 */
import { idKey, sameId } from '../model/ids';
import type { Cause, Note } from '../model/report';
import { INFRASTRUCTURE_PORTS, MANAGEMENT_PORTS, type ListeningAlternative } from './listening';
import type { LoadBalancingRuleInfo, ProbeInfo, Topology } from '../model/topology';
import type { BackendProbeStatus } from './health';
import { isKubernetesOwner, ownerOf, ownershipNotes } from './ownership';
import { probeProblems } from './probeConfig';

/** What the load balancer's own configuration explains. */
export interface LoadBalancerDiagnosis {
  causes: Cause[];
  notes: Note[];
}

function rulesUsing(topology: Topology, probe: ProbeInfo): LoadBalancingRuleInfo[] {
  return topology.rules.filter((rule) => sameId(rule.probeId, probe.id));
}

function emptyPoolCauses(topology: Topology): Cause[] {
  const lb = topology.loadBalancer.name;
  const causes: Cause[] = [];
  const reported = new Map<string, Cause>();
  for (const rule of topology.rules) {
    if (rule.backendPoolIds.length === 0) {
      causes.push({
        id: 'backend-pool-empty',
        summary: `Rule ${rule.name} on ${lb} has no backend pool, so no backend can receive its traffic or answer its probe.`,
        evidence: { ruleId: rule.id, poolId: null },
      });
      continue;
    }
    for (const poolId of rule.backendPoolIds) {
      const pool = topology.pools.find((candidate) => sameId(candidate.id, poolId));
      // A pool discovery could not read is a topology problem, not an empty pool.
      if (!pool || pool.backendKeys.length > 0) continue;
      const already = reported.get(idKey(pool.id));
      if (already) {
        (already.evidence?.ruleIds as string[]).push(rule.id);
        continue;
      }
      const cause: Cause = {
        id: 'backend-pool-empty',
        summary: `Backend pool ${pool.name} of rule ${rule.name} on ${lb} has no members, so nothing answers its probe.`,
        evidence: { poolId: pool.id, ruleIds: [rule.id] },
      };
      reported.set(idKey(pool.id), cause);
      causes.push(cause);
    }
  }
  return causes;
}

function probeCauses(topology: Topology): Cause[] {
  const causes: Cause[] = [];
  for (const probe of topology.probes) {
    const rules = rulesUsing(topology, probe);
    // A probe no rule uses probes nothing.
    if (rules.length === 0) continue;
    for (const problem of probeProblems(probe, topology.loadBalancer)) {
      causes.push({
        id: 'probe-misconfigured',
        summary: problem.summary,
        evidence: {
          probeId: probe.id,
          problem: problem.problem,
          protocol: probe.protocol,
          port: probe.port,
          ...(probe.requestPath !== undefined ? { requestPath: probe.requestPath } : {}),
          ruleIds: rules.map((rule) => rule.id),
        },
      });
    }
  }
  return causes;
}

function ruleProbeCauses(topology: Topology, statuses: readonly BackendProbeStatus[]): Cause[] {
  const lb = topology.loadBalancer.name;
  const causes: Cause[] = [];
  for (const rule of topology.rules) {
    if (rule.probeId === undefined) {
      const down = statuses.filter((status) => sameId(status.ruleId, rule.id) && status.state === 'down');
      if (down.length === 0) continue;
      causes.push({
        id: 'probe-misconfigured',
        summary: `Rule ${rule.name} on ${lb} has no health probe attached while ${down.length} of its backends are down: attach a probe on backend port ${rule.backendPort}.`,
        evidence: {
          ruleId: rule.id,
          problem: 'rule-without-probe',
          downBackendKeys: down.map((s) => s.backendKey),
        },
      });
    } else if (!topology.probes.some((probe) => sameId(probe.id, rule.probeId))) {
      causes.push({
        id: 'probe-misconfigured',
        summary: `Rule ${rule.name} on ${lb} refers to probe ${rule.probeId.split('/').pop() ?? rule.probeId}, which ${lb} does not have.`,
        evidence: { ruleId: rule.id, probeId: rule.probeId, problem: 'probe-not-found' },
      });
    }
  }
  return causes;
}

/** An HA ports rule: all protocols, frontend and backend port 0 (load-balancer-ha-ports-overview). */
function isHaPortsRule(rule: LoadBalancingRuleInfo): boolean {
  return rule.protocol === 'All' && rule.frontendPort === 0 && rule.backendPort === 0;
}

/** Well-known names of the management and infrastructure ports a probe should not stand on. */
const PORT_NAMES: Readonly<Record<number, string>> = {
  22: 'SSH',
  3389: 'RDP',
  5985: 'WinRM (HTTP)',
  5986: 'WinRM (HTTPS)',
  10248: 'the kubelet health endpoint',
  10249: 'kube-proxy metrics',
  10250: 'the kubelet API',
  10255: 'the kubelet read-only API',
  10256: "kube-proxy's health endpoint",
  40342: 'the Azure Arc agent',
};

/**
 * A probe on a management or infrastructure port (SSH, RDP, WinRM, kubelet, kube-proxy, host agents)
 * that is not the port the rule serves: it stays green while the load-balanced service is dead, so it
 * is said even on a healthy run, as advice with its evidence (the rule's ports and the probe's), never
 * as a cause. On an HA ports rule every port is served, and the one probe decides for every flow: a
 * management port there proves only that the management plane answers.
 */
function probeDesignNote(
  topology: Topology,
  rule: LoadBalancingRuleInfo,
  probe: ProbeInfo,
  haPorts: boolean,
): Note | undefined {
  const what = PORT_NAMES[probe.port];
  const management = MANAGEMENT_PORTS.includes(probe.port) || INFRASTRUCTURE_PORTS.includes(probe.port);
  if (!what || !management) return undefined;
  if (!haPorts && probe.port === rule.backendPort) return undefined;
  const lb = topology.loadBalancer.name;
  const serves = haPorts ? 'every port (HA ports)' : `backend port ${rule.backendPort}`;
  return {
    id: 'probe-design',
    summary: `Probe ${probe.name} on ${lb} checks port ${probe.port} (${what}) for rule ${rule.name}, which serves ${serves}: ${what} answers whether or not the load-balanced service works, so the probe stays up while the data path is down. Probe what the service itself answers${haPorts ? " (for a network virtual appliance, the vendor's health port or an HTTP health path that checks the data path)" : ` (port ${rule.backendPort}, or an HTTP path that checks it)`}. Advice, not a fault: nothing is down because of it.`,
    evidence: {
      severity: 'advice',
      ruleId: rule.id,
      probeId: probe.id,
      probePort: probe.port,
      portRole: what,
      ...(haPorts ? { haPorts: true } : { backendPort: rule.backendPort }),
    },
  };
}

/**
 * Notes on how the rules and probes are set up. On a load balancer the Kubernetes cloud provider owns,
 * the floating-IP and probe-port notes are left out: the cloud provider sets floating IP on every
 * Service rule and kube-proxy, not an app on a loopback, takes the frontend IP; and it probes the
 * Service's node port (or health check node port), which kube-proxy serves for that same Service,
 * while the rule's backend port is the Service port. Neither says anything a person could act on there.
 * The notes with a consequence stay (a management-port probe, HA ports, AllProbedUp).
 */
function configurationNotes(topology: Topology): Note[] {
  const notes: Note[] = [];
  const lb = topology.loadBalancer.name;
  const kubernetes = isKubernetesOwner(ownerOf(topology, topology.loadBalancer.id));
  for (const rule of topology.rules) {
    const probe = topology.probes.find((candidate) => sameId(candidate.id, rule.probeId));
    if (!probe) continue;
    if (rule.enableFloatingIP && !kubernetes) {
      notes.push({
        id: 'floating-ip',
        summary: `Rule ${rule.name} on ${lb} uses floating IP: the app may listen on a loopback carrying the frontend IP, but probe ${probe.name} still targets each NIC's own IP on port ${probe.port}, so a listener bound only to the loopback fails the probe.`,
        evidence: { ruleId: rule.id, probeId: probe.id, probePort: probe.port },
      });
    }
    const haPorts = isHaPortsRule(rule);
    if (haPorts) {
      notes.push({
        id: 'ha-ports',
        summary: `Rule ${rule.name} on ${lb} is an HA ports rule (every port, every protocol: frontend and backend port 0): probe ${probe.name} on ${probe.protocol.toUpperCase()} ${probe.port} is the one health signal for every flow, so its answer must reflect the whole instance (Microsoft: "a single health probe response must reflect the status of the entire instance").`,
        evidence: { ruleId: rule.id, probeId: probe.id, probePort: probe.port, haPorts: true },
      });
    }
    const design = probeDesignNote(topology, rule, probe, haPorts);
    if (design) notes.push(design);
    if (!haPorts && probe.port !== rule.backendPort && !kubernetes) {
      notes.push({
        id: 'probe-port-differs',
        summary: `Probe ${probe.name} checks port ${probe.port} while rule ${rule.name} sends traffic to backend port ${rule.backendPort}: legitimate, but a passing probe does not prove the service on port ${rule.backendPort} works.`,
        evidence: {
          ruleId: rule.id,
          probeId: probe.id,
          probePort: probe.port,
          backendPort: rule.backendPort,
        },
      });
    }
  }
  for (const probe of topology.probes) {
    if (
      probe.noHealthyBackendsBehavior?.toLowerCase() === 'allprobedup' &&
      rulesUsing(topology, probe).length > 0
    ) {
      notes.push({
        id: 'all-probed-up',
        summary: `Probe ${probe.name} on ${lb} has noHealthyBackendsBehavior AllProbedUp: when every backend is probed down, new traffic still goes to all of them and Azure reports them Up_Probe_AllDownIsUp.`,
        evidence: { probeId: probe.id },
      });
    }
  }
  return notes;
}

/**
 * The load balancer's own causes and notes. `statuses` (from interpretRuleHealth) tell which rules are
 * failing, so a rule without a probe is blamed only when its backends are down.
 */
export function diagnoseLoadBalancer(
  topology: Topology,
  statuses: readonly BackendProbeStatus[] = [],
): LoadBalancerDiagnosis {
  return {
    causes: [...emptyPoolCauses(topology), ...probeCauses(topology), ...ruleProbeCauses(topology, statuses)],
    notes: [...ownershipNotes(topology), ...configurationNotes(topology)],
  };
}

/**
 * Probes that cannot work as configured (an HTTP probe on a port HTTP probes cannot use, a relative
 * path, HTTPS on Basic): keys by {@link idKey}. What such a probe's HTTP request gets back from a
 * backend is a consequence of the probe, not a fault of the backend's app.
 */
export function unworkableProbeKeys(causes: readonly Cause[]): Set<string> {
  const keys = new Set<string>();
  for (const cause of causes) {
    const probeId = cause.evidence?.probeId;
    if (
      cause.id === 'probe-misconfigured' &&
      typeof probeId === 'string' &&
      cause.evidence?.problem !== 'probe-not-found'
    ) {
      keys.add(idKey(probeId));
    }
  }
  return keys;
}

/** What {@link probeCoverageNotes} reads of one backend's diagnosis on one rule. */
export interface RuleBackendCauses {
  backendKey: string;
  ruleId?: string;
  causes: Cause[];
}

/**
 * A probe port served on no backend at all, while the same other port is served on all of them: one
 * load-balancer finding (the probe's configuration is wrong), not one per VM. Each backend keeps its
 * `not-listening` cause; this note says what they add up to, and planning makes one recommendation.
 */
export function probeCoverageNotes(topology: Topology, diagnoses: readonly RuleBackendCauses[]): Note[] {
  const notes: Note[] = [];
  for (const probe of topology.probes) {
    const rules = rulesUsing(topology, probe);
    if (rules.length === 0) continue;
    const ruleKeys = new Set(rules.map((r) => idKey(r.id)));
    const notListening = new Map<string, ListeningAlternative[]>();
    for (const d of diagnoses) {
      if (!d.ruleId || !ruleKeys.has(idKey(d.ruleId))) continue;
      const cause = d.causes.find(
        (c) =>
          c.id === 'not-listening' &&
          c.evidence?.port === probe.port &&
          Array.isArray(c.evidence.boundTo) &&
          c.evidence.boundTo.length === 0,
      );
      if (cause)
        notListening.set(idKey(d.backendKey), (cause.evidence?.alternatives as ListeningAlternative[]) ?? []);
    }
    // Every member of the probe's pools (at least two) is one of them: checked member by member, so a
    // pool of a thousand with a few not listening is answered at its first listening member.
    if (notListening.size < 2) continue;
    const pools = new Set(rules.flatMap((r) => r.backendPoolIds.map(idKey)));
    const members = new Set<string>();
    const allNotListening = topology.pools
      .filter((p) => pools.has(idKey(p.id)))
      .every((p) =>
        p.backendKeys.every((k) => {
          const key = idKey(k);
          members.add(key);
          return notListening.has(key);
        }),
      );
    if (!allNotListening || members.size !== notListening.size) continue;
    const lists = [...notListening.values()];
    const common = (lists[0] ?? []).filter(
      (a) => !a.management && lists.every((list) => list.some((b) => b.port === a.port && !b.management)),
    );
    const servedEverywhere =
      common.length === 1
        ? `, while port ${common[0]!.port}${common[0]!.process ? ` (${common[0]!.process})` : ''} listens on every one of them`
        : '';
    notes.push({
      id: 'probe-port-served-nowhere',
      summary: `Probe ${probe.name} checks TCP port ${probe.port}, which nothing listens on at any of the ${members.size} backends${servedEverywhere}: the probe's configuration is wrong for the whole pool, not each VM.`,
      evidence: {
        probeId: probe.id,
        port: probe.port,
        backendCount: members.size,
        commonAlternatives: common,
      },
    });
  }
  return notes;
}
