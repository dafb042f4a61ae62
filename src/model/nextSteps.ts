/**
 * The report's `nextSteps` (pure): the exact changes a person must make, from the fixes (planned, held
 * for approval, skipped with a reason, failed) and the causes no fix covers. Each step names the
 * resource and the change, so nobody has to read the evidence to know what to do; and each rests on
 * something the report shows (a cause found on named backends, a fix and its status), which
 * {@link nextStepsWithBasis} says beside it for the text and Markdown reports.
 */
import { deniedAction } from './authorization';
import { backendLabel, nicOf } from './backendLabel';
import { UNVERIFIED_NOTE, uncheckedUnknown } from './verdict';
import { idKey } from './ids';
import type { BackendReport, Cause, FixReport, Report } from './report';

const nameOf = (id: string): string => id.split('/').filter(Boolean).pop() ?? id;

const text = (v: unknown): string | undefined =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;

/** The NSG rule a planned `nsg-allow-probe` fix would add, as a person would type it. */
function describeAllowRule(fix: FixReport): string {
  const d = fix.detail;
  const asgs = Array.isArray(d.destinationApplicationSecurityGroupIds)
    ? (d.destinationApplicationSecurityGroupIds as unknown[]).map((id) => nameOf(String(id)))
    : [];
  const prefixes = Array.isArray(d.destinationAddressPrefixes)
    ? (d.destinationAddressPrefixes as unknown[]).map(String)
    : [text(d.destinationAddressPrefix) ?? '*'];
  const destinations =
    asgs.length > 0 && prefixes.length === 0
      ? `application security group ${asgs.join(', ')}`
      : prefixes.join(', ');
  const rule = text(d.ruleName) ? ` rule ${text(d.ruleName)}` : ' a rule';
  const priority = text(d.priority) ? ` at priority ${text(d.priority)}` : '';
  return `add to NSG ${nameOf(fix.target)}${rule}${priority}: Inbound Allow ${text(d.protocol) ?? 'Tcp'} from ${text(d.sourceAddressPrefix) ?? 'AzureLoadBalancer'} to ${destinations} port ${text(d.destinationPortRange) ?? text(d.port) ?? '?'}`;
}

/** One fix as a step, or undefined when it needs nobody (applied and kept). */
function stepOfFix(fix: FixReport, mode: Report['mode']): string | undefined {
  if (fix.status === 'applied') return undefined;
  if (fix.kind === 'recommendation') return fix.reason ?? `change ${nameOf(fix.target)}`;
  if (fix.status === 'rolled-back') {
    return `${fix.kind} on ${nameOf(fix.target)} was applied and taken out again because the probe still failed${fix.reason ? ` (${fix.reason})` : ''}`;
  }
  const change =
    fix.kind === 'nsg-allow-probe'
      ? describeAllowRule(fix)
      : fix.kind === 'start-vm'
        ? `start VM ${nameOf(fix.target)}`
        : `allow TCP from 168.63.129.16 to port ${text(fix.detail.port) ?? '?'} in the guest firewall of ${nameOf(fix.target)}`;
  if (fix.status === 'planned') {
    return mode === 'observe' ? `${change} (or run again with --fix to let probe-doctor do it)` : change;
  }
  // A skipped fix's reason says why it cannot be done and what to change instead; a held one waits.
  if (fix.status === 'skipped' && fix.reason && !fix.reason.startsWith('awaiting approval'))
    return fix.reason;
  // A write ARM refused for want of a role: the change still stands, made by someone who may.
  const denied = fix.status === 'failed' && fix.reason ? deniedAction(fix.reason) : undefined;
  if (denied) {
    return `${change} (probe-doctor could not: the signed-in principal lacks ${denied}; make the change with a role that has it, or assign one and run again with --fix)`;
  }
  return `${change}${fix.reason ? ` (${fix.status}: ${fix.reason})` : ''}`;
}

/**
 * The guest firewall allows probe-doctor applied that a reboot takes away (iptables, nftables: the fix
 * never saves a whole ruleset), each a step to keep it, with the line its `detail.persistence` gives.
 */
function runtimeOnlyGuestAllows(fixes: readonly FixReport[]): NextStep[] {
  return fixes.flatMap((fix) => {
    if (fix.kind !== 'guest-firewall-allow' || fix.status !== 'applied' || fix.detail.persistent !== false)
      return [];
    const how = (text(fix.detail.persistence) ?? '').replace(/^does not survive a reboot: /, '');
    return [
      {
        step: `make the probe allow in the guest firewall of ${nameOf(fix.target)} survive a reboot${how ? `: ${how}` : ''}`,
        basedOn: `fix guest-firewall-allow applied on ${nameOf(fix.target)} with ${text(fix.detail.tool) ?? 'its tool'}: runtime only (detail.persistent false)`,
      },
    ];
  });
}

