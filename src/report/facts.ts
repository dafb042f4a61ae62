/**
 * What every report format says, derived once from the Report (pure): the summary line (verdict, who
 * must act, backends down before -> after, duration), and per backend its state before and after,
 * its causes (each id once, with every piece of evidence), the fixes that concern it, the validation
 * and Network Watcher results, the `az` commands and the portal links. The renderers in this folder
 * only lay these facts out, so the text, Markdown and HTML reports cannot disagree.
 */
import type {
  BackendReport,
  BackendValidation,
  Cause,
  CauseId,
  FixReport,
  NetworkWatcherEvidence,
  Note,
  Report,
} from '../model/report';
import { backendLabel, lastName, nicOf } from '../model/backendLabel';
import { nextStepsWithBasis, type NextStep } from '../model/nextSteps';
import { UNVERIFIED_NOTE, uncheckedUnknown } from '../model/verdict';
import { commandsForFix, type FixCommands } from './commands';

export { backendLabel, lastName };

/** What the caller knows about the run beyond the report itself. */
export interface RenderContext {
  /** How long the run took, in milliseconds (the CLI measures it; the audit trail's first to last event). */
  durationMs?: number;
  /** The command line that runs the same diagnosis again. */
  reproduce?: string;
  /**
   * Each backend's probe state before any fix, by NIC IP configuration id (the audit trail records
   * it). Without it, a backend that validation re-read as Up after the fixes was down before.
   */
  probeStateBefore?: Record<string, BackendReport['probeState']>;
  /** Where the report came from when it is not a fresh run, e.g. "audit trail run.jsonl". */
  source?: string;
}

/** One cause id on one backend: the summaries and evidence of every finding with that id. */
export interface CauseFacts {
  id: CauseId;
  summaries: string[];
  evidence: Record<string, unknown>[];
}

export interface BackendFacts {
  /** The NIC IP configuration id (or the pool address for IP-based members). */
  key: string;
  /** How a person names it: `vm-name`, `vmss-name/instance`, or the address. */
  label: string;
  nic?: string;
  ipAddress?: string;
  vmId?: string;
  before: BackendReport['probeState'];
  after: BackendReport['probeState'];
  healthReason?: string;
  healthSource?: BackendReport['healthSource'];
  /** Down (or with a cause) before the fixes: drawn, not collapsed. */
  failing: boolean;
  causes: CauseFacts[];
  notes: Note[];
  fixes: FixReport[];
  validation?: BackendValidation;
  networkWatcher?: NetworkWatcherEvidence;
}

export interface PortalLink {
  label: string;
  url: string;
}

export interface ReportFacts {
  report: Report;
  /** The one line every format leads with. */
  summaryLine: string;
  whoMustAct: string;
  downBefore: number;
  downAfter: number;
  total: number;
  duration?: string;
  backends: BackendFacts[];
  /** Commands for each fix, in the order of report.fixes. */
  commands: { fix: FixReport; commands: FixCommands }[];
  links: PortalLink[];
  /**
   * The report's `nextSteps`, in its order, each with what it is based on (empty `basedOn` for a step
   * this report's facts do not give rise to, e.g. a report edited by hand).
   */
  nextSteps: NextStep[];
  reproduce?: string;
  source?: string;
  /** The approval the fixes waited for, in words (`approved by ...`); absent when none was asked. */
  approval?: string;
}

/** The report's `approval` in words: who answered, or why nobody did, and what it meant for the fixes. */
export function approvalWords(approval: NonNullable<Report['approval']>): string {
  const who = approval.by ?? 'an approver who gave no name';
  switch (approval.decision) {
    case 'approve':
      return `approved by ${who}`;
    case 'reject':
      return `rejected by ${who}: the fixes that needed it were not applied`;
    case 'timeout':
      return 'nobody answered before the approval timed out: the fixes that needed it were not applied';
    case 'not-given':
      return 'nobody could be asked in this run: the fixes that needed it were not applied';
  }
}

/**
 * The JSON's `nextSteps`, exactly and in order, with the basis each was derived from: the renderers
 * show what the JSON says, never a second list of their own.
 */
function nextStepsOf(report: Report): NextStep[] {
  const steps = report.nextSteps ?? [];
  if (steps.length === 0) return [];
  const basis = new Map(nextStepsWithBasis(report).map((s) => [s.step, s.basedOn]));
  return steps.map((step) => ({ step, basedOn: basis.get(step) ?? '' }));
}

const same = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/** Portal deep link of a resource: Microsoft's `#@/resource{id}` form. */
export function portalUrl(resourceId: string): string {
  return `https://portal.azure.com/#@/resource${resourceId}`;
}

