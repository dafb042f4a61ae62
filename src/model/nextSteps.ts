/**
 * The report's `nextSteps` (pure): the exact changes a person must make, from the fixes (planned, held
 * for approval, skipped with a reason, failed) and the causes no fix covers. Each step names the
 * resource and the change, so nobody has to read the evidence to know what to do.
 */
import { backendLabel } from './backendLabel';
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
  return `${change}${fix.reason ? ` (${fix.status}: ${fix.reason})` : ''}`;
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

/** Causes a fix in `fixes` covers for this backend (so the fix's step says it, not the cause). */
function coveredBy(fixes: readonly FixReport[], backend: BackendReport): Set<string> {
  const covered = new Set<string>();
  for (const f of fixes.filter((fix) => isFor(fix, backend))) {
    if (f.kind === 'nsg-allow-probe') covered.add('nsg-blocks-probe');
    else if (f.kind === 'start-vm') covered.add('vm-not-running');
    else if (f.kind === 'guest-firewall-allow') covered.add('guest-firewall-blocks-probe');
    if (typeof f.detail.causeId === 'string') covered.add(f.detail.causeId);
  }
  return covered;
}

/** The steps for a report whose verdict is not healthy or resolved. */
export function nextStepsFor(
  report: Pick<Report, 'mode' | 'verdict' | 'whoMustAct' | 'causes' | 'backends' | 'fixes' | 'escalation'>,
): string[] {
  if (report.verdict === 'healthy' || report.verdict === 'resolved') return [];
  const steps: string[] = [];
  for (const fix of report.fixes) {
    const step = stepOfFix(fix, report.mode);
    if (step) steps.push(step);
  }
  for (const backend of report.backends) {
    if (backend.probeState === 'up' && backend.causes.length === 0) continue;
    const covered = coveredBy(report.fixes, backend);
    const where = backend.vmId ? backendLabel(backend) : backend.ipAddress;
    for (const cause of backend.causes) {
      if (cause.id === 'unknown' || covered.has(cause.id)) continue;
      steps.push(stepOfCause(cause, where));
    }
  }
  for (const cause of report.causes) {
    if (!report.fixes.some((f) => f.detail.causeId === cause.id)) steps.push(stepOfCause(cause));
  }
  if (report.verdict === 'awaiting-approval') {
    steps.push(
      'approve the fixes held for approval: POST /api/remediations/{instanceId}/approval, or with the CLI run again with --fix --approve',
    );
  }
  if (report.whoMustAct === 'microsoft') {
    steps.push(
      report.escalation?.submitted
        ? `Microsoft support has ticket ${report.escalation.ticketId ?? '(no id returned)'}: follow it there`
        : 'file the support ticket in escalation.supportTicket with Microsoft (Azure portal > Help + support, or az support tickets create): nothing probe-doctor can check explains the failure',
    );
  }
  return [...new Set(steps)];
}
