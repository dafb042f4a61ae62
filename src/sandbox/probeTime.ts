/**
 * Probe re-evaluation in time: a layer over the derived views that makes per-rule health and the
 * DipAvailability metric change the way Azure's do after a change, not at once.
 *
 * What the docs say (MicrosoftDocs/azure-docs, articles/load-balancer/):
 * - load-balancer-custom-probe-overview.md and the Probe reference: a probe runs every
 *   `intervalInSeconds`; `probeThreshold` is "the number of consecutive successful or failed probes
 *   in order to allow or deny traffic": after that many failures the endpoint is taken out of
 *   rotation, and it needs as many successes to come back. `numberOfProbes` is the older property.
 * - load-balancer-manage-health-status.md: `Down_Probe_ApproachingHealthyThreshold` ("the most recent
 *   probe outcome is positive, but it doesn't meet the required number of responses in the healthy
 *   threshold, so the backend instance remains unhealthy"), `Up_Probe_ApproachingUnhealthyThreshold`
 *   (the converse), `NA` (not probed yet), and empty values for a VM that is turned off.
 *
 * The model: the derived views say what a probe sent now would see (the "instant" result). This
 * layer remembers, per rule and backend, the last result Azure would report and when the instant
 * result last changed. The first probe after a change comes one interval later; the state flips
 * after `threshold` probes, so at `interval x threshold` after the change; in between, the
 * "approaching" reason codes. A VM that stops is not probed from then on (empty values at once); a
 * VM that starts, or an instance that joins a pool (a scale-out), is `NA` until its first probe. Changes are noticed after every request that changed
 * the sandbox's state (`state.version`), timed on the sandbox's clock: wall time standalone, the
 * local durable host's timers in-process (clock.ts). The interval runs at the time model's
 * `probeScale` (timeModel.ts), the same model that times every other kind of Azure work: 1 in the
 * standalone sandbox and in-process by default, 0.01 in the benchmark (5 s x 2 becomes 100 ms).
 *
 * It reads the derived views' answers (the wire bodies), never how they were computed, so it stands
 * apart from the reference model in src/sandbox/derive.
 */
import { idKey } from '../model/ids';
import type { SandboxClock } from './clock';
import type { SandboxState } from './state';
import { changedSince, findResource } from './state';
import { probeReevaluationMs, type TimeModel } from './timeModel';
import type { SandboxViews } from './views';

/** What the health API says of one backend of one rule: a state and reason, or nothing (not probed). */
export type ProbeResult = { state: 'Up' | 'Down'; reason: string } | undefined;

/** What the layer remembers of one backend of one rule. */
export interface ProbeTimelineEntry {
  /** What was reported when the instant result last changed. */
  from: ProbeResult;
  /** The instant result since then. */
  target: ProbeResult;
  /** Sandbox time (ms) of that change; -Infinity for the scenario's own, long settled state. */
  since: number;
  /** Sandbox ms between probes (the probe's interval, scaled by the time model); 0: at once. */
  intervalMs: number;
  threshold: number;
}

/** One probed load-balancing rule of the state. */
interface ProbedRule {
  lbId: string;
  ruleId: string;
  ruleName: string;
  intervalMs: number;
  threshold: number;
}

interface BackendAddress {
  ipAddress?: string;
  networkInterfaceIPConfigurationId?: string;
  state?: string;
  reason?: string;
}

const record = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' ? (v as Record<string, unknown>) : {};

const positive = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;

/** Every rule with a probe, with the probe's interval (scaled by `time`) and threshold (15 s and 1 when not set). */
function probedRules(state: SandboxState, time: TimeModel): ProbedRule[] {
  const rules: ProbedRule[] = [];
  for (const resource of state.resources.values()) {
    if (String(resource.type).toLowerCase() !== 'microsoft.network/loadbalancers') continue;
    const lbRules = record(resource.properties).loadBalancingRules;
    if (!Array.isArray(lbRules)) continue;
    for (const rule of lbRules.map(record)) {
      const probeId = record(record(rule.properties).probe).id;
      if (typeof probeId !== 'string' || typeof rule.name !== 'string') continue;
      const probe = record(findResource(state, probeId)?.properties);
      rules.push({
        lbId: String(resource.id),
        ruleId:
          typeof rule.id === 'string' ? rule.id : `${String(resource.id)}/loadBalancingRules/${rule.name}`,
        ruleName: rule.name,
        intervalMs: probeReevaluationMs(time, positive(probe.intervalInSeconds) ?? 15, 1),
        threshold: Math.max(
          1,
          Math.floor(positive(probe.probeThreshold) ?? positive(probe.numberOfProbes) ?? 1),
        ),
      });
    }
  }
  return rules;
}

function addressesOf(body: unknown): BackendAddress[] {
  const list = record(body).loadBalancerBackendAddresses;
  // record() returns an object entry itself, so an entry keeps its identity (see observedAddresses).
  return Array.isArray(list) ? list.map((a): BackendAddress => record(a)) : [];
}