/** One next step and what it rests on, both one sentence for a person. */
export interface NextStep {
  /** The change to make (exactly the string in the report's `nextSteps`). */
  step: string;
  /** What the step is based on: the causes and backends, the fix and its status, the verdict. */
  basedOn: string;
}

/** `a, b, c` or `a, b and 3 more`: backends named without drowning the line at scale. */
function listNames(names: readonly string[], shown = 3): string {
  const unique = [...new Set(names)];
  if (unique.length <= shown) return unique.join(', ');
  return `${unique.slice(0, shown).join(', ')} and ${unique.length - shown} more`;
}

/** A backend as a person names it: its VM, else its address, else its NIC (a NIC that was not read). */
const whereOf = (backend: BackendReport): string =>
  backend.vmId
    ? backendLabel(backend)
    : (backend.ipAddress ?? nicOf(backend.ipConfigurationId) ?? backend.ipConfigurationId ?? '?');

/** The causes a fix answers on the backends it is for, e.g. `nsg-blocks-probe on vm-1, vm-2`. */
function causesAnswered(fix: FixReport, report: Pick<Report, 'backends' | 'causes'>): string[] {
  const answered = new Map<string, string[]>();
  for (const backend of report.backends.filter((b) => isFor(fix, b))) {
    for (const cause of coveredBy([fix], backend)) {
      // A fix about one finding (a guest firewall rule) names it: the backend may have others.
      const rule = typeof fix.detail.rule === 'string' ? fix.detail.rule : undefined;
      const tool = text(fix.detail.tool) ?? text(cause.evidence?.tool);
      const label = rule ? `${cause.id} (${tool ? `${tool}: ` : ''}${rule})` : cause.id;
      answered.set(label, [...(answered.get(label) ?? []), whereOf(backend)]);
    }
  }
  for (const cause of report.causes.filter((c) => fix.detail.causeId === c.id)) {
    answered.set(cause.id, [...(answered.get(cause.id) ?? []), 'the load balancer']);
  }
  return [...answered].map(([id, where]) => `${id} on ${listNames(where)}`);
}

/** What a fix's step rests on: the causes it answers, and the fix itself with its status. */
function basisOfFix(fix: FixReport, report: Pick<Report, 'backends' | 'causes'>): string {
  const causes = causesAnswered(fix, report);
  // A scale-set instance is named vmss/instance, as everywhere in the report, not by its bare number.
  const own = `${fix.kind === 'recommendation' ? 'recommendation' : `${fix.status} fix ${fix.kind}`} on ${backendLabel({ vmId: fix.target })}`;
  return causes.length > 0 ? `cause ${causes.join('; cause ')} (${own})` : own;
}

/** A cause as a step when no fix covers it: its summary says what is wrong and where. */
const stepOfCause = (cause: Cause, where?: string): string => `${where ? `${where}: ` : ''}${cause.summary}`;

/** Whether `fix` is for `backend`: by backend key, by address, or by VM. */
function isFor(fix: FixReport, backend: BackendReport): boolean {
  const list = (v: unknown): string[] => (Array.isArray(v) ? (v as unknown[]).map(String) : []);
  const key = idKey(backend.ipConfigurationId ?? backend.ipAddress ?? '');
  if (list(fix.detail.backendKeys).map(idKey).includes(key)) return true;
  if (backend.ipAddress && list(fix.detail.backendIps).includes(backend.ipAddress)) return true;
  const vm = backend.vmId ? idKey(backend.vmId) : undefined;
  return vm !== undefined && (idKey(fix.target) === vm || idKey(text(fix.detail.vmId) ?? '') === vm);
}

/** The cause id a fix answers: by its kind, or the recommendation's `causeId`. */
function causeIdOf(fix: FixReport): string | undefined {
  if (fix.kind === 'nsg-allow-probe') return 'nsg-blocks-probe';
  if (fix.kind === 'start-vm') return 'vm-not-running';
  if (fix.kind === 'guest-firewall-allow') return 'guest-firewall-blocks-probe';
  return typeof fix.detail.causeId === 'string' ? fix.detail.causeId : undefined;
}

/**
 * Whether `fix` answers `cause`: same cause id and, when the fix names the finding it is about (a
 * guest firewall fix or advice names its rule), that finding. An iptables allow does not answer the
 * firewalld rich rule beside it.
 */
