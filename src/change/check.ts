/**
 * The change gate's verdicts (pure): for every load balancer the planned edits touch, whether each
 * probe still reaches each backend after them. The path is the diagnosis's own evaluators: Azure
 * Virtual Network Manager security admin rules first (`firstMatch` of src/diagnose/nsg/effective.ts, as
 * the diagnosis cross-checks them: `Deny` stops the probe whatever the NSGs say, `AlwaysAllow` delivers
 * it without the NSGs, `Allow` hands it on), then the NSGs (`evaluateProbeInbound`). Whether something
 * listens on the probe port, and what an HTTP(S) probe's new request is answered, come from the
 * snapshot's guest facts when it has them. Only what the change makes worse is a break: a probe that
 * already fails is reported as such, with what blocks it before the change, not blamed on the change.
 * What the state cannot model (an admin rule whose reach is not known, a probe request never asked of
 * the backends) is `cannot-decide`, never a pass.
 */
import { evaluateProbeInbound, firstMatch, vnetTags } from '../diagnose/nsg';
import type { EffectiveSecurityRule } from '../model/evidence';
import { idKey, sameId } from '../model/ids';
import type { BackendInfo, ProbeInfo, Topology } from '../model/topology';
import { denyingRulesOf, splitLockedOut } from '../remediate/lockdown';
import { applyEdits, resolveNsg, type AppliedTopology } from './apply';
import type { PlannedEdit } from './changes';

/**
 * What the snapshot knows of a VM's guest: its listeners (a scenario's `guests[].listening`) and what
 * `GET port path` answers (`guests[].http`; `tls` set: the port speaks HTTPS).
 */
export interface GuestListeners {
  listening: { protocol: string; address: string; port: number }[];
  http?: { port: number; path: string; status: number; tls?: unknown }[];
}

/**
 * The security admin rules in effect on a backend's NIC (the admin entries of its effective-NSG
 * answer), or why they could not be read (a scale set VM NIC, a stopped VM, a failed call).
 */
export type AdminRulesRead = { ok: true; rules: EffectiveSecurityRule[] } | { ok: false; reason: string };

/** Admin rules per backend, by {@link BackendInfo.key}. */
export type AdminRulesByBackend = Readonly<Record<string, AdminRulesRead>>;

const ADMIN_KINDS = new Set(['put-admin-rule', 'delete-admin-rule', 'admin-scope']);

export type ProbeOutcome = 'keeps-working' | 'breaks' | 'cannot-decide' | 'already-failing';

/** The rule that would block the probe, and where. */
export interface BlockingRule {
  nsgId: string;
  nsgName: string;
  /** `admin`: a Virtual Network Manager security admin rule (`nsgId` and `nsgName` then name no NSG). */
  level: 'subnet' | 'nic' | 'admin';
  ruleName: string;
  priority: number;
  access: 'Allow' | 'Deny';
}

export interface ProbeCheck {
  loadBalancerId: string;
  loadBalancerName: string;
  probe: string;
  /** The probe's protocol after the change: an HTTP(S) probe also needs its path to answer 200. */
  protocol: ProbeInfo['protocol'];
  port: number;
  /** HTTP(S) probes: the path asked for. */
  requestPath?: string;
  outcome: ProbeOutcome;
  /** The backends (NIC IP configuration ids) the outcome is about. */
  backends: string[];
  /** Why: the blocking rule, nothing listening, or the unknown values. */
  reason: string;
  blockingRule?: BlockingRule;
  /** The plan's resource addresses (or what-if resource ids) behind the outcome. */
  changes: string[];
  /** The smallest change that keeps the probe working. */
  fix?: string;
}

export interface ChangeCheckResult {
  checks: ProbeCheck[];
  /** Edits that touch no load balancer in the state, by address. */
  untouched: string[];
  /** Edits with values only known after apply, by address, with those values. */
  unknown: { address: string; values: string[] }[];
}