const backendKey = (a: BackendAddress): string =>
  idKey(a.networkInterfaceIPConfigurationId ?? a.ipAddress ?? '');

const resultOf = (a: BackendAddress): ProbeResult =>
  a.state === 'Up' || a.state === 'Down' ? { state: a.state, reason: a.reason ?? 'NA' } : undefined;

/** The address without its state and reason (a copy: the inner answer is not changed). */
const withoutResult = ({ state: _state, reason: _reason, ...rest }: BackendAddress): BackendAddress => rest;

const same = (a: ProbeResult, b: ProbeResult): boolean =>
  a === undefined || b === undefined ? a === b : a.state === b.state && a.reason === b.reason;

/** What Azure reports for `entry` at `now` (pure). */
export function reportedAt(entry: ProbeTimelineEntry, now: number): ProbeResult {
  const { from, target } = entry;
  // A VM that stops is not probed any more: empty values at once.
  if (target === undefined || entry.since === -Infinity || !(entry.intervalMs > 0)) return target;
  const probes = Math.floor((now - entry.since) / entry.intervalMs);
  // A VM that starts has no result until its first probe.
  const before = from ?? { state: 'Down' as const, reason: 'NA' };
  if (probes >= entry.threshold) return target;
  if (target.state === before.state) return probes >= 1 ? target : before;
  if (probes < 1) return before;
  return target.state === 'Up'
    ? { state: 'Down', reason: 'Down_Probe_ApproachingHealthyThreshold' }
    : { state: 'Up', reason: 'Up_Probe_ApproachingUnhealthyThreshold' };
}

/** The time layer. One per sandbox; {@link timedViews} wraps the views with it. */
export class ProbeTimeline {
  private readonly entries = new Map<string, ProbeTimelineEntry>();
  /**
   * By rule ({@link idKey} of its id): the keys of its entries that may still report something other
   * than their target (a change being probed). Few: only the backends a change touched.
   */
  private readonly changing = new Map<string, Set<string>>();
  /**
   * The backend entries of each rule's body as last observed, by rule id. The derived views hand an
   * unchanged rule's entries over as the same frozen list, and an unchanged backend's entry as the
   * same frozen object (derive/ruleHealth.ts), so a change that touched few backends costs few
   * comparisons here, not one per backend of every pool.
   */
  private readonly observedAddresses = new Map<string, unknown>();
  private seenVersion: number | undefined;
  /** The probed rules of the state at one version: every health request needs them. */
  private rulesAt: { state: SandboxState; version: number; rules: ProbedRule[] } | undefined;

  constructor(
    private readonly inner: SandboxViews,
    private readonly clock: SandboxClock,
    private readonly time: TimeModel,
  ) {}

  /**
   * Notices a change of the state (called after every request, and before answering health): the
   * instant result of every probed backend is compared with the one remembered, and a change starts
   * its re-evaluation at the clock's now. The scenario's own state counts as long settled.
   */
  observe(state: SandboxState): void {
    if (state.version === this.seenVersion) return;
    const settled = this.seenVersion === undefined;
    this.seenVersion = state.version;
    const now = this.clock.now();
    for (const rule of this.probedRules(state)) {
      let body: unknown;
      try {
        body = this.inner.ruleHealth(state, rule.lbId, rule.ruleName);
      } catch {
        continue; // a rule the health API does not answer for (Gateway SKU): nothing to time
      }
      const list = record(body).loadBalancerBackendAddresses;
      const before = this.observedAddresses.get(rule.ruleId);
      this.observedAddresses.set(rule.ruleId, list);
      // Only frozen lists and entries are skipped: views that edit their answers in place are read
      // entry by entry. The same list as last time: no backend of this rule changed.
      if (!settled && before === list && Object.isFrozen(list)) continue;
      const previous = Array.isArray(before) ? (before as unknown[]) : [];
      for (const [i, address] of addressesOf(body).entries()) {
        // The same entry as last time: the same backend with the same instant result, nothing to note.
        if (!settled && previous[i] === address && Object.isFrozen(address)) continue;
        const ruleKey = idKey(rule.ruleId);
        const key = `${ruleKey}|${backendKey(address)}`;
        const instant = resultOf(address);
        const entry = this.entries.get(key);
        const timing = { intervalMs: rule.intervalMs, threshold: rule.threshold };
        if (settled) {
          this.entries.set(key, { from: instant, target: instant, since: -Infinity, ...timing });
        } else if (!entry) {
          // A backend that joined the pool since (a scale-out's new instance): NA until its first probe.
          this.entries.set(key, { from: undefined, target: instant, since: now, ...timing });
          this.noteChanging(ruleKey, key);
        } else if (!same(entry.target, instant)) {
          this.entries.set(key, { from: reportedAt(entry, now), target: instant, since: now, ...timing });
          this.noteChanging(ruleKey, key);
        }
      }
    }
  }

  private noteChanging(ruleKey: string, key: string): void {
    const keys = this.changing.get(ruleKey);
    if (keys) keys.add(key);
    else this.changing.set(ruleKey, new Set([key]));
  }

