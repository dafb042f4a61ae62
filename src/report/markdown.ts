/**
 * The report as Markdown to paste into a ticket, a chat or a wiki: the summary line first, a backend
 * table, a section per failing backend (state before and after, cause and evidence, fix with rule and
 * priority, validation, Network Watcher), the numbered next steps (the JSON's `nextSteps`, each with
 * what it is based on), the `az` commands, the portal links, and the command that reproduces the run. Text from the report is escaped so it cannot break the table or the layout.
 */
import type { Report } from '../model/report';
import {
  evidenceLine,
  fixLine,
  networkWatcherLines,
  reportFacts,
  validationLine,
  type RenderContext,
} from './facts';

/**
 * Escapes Markdown's inline specials, `<` (raw HTML) and the table's pipe; newlines become spaces so
 * a value stays in its line or cell.
 */
export function mdEscape(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/([\\`*_[\]<|#])/g, '\\$1');
}

/** A code span that holds any text: the fence is longer than the longest run of backticks inside. */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text.replace(/[\r\n]+/g, ' ')}${pad}${fence}`;
}

function fenced(lines: string[]): string[] {
  const longest = Math.max(2, ...lines.flatMap((l) => (l.match(/`+/g) ?? []).map((m) => m.length)));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}sh`, ...lines, fence];
}

/** Renders the report as Markdown. */
export function renderMarkdown(report: Report, ctx: RenderContext = {}): string {
  const f = reportFacts(report, ctx);
  const out: string[] = [];
  out.push(`**${mdEscape(f.summaryLine)}**`, '');
  out.push(`# probe-doctor report: ${mdEscape(f.report.loadBalancerId.split('/').pop() ?? '')}`, '');
  out.push(`- Verdict: **${report.verdict}** (mode ${report.mode})`);
  out.push(`- Who must act: ${mdEscape(f.whoMustAct)}`);
  out.push(`- Backends down: ${f.downBefore} -> ${f.downAfter} of ${f.total}`);
  if (f.duration) out.push(`- Duration: ${f.duration}`);
  if (report.runId) out.push(`- Run: ${code(report.runId)}`);
  if (f.approval) out.push(`- Approval: ${mdEscape(f.approval)}`);
  if (f.source) out.push(`- Source: ${mdEscape(f.source)}`);
  out.push(`- Load balancer: ${code(report.loadBalancerId)}`, '');

  out.push(
    '| Backend | Address | Before | After | Reason | Causes |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const b of f.backends) {
    out.push(
      `| ${mdEscape(b.label)} | ${mdEscape(b.ipAddress ?? '-')} | ${b.before} | ${b.after} | ${mdEscape(b.healthReason ?? '-')} | ${b.causes.map((c) => code(c.id)).join(', ') || '-'} |`,
    );
  }
  for (const b of f.backends.filter((x) => x.failing || x.validation || x.networkWatcher)) {
    out.push('', `## ${mdEscape(b.label)} (${mdEscape(b.ipAddress ?? '-')}): ${b.before} -> ${b.after}`, '');
    for (const c of b.causes) {
      out.push(`- **Cause** ${code(c.id)}: ${mdEscape(c.summaries.join(' '))}`);
      for (const e of c.evidence) {
        const line = evidenceLine(e);
        if (line) out.push(`  - Evidence: ${mdEscape(line)}`);
      }
    }
    for (const fix of b.fixes) out.push(`- **Fix**: ${mdEscape(fixLine(fix))}`);
    if (b.validation) out.push(`- **Validation**: ${mdEscape(validationLine(b.validation))}`);
    for (const nw of b.networkWatcher ? networkWatcherLines(b.networkWatcher) : []) {
      out.push(`- **Network Watcher**: ${mdEscape(nw)}`);
    }
    for (const n of b.notes) out.push(`- Note: ${mdEscape(n.summary)}`);
  }
  if (report.causes.length > 0 || (report.notes ?? []).length > 0) {
    out.push('', '## Load balancer', '');
    for (const c of report.causes) out.push(`- **Cause** ${code(c.id)}: ${mdEscape(c.summary)}`);
    for (const n of report.notes ?? []) out.push(`- Note: ${mdEscape(n.summary)}`);
  }
  const unattached = report.fixes.filter((fix) => !f.backends.some((b) => b.fixes.includes(fix)));
  if (unattached.length > 0) {
    out.push('', '## Other fixes', '');
    for (const fix of unattached) out.push(`- ${mdEscape(fixLine(fix))}`);
  }
  if (f.nextSteps.length > 0) {
    out.push('', '## Next steps', '');
    f.nextSteps.forEach(({ step, basedOn }, i) => {
      out.push(`${i + 1}. ${mdEscape(step)}`);
      if (basedOn) out.push(`   - Based on: ${mdEscape(basedOn)}`);
    });
  }
  const apply = f.commands.flatMap((c) => c.commands.apply);
  const undo = f.commands.flatMap((c) => c.commands.undo);
  // The same note for several VMs (a runtime-only iptables rule on each) is said once per report.
  const notes = [...new Set(f.commands.flatMap((c) => (c.commands.note ? [c.commands.note] : [])))];
  if (apply.length > 0) out.push('', '## Apply what is recommended', '', ...fenced(apply));
  if (undo.length > 0) out.push('', '## Undo what this run wrote', '', ...fenced(undo));
  if (notes.length > 0) out.push('', ...notes.map((n) => `> ${mdEscape(n)}`));
  if (report.problems && report.problems.length > 0) {
    out.push('', '## Could not read', '');
    for (const p of report.problems) out.push(`- ${mdEscape(p.kind)}: ${mdEscape(p.message)}`);
  }
  if (report.escalation) {
    const e = report.escalation;
    out.push(
      '',
      '## Escalation',
      '',
      `Support ticket payload ${e.submitted ? `submitted (${mdEscape(e.ticketId ?? 'no id')})` : 'built, not submitted'}${e.error ? `; ${mdEscape(e.error)}` : ''}.`,
    );
  }
  out.push('', '## Portal', '');
  for (const l of f.links) out.push(`- [${mdEscape(l.label)}](<${l.url}>)`);
  if (f.reproduce) out.push('', '## Reproduce', '', ...fenced([f.reproduce]));
  return out.join('\n') + '\n';
}