function listens(
  guests: Readonly<Record<string, GuestListeners>> | undefined,
  backend: BackendInfo,
  port: number,
): boolean | undefined {
  const guest = backend.vmId && guests ? guests[idKey(backend.vmId)] : undefined;
  if (!guest) return undefined;
  return guest.listening.some(
    (l) =>
      l.protocol.toLowerCase() === 'tcp' &&
      l.port === port &&
      ['0.0.0.0', '::', '*', '[::]', backend.ipAddress].includes(l.address),
  );
}

function backendsOf(topology: Topology, probe: ProbeInfo): BackendInfo[] {
  const pools = new Set(
    topology.rules.filter((r) => sameId(r.probeId, probe.id)).flatMap((r) => r.backendPoolIds.map(idKey)),
  );
  return topology.backends.filter((b) => b.poolIds.some((p) => pools.has(idKey(p))));
}

/** A free inbound priority just above (numerically below) `blocking` in that NSG. */
function freePriorityBelow(topology: Topology, nsgId: string, blocking: number): number | undefined {
  const used = new Set(
    (topology.nsgs[idKey(nsgId)]?.securityRules ?? [])
      .filter((r) => r.direction === 'Inbound')
      .map((r) => r.priority),
  );
  for (let p = blocking - 1; p >= 100; p--) if (!used.has(p)) return p;
  return undefined;
}

interface BackendVerdict {
  ok: boolean;
  nsgBlocked?: BlockingRule;
  notListening?: boolean;
  /** What the HTTP(S) probe's request is answered, when that is why it fails. */
  httpAnswer?: string;
  /** Why the verdict cannot be decided from the state (the outcome is then `cannot-decide`). */
  undecidable?: string;
}

/** Whether the probe asks something else of the backends than before (protocol, port or path). */
function askChanged(before: ProbeInfo | undefined, after: ProbeInfo): boolean {
  if (!before) return true;
  const path = (p: ProbeInfo) => (p.protocol === 'Tcp' ? '' : (p.requestPath ?? '/'));
  return before.protocol !== after.protocol || before.port !== after.port || path(before) !== path(after);
}

/**
 * An HTTP(S) probe's request judged from the snapshot's `GET port path` answers: only 200 is healthy,
 * and a port that speaks HTTPS gives a plain HTTP probe no answer. Undefined when the guest facts hold
 * no answer for that request.
 */
function httpAnswer(
  guest: GuestListeners | undefined,
  probe: ProbeInfo,
): { ok: boolean; answer: string } | undefined {
  const path = probe.requestPath ?? '/';
  const entry = guest?.http?.find((h) => h.port === probe.port && h.path === path);
  if (!entry) return undefined;
  if (probe.protocol === 'Http' && entry.tls !== undefined)
    return { ok: false, answer: `port ${probe.port} speaks HTTPS: a plain HTTP GET ${path} gets no answer` };
  return {
    ok: entry.status === 200,
    answer: `GET ${path} on port ${probe.port} answers ${entry.status}${entry.status === 200 ? '' : ' (only 200 is healthy)'}`,
  };
}