  /**
   * Whether every backend of the rule reports its target (its instant result) at `at`. An entry that
   * does is forgotten here: once a change has been probed to its end, time only keeps it there.
   */
  private settled(ruleKey: string, at: number): boolean {
    const keys = this.changing.get(ruleKey);
    if (!keys) return true;
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (!entry || same(reportedAt(entry, at), entry.target)) keys.delete(key);
    }
    if (keys.size > 0) return false;
    this.changing.delete(ruleKey);
    return true;
  }

  private probedRules(state: SandboxState): ProbedRule[] {
    const at = this.rulesAt;
    // Changes scoped to an NSG or a guest (state.ts) leave load balancers and probes as they were.
    if (at?.state === state && changedSince(state, at.version)) {
      at.version = state.version;
      return at.rules;
    }
    const rules = probedRules(state, this.time);
    this.rulesAt = { state, version: state.version, rules };
    return rules;
  }

  /** What Azure reports now for one backend of one rule, or `instant` when nothing is remembered. */
  reported(
    ruleId: string,
    address: BackendAddress,
    instant: ProbeResult,
    now = this.clock.now(),
  ): ProbeResult {
    const entry = this.entries.get(`${idKey(ruleId)}|${backendKey(address)}`);
    return entry ? reportedAt(entry, now) : instant;
  }

  /** A rule health body with each backend's state and reason as Azure reports them now. */
  timedRuleHealth(state: SandboxState, lbId: string, ruleName: string): unknown {
    this.observe(state);
    const body = record(this.inner.ruleHealth(state, lbId, ruleName));
    const rule = this.probedRules(state).find(
      (r) => idKey(r.lbId) === idKey(lbId) && r.ruleName.toLowerCase() === ruleName.toLowerCase(),
    );
    if (!rule) return body;
    // One answer speaks for one instant.
    const at = this.clock.now();
    // No change of the rule's is still being probed: every backend reports its instant result, so the
    // derived body is the answer as it is (the same frozen object at this state version), and a pool
    // of thousands is neither copied per request nor its answer encoded again (actions.ts bytesAhead).
    if (Object.isFrozen(body) && this.settled(idKey(rule.ruleId), at)) return body;
    const addresses = addressesOf(body).map((address) => {
      const now = this.reported(rule.ruleId, address, resultOf(address), at);
      // Reported as derived (every settled backend): the entry as it is, not a copy per request.
      if (
        now
          ? address.state === now.state && address.reason === now.reason
          : !('state' in address || 'reason' in address)
      )
        return address;
      const rest = withoutResult(address);
      return now ? { ...rest, state: now.state, reason: now.reason } : rest;
    });
    return {
      ...body,
      up: addresses.filter((a) => 'state' in a && a.state === 'Up').length,
      down: addresses.filter((a) => 'state' in a && a.state === 'Down').length,
      loadBalancerBackendAddresses: addresses,
    };
  }

  /**
   * The DipAvailability body with each backend address's average as the probes report it now: 100
   * when every rule's probe reports it Up, else 0 (an address no rule probes keeps the inner value).
   */
  timedMetric(state: SandboxState, lbId: string): unknown {
    this.observe(state);
    const body = record(this.inner.dipAvailabilityMetric(state, lbId));
    const byIp = new Map<string, number>();
    const at = this.clock.now();
    for (const rule of this.probedRules(state).filter((r) => idKey(r.lbId) === idKey(lbId))) {
      let health: unknown;
      try {
        health = this.inner.ruleHealth(state, rule.lbId, rule.ruleName);
      } catch {
        continue;
      }
      for (const address of addressesOf(health)) {
        if (!address.ipAddress) continue;
        const now = this.reported(rule.ruleId, address, resultOf(address), at);
        const value = now?.state === 'Up' ? 100 : 0;
        byIp.set(address.ipAddress, Math.min(byIp.get(address.ipAddress) ?? 100, value));
      }
    }
    const metrics = Array.isArray(body.value) ? body.value.map(record) : [];
    return {
      ...body,
      value: metrics.map((metric) => ({
        ...metric,
        timeseries: (Array.isArray(metric.timeseries) ? metric.timeseries.map(record) : []).map((series) => {
          const meta = Array.isArray(series.metadatavalues) ? series.metadatavalues.map(record) : [];
          const ip = meta.find((m) => record(m.name).value === 'backendipaddress')?.value;
          const average = typeof ip === 'string' ? byIp.get(ip) : undefined;
          if (average === undefined) return series;
          const data = Array.isArray(series.data) ? series.data.map(record) : [];
          return { ...series, data: data.map((d) => ({ ...d, average })) };
        }),
      })),
    };
  }
}

/** The views with rule health and the metric answered through `timeline`. */
export function timedViews(inner: SandboxViews, timeline: ProbeTimeline): SandboxViews {
  return {
    ...inner,
    ruleHealth: (state, lbId, ruleName) => timeline.timedRuleHealth(state, lbId, ruleName),
    dipAvailabilityMetric: (state, lbId) => timeline.timedMetric(state, lbId),
  };
}
