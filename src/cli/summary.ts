/**
 * The readable form of a report: the verdict, a table of backends and their causes, the
 * load-balancer causes, the fixes. `--json` prints the report itself instead.
 */
import type { Report } from '../model/report';

/** The last segment of a resource id, or the id when it has none. */
const lastName = (id: string | undefined): string => (id ? (id.split('/').filter(Boolean).pop() ?? id) : '-');

/** A backend's name as a person knows it: the VM and the NIC IP configuration. */
function backendLabel(b: Report['backends'][number]): string {
  const parts = b.ipConfigurationId?.split('/') ?? [];
  const nicIndex = parts.findIndex((p) => p.toLowerCase() === 'networkinterfaces');
  const nic = nicIndex >= 0 ? parts[nicIndex + 1] : undefined;
  const vm = b.vmId ? lastName(b.vmId) : undefined;
  return [vm, nic].filter(Boolean).join('/') || b.ipAddress || '-';
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Formats the report for a person at a terminal. */
export function formatSummary(report: Report): string {
  const lines: string[] = [];
  lines.push(`Load balancer: ${report.loadBalancerId}`);
  lines.push(
    `Verdict:       ${report.verdict.toUpperCase()}  (mode: ${report.mode}${report.runId ? `, run ${report.runId}` : ''})`,
  );
  if (report.whoMustAct && report.whoMustAct !== 'nobody') {
    lines.push(
      `Who must act:  ${report.whoMustAct === 'microsoft' ? 'Microsoft (nothing found explains the failure: file the support ticket)' : 'you (the causes are in your configuration: see Next steps)'}`,
    );
  }
  lines.push('');
  const rows = [['BACKEND', 'ADDRESS', 'PROBE', 'REASON', 'CAUSES']];
  for (const b of report.backends) {
    rows.push([
      backendLabel(b),
      b.ipAddress ?? '-',
      b.probeState,
      b.healthReason ? `${b.healthReason}${b.healthSource === 'metric' ? ' (metric)' : ''}` : '-',
      b.causes.map((c) => c.id).join(', ') || '-',
    ]);
  }
  lines.push(table(rows));
  const details = report.backends.filter((b) => b.causes.length > 0);
  if (details.length > 0) {
    lines.push('', report.verdict === 'resolved' ? 'Why (as found before the fixes):' : 'Why:');
    for (const b of details) for (const c of b.causes) lines.push(`  - [${c.id}] ${c.summary}`);
  }
  if (report.causes.length > 0) {
    lines.push('', 'Load balancer:');
    for (const c of report.causes) lines.push(`  - [${c.id}] ${c.summary}`);
  }
  const notes = [...(report.notes ?? []), ...report.backends.flatMap((b) => b.notes ?? [])];
  if (notes.length > 0) {
    lines.push('', 'Notes:');
    for (const n of notes) lines.push(`  - ${n.summary}`);
  }
  if (report.fixes.length > 0) {
    lines.push('', 'Fixes:');
    for (const f of report.fixes) {
      const why = f.reason ? `: ${f.reason}` : '';
      lines.push(`  - ${f.status.padEnd(11)} ${f.kind} on ${lastName(f.target)}${why}`);
    }
  }
  if (report.problems && report.problems.length > 0) {
    lines.push('', 'Could not read:');
    for (const p of report.problems) lines.push(`  - ${p.kind}: ${p.message}`);
  }
  if (report.nextSteps && report.nextSteps.length > 0) {
    lines.push('', 'Next steps:');
    report.nextSteps.forEach((step, i) => lines.push(`  ${i + 1}. ${step}`));
  }
  if (report.escalation) {
    lines.push(
      '',
      `Support ticket: payload ready${report.escalation.submitted ? ` and submitted (${report.escalation.ticketId ?? 'no id'})` : ' (not submitted)'}; see --json.`,
    );
  }
  return lines.join('\n') + '\n';
}