function verdictOf(
  topology: Topology,
  backend: BackendInfo,
  probe: ProbeInfo,
  guests: Readonly<Record<string, GuestListeners>> | undefined,
  admin: readonly EffectiveSecurityRule[] | undefined,
  judgeRequest: boolean,
): BackendVerdict {
  const path = evaluateProbeInbound(topology, backend, probe);
  // Security admin rules come before every NSG, as the diagnosis's cross-check applies them.
  const adminDecision =
    admin && admin.length > 0 ? firstMatch(admin, path.packet, vnetTags(topology, backend)) : undefined;
  if (adminDecision && adminDecision.open.length > 0) {
    return {
      ok: false,
      undecidable: `security admin rule(s) ${adminDecision.open.map((r) => `${r.name} (${r.priority})`).join(', ')} cannot be evaluated for the probe (an empty side, an unexpanded tag, a malformed range)`,
    };
  }
  const adminRule = adminDecision?.rule;
  const blocked = path.blockedBy;
  const nsgBlocked: BlockingRule | undefined =
    adminRule?.access === 'Deny'
      ? {
          nsgId: '',
          nsgName: 'Virtual Network Manager',
          level: 'admin',
          ruleName: adminRule.name,
          priority: adminRule.priority,
          access: 'Deny',
        }
      : adminRule?.access === 'AlwaysAllow' || !blocked
        ? undefined
        : {
            nsgId: blocked.nsgId,
            nsgName: blocked.nsgName,
            level: blocked.level,
            ruleName: blocked.rule.name,
            priority: blocked.rule.priority,
            access: blocked.access,
          };
  const notListening = listens(guests, backend, probe.port) === false;
  const reached = !nsgBlocked && !notListening;
  if (reached && judgeRequest && probe.protocol !== 'Tcp') {
    const guest = backend.vmId && guests ? guests[idKey(backend.vmId)] : undefined;
    const answer = httpAnswer(guest, probe);
    if (!answer) {
      return {
        ok: false,
        undecidable: `the probe now asks ${probe.protocol.toUpperCase()} GET ${probe.requestPath ?? '/'} on port ${probe.port}, which was never asked of the backends (the state holds no answer for it)`,
      };
    }
    if (!answer.ok) return { ok: false, httpAnswer: answer.answer };
  }
  return {
    ok: reached,
    ...(nsgBlocked ? { nsgBlocked } : {}),
    ...(notListening ? { notListening } : {}),
  };
}

/** Why a backend verdict fails, in words. */
function whyOf(verdict: BackendVerdict, port: number): string {
  const b = verdict.nsgBlocked;
  if (b?.level === 'admin')
    return `security admin rule ${b.ruleName} at ${b.priority} denies TCP ${port} from AzureLoadBalancer (168.63.129.16); no NSG rule can override it`;
  if (b)
    return `${b.nsgName} (${b.level}) rule ${b.ruleName} at ${b.priority} denies TCP ${port} from AzureLoadBalancer (168.63.129.16)`;
  if (verdict.notListening) return `nothing listens on TCP ${port} on the backend (snapshot guest facts)`;
  return verdict.httpAnswer ?? verdict.undecidable ?? 'the probe fails';
}

/**
 * The admin rules in effect on a backend after the change, or why that cannot be decided. A put or
 * delete of a rule the backend already has (by name) is applied; a new rule's reach (its rule
 * collection's network groups and the configuration's deployment) is not in the state, so it is only
 * harmless when it changes nothing for this probe; `maybe` lists those.
 */
function adminAfter(
  before: readonly EffectiveSecurityRule[],
  adminEdits: readonly PlannedEdit[],
): {
  rules: EffectiveSecurityRule[];
  maybe: { planned: PlannedEdit; rule: EffectiveSecurityRule }[];
  applied: PlannedEdit[];
} {
  let rules = [...before];
  const maybe: { planned: PlannedEdit; rule: EffectiveSecurityRule }[] = [];
  const applied: PlannedEdit[] = [];
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  // A replace is a delete then a put of the same name: the new rule reaches where the old one did.
  const removed: string[] = [];
  for (const planned of adminEdits) {
    const edit = planned.edit;
    if (edit?.kind === 'delete-admin-rule') {
      if (rules.some((r) => same(r.name, edit.ruleName))) {
        rules = rules.filter((r) => !same(r.name, edit.ruleName));
        removed.push(edit.ruleName);
        applied.push(planned);
      }
    } else if (edit?.kind === 'put-admin-rule') {
      if (rules.some((r) => same(r.name, edit.rule.name)) || removed.some((n) => same(n, edit.rule.name))) {
        rules = [...rules.filter((r) => !same(r.name, edit.rule.name)), edit.rule];
        applied.push(planned);
      } else maybe.push({ planned, rule: edit.rule });
    }
  }
  return { rules, maybe, applied };
}

/** NSG keys on a backend's probe path, in either topology. */
function pathNsgs(topologies: Topology[], backend: BackendInfo): string[] {
  return topologies.flatMap((t) => {
    const b = t.backends.find((x) => x.key === backend.key) ?? backend;
    const subnet = b.subnetId ? t.subnets[idKey(b.subnetId)] : undefined;
    const nic = b.nicId ? t.nics[idKey(b.nicId)] : undefined;
    return [subnet?.nsgId, nic?.nsgId].filter((x): x is string => !!x).map(idKey);
  });
}