function answers(fix: FixReport, cause: Cause): boolean {
  if (causeIdOf(fix) !== cause.id) return false;
  const rule = fix.detail.rule;
  return typeof rule !== 'string' || rule === cause.evidence?.rule;
}

/** The causes of this backend a fix in `fixes` answers (so the fix's step says it, not the cause). */
function coveredBy(fixes: readonly FixReport[], backend: BackendReport): Set<Cause> {
  const mine = fixes.filter((fix) => isFor(fix, backend));
  return new Set(backend.causes.filter((cause) => mine.some((fix) => answers(fix, cause))));
}

/** How a cause that still blocks the probe is named in a rolled-back rule's step. */
const BLOCKER: Record<string, string> = {
  'guest-firewall-blocks-probe': 'the guest firewall',
  'vm-not-running': 'the VM not running',
  'not-listening': 'nothing listening on the probe port',
  'probe-endpoint-error': 'the probe endpoint answering an error',
  'nsg-blocks-probe': 'another NSG',
};

/**
 * A rolled-back `nsg-allow-probe` as a step: the exact rule (it is still needed, the diagnosis proved
 * the NSG denies the probe), why it was taken out, and the other causes on the same backends that kept
 * them down and must be fixed first. The rollback stays (a rule validation could not prove is not
 * kept); dropping the rule from the steps would leave the NSG cause with no change named at all.
 */
function stepOfRolledBackRule(fix: FixReport, report: Pick<Report, 'backends'>): string {
  const blockers = new Map<string, string[]>();
  for (const backend of report.backends.filter((b) => isFor(fix, b))) {
    const where = backend.vmId ? nameOf(backend.vmId) : (backend.ipAddress ?? '?');
    for (const cause of backend.causes) {
      // The cause this rule answers is not a blocker of it; a second NSG that denies is (another
      // rule, on the NIC or subnet level the fix did not touch).
      const answered =
        cause.id === 'nsg-blocks-probe' && idKey(text(cause.evidence?.nsgId) ?? '') === idKey(fix.target);
      if (cause.id === 'unknown' || answered || cause.id === fix.detail.causeId) continue;
      const label = BLOCKER[cause.id] ?? `cause ${cause.id}`;
      blockers.set(label, [...new Set([...(blockers.get(label) ?? []), where])]);
    }
  }
  const blocking = [...blockers].map(([label, where]) => `${label} on ${where.join(', ')}`).join('; ');
  const blocker = text(fix.detail.blockingRuleName)
    ? ` (rule ${text(fix.detail.blockingRuleName)}${text(fix.detail.blockingPriority) ? ` at priority ${text(fix.detail.blockingPriority)}` : ''} denies the probe)`
    : '';
  const why = `probe-doctor applied it and rolled it back because the backends stayed down${fix.reason ? ` (${fix.reason})` : ''}`;
  const then =
    blocking.length > 0
      ? `${blocking} also ${blockers.size > 1 ? 'block' : 'blocks'} the probe: fix that first, then apply this rule`
      : 'no other cause was found on these backends: apply it and check the probe again';
  return `${describeAllowRule(fix)}: still needed per the diagnosis${blocker}; ${why}; ${then}`;
}

/**
 * Why a guest could not be checked, as the first half of a step, from the `unknown` cause's
 * `guestError` (the guest-unchecked note's evidence, src/diagnose/guest.ts): a role without the Run
 * Command action, a backend the check does not cover, or a Run Command that gave no answer.
 */
function whyGuestUnchecked(guestError: unknown): string {
  const error = (guestError ?? {}) as { message?: unknown; reason?: unknown };
  const message = text(error.message);
  // Nothing recorded: no check of the guest was made at all (its NIC or VM could not be read).
  if (message === undefined) return 'probe-doctor could not reach it (see what could not be read): run again';
  const denied = deniedAction(message);
  if (denied) return grantAndRerun([denied]);
  if (error.reason === 'ipv6-backend') return `probe-doctor does not check it (${message})`;
  // "not checked: ..." is a check that never started (src/diagnose/guest.ts): no Run Command was sent.
  if (message.startsWith('not checked:'))
    return `probe-doctor did not run its Run Command (${message}): run again`;
  return `its Run Command gave no answer (${message}): run again`;
}

/** The access to give, as the end of a step. */
const grantAndRerun = (actions: readonly string[]): string =>
  `the signed-in principal lacks ${actions.join(', ')}: assign it a role with ${actions.length > 1 ? 'those actions' : 'that action'} (infra/app/role-actions.json lists every action probe-doctor needs) and run again`;