/** Milliseconds as a person reads them: 850 ms, 4.2 s, 3 min 5 s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Groups a backend's causes by id, keeping every summary and piece of evidence. */
function groupCauses(causes: readonly Cause[]): CauseFacts[] {
  const byId = new Map<CauseId, CauseFacts>();
  for (const c of causes) {
    const entry = byId.get(c.id) ?? { id: c.id, summaries: [], evidence: [] };
    if (!entry.summaries.includes(c.summary)) entry.summaries.push(c.summary);
    if (c.evidence) entry.evidence.push(c.evidence);
    byId.set(c.id, entry);
  }
  return [...byId.values()];
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** Whether a fix concerns a backend: its keys, its addresses, or its VM. */
function fixConcerns(fix: FixReport, key: string, b: BackendReport): boolean {
  const d = fix.detail;
  if (strings(d.backendKeys).some((k) => same(k, key))) return true;
  if (b.ipAddress && strings(d.backendIps).includes(b.ipAddress)) return true;
  const vmId = typeof d.vmId === 'string' ? d.vmId : fix.kind === 'nsg-allow-probe' ? undefined : fix.target;
  return same(vmId, b.vmId);
}

/** Who must act, from the verdict and the causes that stand. */
export function whoMustAct(report: Report): string {
  switch (report.verdict) {
    case 'healthy':
      return 'nobody';
    case 'resolved':
      return 'nobody: probe-doctor fixed it (review the change)';
    case 'awaiting-approval':
      return 'an approver: the fixes wait for approval';
  }
  const causes = [
    ...report.causes.map((cause) => ({ cause, ip: undefined as string | undefined, guestUnchecked: false })),
    ...report.backends.flatMap((b) => {
      if (b.probeState === 'up') return [];
      const unchecked = uncheckedUnknown(b.causes);
      return b.causes.map((cause) => ({ cause, ip: b.ipAddress, guestUnchecked: cause === unchecked }));
    }),
  ];
  const actors = new Set<string>();
  const plannedNsg = report.fixes.some((f) => f.kind === 'nsg-allow-probe' && f.status === 'planned');
  // The NSG denies probe-doctor's own applied allow rule already answers (its NSG, its backends): the
  // NSG owner has nothing left to do for them; whoever must act is whoever owns what remains.
  const answered = new Set(
    report.fixes
      .filter((f) => f.kind === 'nsg-allow-probe' && f.status === 'applied')
      .flatMap((f) =>
        (Array.isArray(f.detail.backendIps) ? (f.detail.backendIps as unknown[]) : []).map(
          (ip) => `${f.target.toLowerCase()}|${String(ip)}`,
        ),
      ),
  );
  let awaitingProbe = false;
  for (const { cause: c, ip, guestUnchecked } of causes) {
    const e = c.evidence ?? {};
    switch (c.id) {
      case 'nsg-blocks-probe':
        if (
          typeof e.nsgId === 'string' &&
          ip !== undefined &&
          answered.has(`${e.nsgId.toLowerCase()}|${ip}`)
        ) {
          awaitingProbe = true;
          break;
        }
        if (e.level === 'admin' || e.adminRule === true) actors.add('the network manager administrator');
        else if (report.mode === 'observe' && plannedNsg) actors.add('you: run again with --fix');
        else actors.add('the NSG owner');
        break;
      case 'guest-firewall-blocks-probe':
      case 'vm-not-running':
      case 'vm-unhealthy':
      case 'route-diverts-probe':
        actors.add('the VM owner');
        break;
      case 'not-listening':
      case 'probe-endpoint-error':
        actors.add('the application owner');
        break;
      case 'probe-misconfigured':
      case 'backend-pool-empty':
        actors.add('the load balancer owner');
        break;
      case 'unknown':
        // Nothing found with the guest unchecked is no case for Microsoft yet (src/model/verdict.ts).
        actors.add(
          guestUnchecked
            ? 'the VM owner (its guest could not be checked)'
            : 'Microsoft support (the ticket is ready)',
        );
        break;
    }
  }
  // A backend probe-doctor could not see enough of (src/app/diagnosis.ts): the step says what to grant.
  if (report.backends.some((b) => b.notes?.some((n) => n.id === UNVERIFIED_NOTE))) {
    actors.add('you: probe-doctor could not see enough (see the next steps)');
  }
  // The verdict's own word (src/model/verdict.ts): a backend still down after its known causes were
  // fixed is Microsoft's to look at too.
  if (report.whoMustAct === 'microsoft') actors.add('Microsoft support (the ticket is ready)');
  if (actors.size === 0 && awaitingProbe) {
    return "you: run again once the probe has re-tested (probe-doctor's NSG allow rule is in place, not yet proven)";
  }
  return actors.size > 0 ? [...actors].join(', ') : 'a person: see the causes';
}

/** The state a backend was in before the fixes. */
function stateBefore(
  key: string,
  b: BackendReport,
  report: Report,
  ctx: RenderContext,
): BackendFacts['before'] {
  if (b.probeStateBefore) return b.probeStateBefore;
  const recorded = ctx.probeStateBefore?.[key];
  if (recorded) return recorded;
  // A report written before `probeStateBefore` existed: a backend reported up that validation
  // checked was only checked because it failed; whether it was down or unknown it does not say.
  const validated = report.validation?.find((v) => same(v.backendKey, key));
  return validated && b.probeState === 'up' ? 'down' : b.probeState;
}

/** Derives the facts every format shows. */
export function reportFacts(report: Report, ctx: RenderContext = {}): ReportFacts {
  const backends = report.backends.map((b): BackendFacts => {
    const key = b.ipConfigurationId ?? b.ipAddress ?? '-';
    const before = stateBefore(key, b, report, ctx);
    const nic = nicOf(b.ipConfigurationId);
    const validation = report.validation?.find((v) => same(v.backendKey, key));
    const networkWatcher = report.escalation?.networkWatcher?.find((n) => same(n.backendKey, key));
    return {
      key,
      label: backendLabel(b),
      ...(nic ? { nic } : {}),
      ...(b.ipAddress ? { ipAddress: b.ipAddress } : {}),
      ...(b.vmId ? { vmId: b.vmId } : {}),
      before,
      after: b.probeState,
      ...(b.healthReason ? { healthReason: b.healthReason } : {}),
      ...(b.healthSource ? { healthSource: b.healthSource } : {}),
      failing: (before === 'down' && b.healthReason !== 'Down_Admin') || b.causes.length > 0,
      causes: groupCauses(b.causes),
      notes: b.notes ?? [],
      fixes: report.fixes.filter((f) => fixConcerns(f, key, b)),
      ...(validation ? { validation } : {}),
      ...(networkWatcher ? { networkWatcher } : {}),
    };
  });
  const failing = backends.filter((b) => b.failing);
  const downBefore = failing.length;
  const downAfter = failing.filter((b) => b.after !== 'up').length;
  const duration = ctx.durationMs !== undefined ? formatDuration(ctx.durationMs) : undefined;
  const who = whoMustAct(report);
  const observe = report.mode === 'observe' ? ' (observe: nothing written)' : '';
  const summaryLine =
    `${report.verdict.toUpperCase()}: ${lastName(report.loadBalancerId)}; who must act: ${who}; ` +
    `backends down ${downBefore} -> ${downAfter} of ${backends.length}${observe}` +
    (duration ? `; ${duration}` : '');

  const nsgIds = new Set<string>();
  for (const b of failing) {
    for (const c of b.causes)
      for (const e of c.evidence) if (typeof e.nsgId === 'string') nsgIds.add(e.nsgId);
  }
  for (const f of report.fixes)
    if (f.kind === 'nsg-allow-probe' && f.target.includes('/')) nsgIds.add(f.target);
  const links: PortalLink[] = [
    { label: `load balancer ${lastName(report.loadBalancerId)}`, url: portalUrl(report.loadBalancerId) },
    // A security admin rule's evidence names its network manager, not an NSG.
    ...[...nsgIds].map((id) => ({
      label: `${/\/networkManagers\//i.test(id) ? 'network manager' : 'NSG'} ${lastName(id)}`,
      url: portalUrl(id),
    })),
    ...failing.flatMap((b) => (b.vmId ? [{ label: `VM ${b.label}`, url: portalUrl(b.vmId) }] : [])),
  ];
  return {
    report,
    summaryLine,
    whoMustAct: who,
    downBefore,
    downAfter,
    total: backends.length,
    ...(duration ? { duration } : {}),
    backends,
    // A rolled-back rule's command comes last: what kept its backends down is fixed first.
    commands: [
      ...report.fixes.filter((fix) => fix.status !== 'rolled-back'),
      ...report.fixes.filter((fix) => fix.status === 'rolled-back'),
    ].map((fix) => ({ fix, commands: commandsForFix(fix, report) })),
    links,
    nextSteps: nextStepsOf(report),
    ...(ctx.reproduce ? { reproduce: ctx.reproduce } : {}),
    ...(ctx.source ? { source: ctx.source } : {}),
    ...(report.approval ? { approval: approvalWords(report.approval) } : {}),
  };
}

/** One line for a cause's evidence: the NSG rule, the firewall rule, the URL and status. */
export function evidenceLine(e: Record<string, unknown>): string {
  const parts: string[] = [];
  const s = (k: string): string | undefined =>
    typeof e[k] === 'string' || typeof e[k] === 'number' ? String(e[k]) : undefined;
  if (s('ruleName')) {
    const where =
      e.level === 'admin'
        ? 'security admin rule'
        : `${`${s('level') ?? ''} NSG ${lastName(s('nsgId'))}`.trim()} rule`;
    parts.push(`${where} ${s('ruleName')} (priority ${s('priority') ?? '?'}, ${s('access') ?? 'Deny'})`);
  }
  if (s('tool') && s('rule')) parts.push(`${s('tool')}: ${s('rule')?.replace(/\s+/g, ' ')}`);
  if (s('url')) parts.push(`GET ${s('url')} -> ${s('status') ?? s('error') ?? 'no answer'}`);
  if (s('powerState')) parts.push(`power state ${s('powerState')}`);
  if (s('reason') && !s('ruleName')) parts.push(`reason ${s('reason')}`);
  if (s('pointsAt')) parts.push(`points at: ${s('pointsAt')}`);
  return parts.join('; ');
}

/** The fix in one line: kind, status, rule name and priority (or what it asks), target. */
export function fixLine(f: FixReport): string {
  const d = f.detail;
  // A fix skipped for good writes nothing: a rule named there would read as one about to be written.
  const writesNothing = f.status === 'skipped' && !(f.reason ?? '').startsWith('awaiting approval');
  const rule =
    typeof d.ruleName === 'string' && !writesNothing
      ? ` rule ${d.ruleName}${typeof d.priority === 'number' ? ` priority ${d.priority}` : ''}`
      : '';
  const target = f.kind === 'recommendation' ? '' : ` on ${lastName(f.target)}`;
  const why = f.reason ? `: ${f.reason}` : '';
  // Where an allow rule points, and why there: a scale set's subnet covers instances added later.
  const destination = typeof d.destination === 'string' ? `; destination: ${d.destination}` : '';
  const gap = typeof d.futureGap === 'string' ? `; may not cover instances added later: ${d.futureGap}` : '';
  return `${f.status} ${f.kind}${rule}${target}${destination}${gap}${why}`;
}

/** The peer test in one line: peer, port, latency, tool, and the health re-read. */
export function validationLine(v: BackendValidation): string {
  const tcp = v.tcp
    ? `peer ${lastName(v.tcp.peerVmId)} -> ${v.ipAddress ?? '?'}:${v.tcp.port} ${v.tcp.reachable ? 'reachable' : 'unreachable'}` +
      `${v.tcp.latencyMs !== undefined ? ` in ${v.tcp.latencyMs} ms` : ''} (${v.tcp.tool}: ${v.tcp.detail})`
    : 'no peer TCP test';
  // Without a peer test there is nothing to disagree with: the explanation says why it did not run.
  const agree = v.agree
    ? ''
    : v.tcp
      ? `; disagree: ${v.explanation ?? 'no explanation'}`
      : `; ${v.health === 'Unknown' ? 'nothing decides' : 'the health alone decides'}${v.explanation ? ` (no peer test: ${v.explanation})` : ''}`;
  return `${tcp}; health ${v.health}${v.healthReason ? ` (${v.healthReason})` : ''}${agree}`;
}

/** Network Watcher's results in lines: IP flow verify and connectivity check, or why each could not run. */
export function networkWatcherLines(n: NetworkWatcherEvidence): string[] {
  const lines: string[] = [];
  const ipf = n.ipFlowVerify;
  if (ipf) {
    lines.push(
      'error' in ipf
        ? `IP flow verify could not run: ${ipf.error}`
        : `IP flow verify from 168.63.129.16: ${ipf.access}${ipf.ruleName ? ` by ${ipf.ruleName}` : ''}`,
    );
  }
  const cc = n.connectivityCheck;
  if (cc) {
    lines.push(
      'error' in cc
        ? `connectivity check could not run: ${cc.error}`
        : `connectivity check from ${lastName(cc.fromVmId)}: ${cc.connectionStatus}` +
            `${cc.avgLatencyInMs !== undefined ? `, ${cc.avgLatencyInMs} ms` : ''}` +
            `${cc.issues.length > 0 ? `; issues: ${cc.issues.join(', ')}` : ''}`,
    );
  }
  return lines;
}