/** Edits with unknown values that could touch this backend's probe path. */
function unknownFor(
  edits: readonly PlannedEdit[],
  before: Topology,
  applied: AppliedTopology,
  backend: BackendInfo,
): PlannedEdit[] {
  const nsgs = pathNsgs([before, applied.after], backend);
  return edits.filter((e) => {
    if (e.unknown.length === 0) return false;
    const target = e.unknownTarget;
    if (!target) return true;
    if (target.loadBalancerId) return sameId(target.loadBalancerId, before.loadBalancer.id);
    const key = target.nsg ? resolveNsg(before, target.nsg) : undefined;
    return key !== undefined && nsgs.includes(key);
  });
}

/** Checks one load balancer's probes against the edits. */
export function checkLoadBalancer(
  before: Topology,
  edits: readonly PlannedEdit[],
  guests?: Readonly<Record<string, GuestListeners>>,
  admin?: AdminRulesByBackend,
): { checks: ProbeCheck[]; touchedBy: PlannedEdit[] } {
  const applied = applyEdits(before, edits);
  const after = applied.after;
  const checks: ProbeCheck[] = [];
  const unknownTouch = new Set<PlannedEdit>();
  const adminEdits = edits.filter((e) => e.edit && ADMIN_KINDS.has(e.edit.kind));
  const scopeEdits = adminEdits.filter((e) => e.edit?.kind === 'admin-scope');
  const undecided = (reason: string, changes: PlannedEdit[]) => {
    changes.forEach((c) => unknownTouch.add(c));
    return { reason, changes: changes.map((c) => c.source.address) };
  };
  for (const probe of after.probes) {
    const probeBefore = before.probes.find((p) => sameId(p.id, probe.id));
    const groups = new Map<string, ProbeCheck>();
    const add = (key: string, make: () => ProbeCheck, backend: string) => {
      const check = groups.get(key) ?? make();
      check.backends.push(backend);
      groups.set(key, check);
    };
    const base = {
      loadBalancerId: after.loadBalancer.id,
      loadBalancerName: after.loadBalancer.name,
      probe: probe.name,
      protocol: probe.protocol,
      port: probe.port,
      ...(probe.protocol !== 'Tcp' && probe.requestPath ? { requestPath: probe.requestPath } : {}),
    };
    for (const backend of backendsOf(after, probe)) {
      const backendBefore = before.backends.find((b) => b.key === backend.key);
      const unknown = unknownFor(edits, before, applied, backend);
      const unresolved = applied.unresolved.filter(({ edit: { edit } }) =>
        edit?.kind === 'associate-subnet-nsg'
          ? sameId(edit.subnetId, backend.subnetId)
          : edit?.kind === 'associate-nic-nsg' && sameId(edit.nicId, backend.nicId),
      );
      if (unknown.length === 0 && unresolved.length > 0) {
        add(
          'unresolved',
          () => ({
            ...base,
            outcome: 'cannot-decide',
            backends: [],
            reason: `cannot be decided from this state: ${unresolved.map((u) => `${u.edit.source.address} associates ${u.reason}`).join('; ')}`,
            changes: unresolved.map((u) => u.edit.source.address),
          }),
          backend.key,
        );
        continue;
      }
      if (unknown.length > 0) {
        unknown.forEach((u) => unknownTouch.add(u));
        add(
          'unknown',
          () => ({
            ...base,
            outcome: 'cannot-decide',
            backends: [],
            reason: `cannot be decided before apply: ${unknown.map((u) => `${u.source.address} (${u.unknown.join(', ')})`).join('; ')}`,
            changes: unknown.map((u) => u.source.address),
          }),
          backend.key,
        );
        continue;
      }
      // The admin rules before and after the change, where the state can tell them.
      const read = admin?.[backend.key] ?? admin?.[backendBefore?.key ?? ''];
      const adminBefore = read?.ok ? read.rules : undefined;
      let adminNow = adminBefore;
      let cannot: { reason: string; changes: string[] } | undefined;
      if (scopeEdits.length > 0) {
        cannot = undecided(
          `${scopeEdits.map((e) => `${e.source.address} (${e.edit?.kind === 'admin-scope' ? e.edit.resourceType : ''})`).join('; ')} change${scopeEdits.length === 1 ? 's' : ''} which Virtual Network Manager security admin rules reach which virtual networks; the state does not hold network group membership or deployments`,
          scopeEdits,
        );
      } else if (adminEdits.length > 0 && !adminBefore) {
        cannot = undecided(
          `the security admin rules in effect on the backend could not be read (${read && !read.ok ? read.reason : 'not read'}), so ${adminEdits.map((e) => e.source.address).join(', ')} cannot be evaluated`,
          adminEdits,
        );
      } else if (adminEdits.length > 0 && adminBefore) {
        const next = adminAfter(adminBefore, adminEdits);
        next.applied.forEach((e) => unknownTouch.add(e));
        adminNow = next.rules;
        // A new admin rule whose reach is unknown: harmless only when it changes nothing for this probe.
        const judge = askChanged(probeBefore, probe);
        const without = verdictOf(after, backend, probe, guests, adminNow, judge);
        const withAll = verdictOf(
          after,
          backend,
          probe,
          guests,
          [...adminNow, ...next.maybe.map((m) => m.rule)],
          judge,
        );
        // Only a rule that turns the probe's pass into a fail (or a fail into a pass) matters here.
        const differs = next.maybe.length > 0 && without.ok !== withAll.ok;
        if (differs) {
          cannot = undecided(
            `${next.maybe.map((m) => `${m.planned.source.address} adds security admin rule ${m.rule.name} (${m.rule.access} at ${m.rule.priority})`).join('; ')}, which would ${withAll.ok ? 'let the probe through' : `stop the probe (${whyOf(withAll, probe.port)})`} if its rule collection reaches this backend's virtual network; which networks it reaches (the collection's network groups and the configuration's deployment) is not in the state`,
            next.maybe.map((m) => m.planned),
          );
        }
      }
      if (cannot) {
        const found = cannot;
        add(
          `admin|${found.reason}`,
          () => ({
            ...base,
            outcome: 'cannot-decide',
            backends: [],
            reason: found.reason,
            changes: found.changes,
          }),
          backend.key,
        );
        continue;
      }
      const was =
        probeBefore && backendBefore
          ? verdictOf(before, backendBefore, probeBefore, guests, adminBefore, false)
          : undefined;
      const now = verdictOf(after, backend, probe, guests, adminNow, askChanged(probeBefore, probe));
      if (now.undecidable) {
        const reason = `cannot be decided from this state: ${now.undecidable}`;
        add(
          `undecidable|${reason}`,
          () => ({
            ...base,
            outcome: 'cannot-decide',
            backends: [],
            reason,
            changes: (applied.lbEdits.length > 0 ? applied.lbEdits : applied.touchedBy).map(
              (e) => e.source.address,
            ),
          }),
          backend.key,
        );
        continue;
      }
      if (now.ok) {
        add(
          'ok',
          () => ({
            ...base,
            outcome: 'keeps-working',
            backends: [],
            reason: 'the probe reaches the backend',
            changes: [],
          }),
          backend.key,
        );
        continue;
      }
      const why = whyOf(now, probe.port);
      if (was && !was.ok) {
        // What blocks the probe before the change is named, not what the change adds.
        const before = whyOf(was, probeBefore?.port ?? probe.port);
        add(
          `failing|${before}`,
          () => ({
            ...base,
            outcome: 'already-failing',
            backends: [],
            reason: `already fails before the change: ${before}${before === why ? '' : `; after it: ${why}`}`,
            changes: [],
          }),
          backend.key,
        );
        continue;
      }
      const blocking = now.nsgBlocked;
      const behind = blocking
        ? blocking.level === 'admin'
          ? adminEdits
          : (applied.nsgEdits.get(idKey(blocking.nsgId)) ?? applied.touchedBy)
        : applied.lbEdits.length > 0
          ? applied.lbEdits
          : applied.touchedBy;
      const fix = blocking
        ? blocking.level === 'admin'
          ? `no NSG rule can override a security admin Deny: the network manager's administrator must keep ${blocking.ruleName} from matching TCP ${probe.port} from AzureLoadBalancer, or add an admin Allow for it at a priority number below ${blocking.priority}`
          : (() => {
              const priority = freePriorityBelow(after, blocking.nsgId, blocking.priority);
              const probeAllow =
                priority === undefined
                  ? `no free priority below ${blocking.priority} in ${blocking.nsgName}: move ${blocking.ruleName} to a higher number`
                  : `add to ${blocking.nsgName} an inbound Allow rule: source AzureLoadBalancer, protocol Tcp, destination port ${probe.port}, priority ${priority}`;
              const cutOff = clientsCutOff(before, after, backend, probeBefore ?? probe, probe);
              return cutOff
                ? `${cutOff}. If they are to stop serving, take them out of the backend pool before the change; if they are to keep serving, let their clients in above ${blocking.ruleName} too, and ${probeAllow}`
                : probeAllow;
            })()
        : now.httpAnswer
          ? `keep probe ${probe.name} asking what the backends answer 200 to${probeBefore?.requestPath ? ` (${probeBefore.requestPath})` : ''}, or serve ${probe.requestPath ?? '/'} with 200 before the change`
          : probeBefore && probeBefore.port !== probe.port
            ? `keep probe ${probe.name} on port ${probeBefore.port}, where the backends listen, or make them listen on ${probe.port} before the change`
            : `make the backends listen on TCP ${probe.port}`;
      add(
        `breaks|${why}`,
        () => ({
          ...base,
          outcome: 'breaks',
          backends: [],
          reason: why,
          ...(blocking ? { blockingRule: blocking } : {}),
          changes: behind.map((e) => e.source.address),
          fix,
        }),
        backend.key,
      );
    }
    checks.push(...groups.values());
  }
  return { checks, touchedBy: [...applied.touchedBy, ...unknownTouch] };
}