/**
 * Steps for backends the diagnosis could not see enough of to call fine (its `unverified` note,
 * src/app/diagnosis.ts): their probe state is unknown and nothing was found, because their health or
 * a check of them could not be read. One step per reason, naming its backends.
 */
function unverifiedSteps(backends: readonly BackendReport[]): NextStep[] {
  return byReason(backends, (backend) => {
    const note = backend.notes?.find((n) => n.id === UNVERIFIED_NOTE);
    if (!note) return undefined;
    const actions = Array.isArray(note.evidence?.deniedActions)
      ? (note.evidence.deniedActions as unknown[]).filter((a): a is string => typeof a === 'string')
      : [];
    const unread = [
      ...(note.evidence?.healthUnread === true ? ['its probe health could not be read'] : []),
      ...(note.evidence?.guestUnchecked === true ? ['its guest could not be checked'] : []),
    ].join(' and ');
    return { why: actions.length > 0 ? grantAndRerun(actions) : `${unread}: run again`, unread };
  }).map(({ reason: { why, unread }, where }) => ({
    step: `find out whether ${listNames(where)} ${where.length === 1 ? 'passes' : 'pass'} the probe: ${why}`,
    basedOn: `probe state unknown on ${listNames(where)}, nothing found, and ${unread}: nothing found is not nothing wrong`,
  }));
}

/**
 * The backends that have a reason (`reasonOf` gives none for the others), grouped by that reason
 * (compared as JSON), in the order each reason first appears, each with the names of its backends.
 */
