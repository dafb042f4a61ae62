/**
 * The report for a person at a terminal: the summary line, a table of backends, then per failing
 * backend its causes (each id once, with the deciding rule), fixes (rule name and priority),
 * validation (peer, port, latency) and Network Watcher results; the numbered next steps (the JSON's
 * `nextSteps`, each with what it is based on); the commands, links and the command that reproduces
 * the run. Shows what the JSON has, laid out for reading.
 */
import type { Report } from '../model/report';
import {
  evidenceLine,
  fixLine,
  lastName,
  networkWatcherLines,
  reportFacts,
  validationLine,
  type RenderContext,
} from './facts';

/** Lines of the text report's prose are wrapped to this many columns (an 80-120 column terminal). */
export const TEXT_WIDTH = 100;

/**
 * `text` wrapped at spaces to `width` columns, the first line after `first`, the others after
 * `rest` (a hanging indent). A word longer than the line (a resource id) stays whole on its own line.
 */
export function wrap(text: string, first: string, rest: string, width = TEXT_WIDTH): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** The numbered next steps, each wrapped with its basis under it. */
function nextStepLines(steps: { step: string; basedOn: string }[]): string[] {
  const lines = ['', 'Next steps (in this order):'];
  const numberWidth = String(steps.length).length;
  steps.forEach(({ step, basedOn }, i) => {
    const number = `  ${String(i + 1).padStart(numberWidth)}. `;
    const indent = ' '.repeat(number.length);
    lines.push(...wrap(step, number, indent));
    if (basedOn) lines.push(...wrap(basedOn, `${indent}based on: `, `${indent}  `));
  });
  return lines;
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

/** Renders the report as plain text. */
export function renderText(report: Report, ctx: RenderContext = {}): string {
  const f = reportFacts(report, ctx);
  const lines: string[] = [f.summaryLine, ''];
  lines.push(`Load balancer: ${report.loadBalancerId}`);
  lines.push(
    `Verdict:       ${report.verdict.toUpperCase()}  (mode: ${report.mode}${report.runId ? `, run ${report.runId}` : ''})`,
  );
  if (f.approval) lines.push(`Approval:      ${f.approval}`);
  if (f.source) lines.push(`Source:        ${f.source}`);
  lines.push('');
  const rows = [['BACKEND', 'NIC', 'ADDRESS', 'BEFORE', 'AFTER', 'REASON', 'CAUSES']];
  for (const b of f.backends) {
    rows.push([
      b.label,
      b.nic ?? '-',
      b.ipAddress ?? '-',
      b.before,
      b.after,
      b.healthReason ? `${b.healthReason}${b.healthSource === 'metric' ? ' (metric)' : ''}` : '-',
      b.causes.map((c) => c.id).join(', ') || '-',
    ]);
  }
  lines.push(table(rows));

  for (const b of f.backends.filter((x) => x.causes.length > 0 || x.validation || x.networkWatcher)) {
    lines.push('', `${b.label} (${b.ipAddress ?? '-'}): ${b.before} -> ${b.after}`);
    for (const c of b.causes) {
      lines.push(`  cause [${c.id}] ${c.summaries[0] ?? ''}`);
      for (const more of c.summaries.slice(1)) lines.push(`        also: ${more}`);
      for (const e of c.evidence) {
        const line = evidenceLine(e);
        if (line) lines.push(`        evidence: ${line}`);
      }
    }
    for (const fix of b.fixes) lines.push(`  fix   ${fixLine(fix)}`);
    if (b.validation) lines.push(`  validation: ${validationLine(b.validation)}`);
    for (const nw of b.networkWatcher ? networkWatcherLines(b.networkWatcher) : []) {
      lines.push(`  network watcher: ${nw}`);
    }
    for (const n of b.notes) lines.push(`  note: ${n.summary}`);
  }
  if (report.causes.length > 0) {
    lines.push('', 'Load balancer:');
    for (const c of report.causes) lines.push(`  - [${c.id}] ${c.summary}`);
  }
  for (const n of report.notes ?? []) lines.push(`  note: ${n.summary}`);
  const other = report.fixes.filter((fix) => !f.backends.some((b) => b.fixes.includes(fix)));
  if (other.length > 0) {
    lines.push('', 'Fixes:');
    for (const fix of other) lines.push(`  - ${fixLine(fix)}`);
  }
  if (f.nextSteps.length > 0) lines.push(...nextStepLines(f.nextSteps));
  const apply = f.commands.flatMap((c) => c.commands.apply);
  const undo = f.commands.flatMap((c) => c.commands.undo);
  // The same note for several VMs (a runtime-only iptables rule on each) is said once per report.
  const cmdNotes = [...new Set(f.commands.flatMap((c) => (c.commands.note ? [c.commands.note] : [])))];
  if (apply.length > 0) lines.push('', 'To apply what is recommended:', ...apply.map((c) => `  ${c}`));
  if (undo.length > 0) lines.push('', 'To undo what this run wrote:', ...undo.map((c) => `  ${c}`));
  for (const n of cmdNotes) lines.push(`  note: ${n}`);
  if (report.problems && report.problems.length > 0) {
    lines.push('', 'Could not read:');
    for (const p of report.problems) {
      lines.push(`  - ${p.kind}: ${p.message}${p.resourceId ? ` (${lastName(p.resourceId)})` : ''}`);
    }
  }
  if (report.escalation) {
    const e = report.escalation;
    lines.push(
      '',
      `Escalation: support ticket payload ready${e.submitted ? ` and submitted (${e.ticketId ?? 'no id'})` : ' (not submitted)'}${e.error ? `; ${e.error}` : ''}; see --format json.`,
    );
  }
  lines.push('', 'Portal:');
  for (const l of f.links) lines.push(`  ${l.label}: ${l.url}`);
  if (f.reproduce) lines.push('', `Reproduce: ${f.reproduce}`);
  return lines.join('\n') + '\n';
}