/**
 * What to say first when the change shuts out every client of the backend too, not only the probe
 * (src/remediate/lockdown.ts): an allow for the probe alone would keep the backend in rotation with
 * its clients dropped. Undefined when clients got in neither before (nothing changes for them) nor
 * after.
 */
function clientsCutOff(
  before: Topology,
  after: Topology,
  backend: BackendInfo,
  probeBefore: ProbeInfo,
  probe: ProbeInfo,
): string | undefined {
  const now = splitLockedOut(after, [backend], probe).locked[0];
  if (!now) return undefined;
  const backendBefore = before.backends.find((b) => sameId(b.key, backend.key)) ?? backend;
  if (splitLockedOut(before, [backendBefore], probeBefore).locked.length > 0) return undefined;
  const ports = [...new Set(now.ports.map((p) => p.port))].join(', ');
  const rules = denyingRulesOf([now]).map((d) => `${d.ruleName} in ${d.nsgName}`);
  return (
    `the change shuts out every client on TCP ${ports} as well (${rules.join('; ')}), so an allow for the probe ` +
    `alone would keep these backends in rotation with their client connections dropped`
  );
}

/** Checks every load balancer the edits touch. */
export function checkChange(
  topologies: readonly Topology[],
  edits: readonly PlannedEdit[],
  guests?: Readonly<Record<string, GuestListeners>>,
  admin?: AdminRulesByBackend,
): ChangeCheckResult {
  const checks: ProbeCheck[] = [];
  const used = new Set<PlannedEdit>();
  for (const topology of topologies) {
    const result = checkLoadBalancer(topology, edits, guests, admin);
    if (result.touchedBy.length === 0) continue;
    result.touchedBy.forEach((e) => used.add(e));
    checks.push(...result.checks);
  }
  return {
    checks,
    untouched: edits.filter((e) => !used.has(e)).map((e) => e.source.address),
    unknown: edits
      .filter((e) => e.unknown.length > 0)
      .map((e) => ({ address: e.source.address, values: e.unknown })),
  };
}