function byReason<R>(
  backends: readonly BackendReport[],
  reasonOf: (backend: BackendReport) => R | undefined,
): { reason: R; where: string[] }[] {
  const groups = new Map<string, { reason: R; where: string[] }>();
  // Indexed: see indexById (model/ids.ts) on for-of in code that runs once per run.
  for (let i = 0; i < backends.length; i++) {
    const backend = backends[i] as BackendReport;
    const reason = reasonOf(backend);
    if (reason === undefined) continue;
    const key = JSON.stringify(reason);
    const group = groups.get(key) ?? { reason, where: [] };
    group.where.push(whereOf(backend));
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * Steps for backends whose probe fails with nothing found but TCP timestamps on in their guest: the
 * one thing the customer can still change before a ticket. Microsoft's probe guidance warns that
 * timestamps can make the guest drop probe packets (docs/probe-facts.md: "TCP timestamps enabled on
 * the guest: assume probes fail"), so turning them off comes first, and the ticket only if it fails.
 */
function timestampSteps(backends: readonly BackendReport[], escalation: Report['escalation']): NextStep[] {
  const on = backends.filter(
    (b) => b.causes.some((c) => c.id === 'unknown') && (b.notes ?? []).some((n) => n.id === 'tcp-timestamps'),
  );
  if (on.length === 0) return [];
  const names = listNames(on.map(whereOf));
  return [
    {
      step: `turn off TCP timestamps in the guest of ${names} (sysctl -w net.ipv4.tcp_timestamps=0, and net.ipv4.tcp_timestamps = 0 in a file under /etc/sysctl.d/ to keep it after a reboot), then watch the probe for a few intervals: Microsoft warns that timestamps can make the guest drop probe packets; ${
        escalation?.submitted
          ? 'tell Microsoft support on the ticket already open whether that fixed it'
          : 'file the ticket only if it still fails'
      }`,
      basedOn: `cause unknown on ${names} with TCP timestamps on in the guest (note tcp-timestamps)`,
    },
  ];
}

/**
 * Steps for backends whose `unknown` was reached with the guest unchecked: the guest comes before any
 * ticket (src/model/verdict.ts), so the step says what kept probe-doctor out and what to look at by
 * hand meanwhile. One step per reason, naming its backends.
 */
function uncheckedGuestSteps(backends: readonly BackendReport[]): NextStep[] {
  return byReason(backends, (backend) => {
    const cause = uncheckedUnknown(backend.causes);
    return cause && whyGuestUnchecked(cause.evidence?.guestError);
  }).map(({ reason: why, where }) => ({
    step: `check the guest of ${listNames(where)}: ${why}; or look yourself: what listens on the probe's port, and whether the guest firewall admits 168.63.129.16`,
    basedOn: `cause unknown on ${listNames(where)}: nothing found, but the guest was not checked, and it comes before a support ticket`,
  }));
}

type NextStepsInput = Pick<
  Report,
  'mode' | 'verdict' | 'whoMustAct' | 'causes' | 'backends' | 'fixes' | 'escalation'
>;

/**
 * The steps for a report whose verdict is not healthy or resolved, in the order to take them, each
 * with what it rests on. A step said twice is kept once, with both bases.
 */
export function nextStepsWithBasis(whole: NextStepsInput): NextStep[] {
  // A guest firewall allow that holds until the next reboot only: the probe is up now, so even a
  // resolved run leaves the VM owner this one step.
  const keep = runtimeOnlyGuestAllows(whole.fixes);
  if (whole.verdict === 'healthy' || whole.verdict === 'resolved') return keep;
  // Only a backend with a cause gives or shapes a step (a fix answers causes, a step names causes):
  // the others, the healthy pool of a thousand, are left out once here, not scanned once per fix.
  const report: NextStepsInput = { ...whole, backends: whole.backends.filter((b) => b.causes.length > 0) };
  const steps: NextStep[] = [];
  // A rolled-back allow rule comes after the causes that kept its backends down: they go first.
  const rolledBackRules: NextStep[] = [];
  for (const fix of report.fixes) {
    if (fix.status === 'rolled-back' && fix.kind === 'nsg-allow-probe') {
      rolledBackRules.push({ step: stepOfRolledBackRule(fix, report), basedOn: basisOfFix(fix, report) });
      continue;
    }
    const step = stepOfFix(fix, report.mode);
    if (step) steps.push({ step, basedOn: basisOfFix(fix, report) });
  }
  for (let i = 0; i < report.backends.length; i++) {
    const backend = report.backends[i] as BackendReport;
    if (backend.probeState === 'up' && backend.causes.length === 0) continue;
    const covered = coveredBy(report.fixes, backend);
    const where = backend.vmId ? backendLabel(backend) : backend.ipAddress;
    for (const cause of backend.causes) {
      if (cause.id === 'unknown' || covered.has(cause)) continue;
      steps.push({
        step: stepOfCause(cause, where),
        basedOn: `cause ${cause.id} found on ${whereOf(backend)} (probe ${backend.probeState}); no fix covers it`,
      });
    }
  }
  steps.push(
    ...uncheckedGuestSteps(report.backends),
    ...unverifiedSteps(whole.backends),
    ...timestampSteps(report.backends, report.escalation),
  );
  for (const cause of report.causes) {
    if (!report.fixes.some((f) => f.detail.causeId === cause.id)) {
      steps.push({
        step: stepOfCause(cause),
        basedOn: `cause ${cause.id} found on the load balancer; no fix covers it`,
      });
    }
  }
  steps.push(...rolledBackRules, ...keep);
  if (report.verdict === 'awaiting-approval') {
    const held = report.fixes.filter(
      (f) => f.status === 'skipped' && f.reason?.startsWith('awaiting approval'),
    );
    steps.push({
      step: 'approve the fixes held for approval: POST /api/remediations/{instanceId}/approval, or with the CLI run again with --fix --approve',
      basedOn: `verdict awaiting-approval${held.length > 0 ? `: ${held.length} fix(es) held (${listNames(held.map((f) => `${f.kind} on ${nameOf(f.target)}`))})` : ''}`,
    });
  }
  if (report.whoMustAct === 'microsoft') {
    // Only the backends Microsoft is asked about: an `unknown` whose guest was not checked is not one.
    const unexplained = report.backends.filter(
      (b) => b.causes.some((c) => c.id === 'unknown') && uncheckedUnknown(b.causes) === undefined,
    );
    const basis =
      unexplained.length > 0
        ? `cause unknown on ${listNames(unexplained.map(whereOf))}: every check passed and the probe still fails`
        : 'who must act: microsoft (nothing probe-doctor can check explains the failure)';
    steps.push({
      step: report.escalation?.submitted
        ? `Microsoft support has ticket ${report.escalation.ticketId ?? '(no id returned)'}: follow it there`
        : 'file the support ticket in escalation.supportTicket with Microsoft (Azure portal > Help + support, or az support in-subscription tickets create): nothing probe-doctor can check explains the failure',
      basedOn: basis,
    });
  }
  const byStep = new Map<string, NextStep>();
  for (const s of steps) {
    const known = byStep.get(s.step);
    if (!known) byStep.set(s.step, { ...s });
    else if (!known.basedOn.split('; also ').includes(s.basedOn)) known.basedOn += `; also ${s.basedOn}`;
  }
  return [...byStep.values()];
}

/** The steps for a report whose verdict is not healthy or resolved (the report's `nextSteps`). */
export function nextStepsFor(report: NextStepsInput): string[] {
  return nextStepsWithBasis(report).map((s) => s.step);
}
