/** The sweep report as text for a terminal: one line per load balancer, then the totals. */
import type { SweepEntry, SweepReport } from './sweep';

const LABEL: Record<SweepEntry['state'], string> = {
  down: 'DOWN',
  healthy: 'healthy',
  'expected-down': 'expected-down',
  resolved: 'resolved',
  'not-probed': 'not probed',
  'no-backends': 'NO BACKENDS',
  'cannot-read': 'CANNOT READ',
};

function detail(entry: SweepEntry): string {
  switch (entry.state) {
    case 'healthy':
      return `${entry.backends ?? 0} backend(s) up`;
    case 'down':
    case 'expected-down':
      return `down ${entry.down ?? 0} of ${entry.backends ?? 0}${entry.reason ? ` (${entry.reason})` : ''}`;
    default:
      return entry.reason ?? '';
  }
}

/**
 * What the sweep calls the run it starts for a load balancer that is down: a remediation in fix mode;
 * in observe mode a run that diagnoses and writes nothing, which "remediation" would promise.
 */
function runNoun(mode: SweepReport['mode']): string {
  return mode === 'fix' ? 'remediation' : 'observe run';
}

function remediation(entry: SweepEntry, mode: SweepReport['mode']): string {
  const r = entry.remediation;
  if (!r) return '';
  if (r.outcome === 'failed')
    return `\n      ${runNoun(mode)} could not be started: ${r.error ?? 'unknown error'}`;
  const verdict = r.verdict ? `; verdict ${r.verdict}` : '';
  return `\n      ${runNoun(mode)} ${r.outcome}: ${r.instanceId ?? ''}${verdict}`;
}

/**
 * The progress line for a load balancer as the sweep finishes reading it. One whose health says down
 * and whose run was started or joined has no final state yet: the run's verdict decides between down
 * and expected-down (sweep.ts `withRunVerdicts`), so it is `checking` until then, and
 * {@link formatSweepVerdictLine} says the final state once the run has ended.
 */
export function formatSweepProgressLine(entry: SweepEntry): string {
  const run = entry.remediation;
  if (entry.state === 'down' && run && run.outcome !== 'failed') {
    return `  [checking] ${entry.name}: down by health, run ${run.instanceId ?? ''} ${run.outcome}; its verdict decides\n`;
  }
  return `  [${entry.state}] ${entry.name}\n`;
}

/** The line for an entry whose run has ended: its final state, as the report says it. */
export function formatSweepVerdictLine(entry: SweepEntry): string {
  return `  [${entry.state}] ${entry.name} (run ${entry.remediation?.instanceId ?? ''}: verdict ${entry.remediation?.verdict ?? 'unknown'})\n`;
}

/** What the count of load balancers means: nothing to check, or a scope that could not be looked into. */
function scopeLines(report: SweepReport): string[] {
  if (report.scopeProblems.length > 0) {
    return report.scopeProblems.map((p) => `  SCOPE NOT VISIBLE (${p.problem})  ${p.scope}: ${p.reason}`);
  }
  if (report.totals.loadBalancers === 0) {
    return [
      '  nothing to check: ARM confirms every scope exists and this identity can read it, and none holds a load balancer',
    ];
  }
  return [];
}

/** Renders the report. */
export function formatSweepReport(report: SweepReport): string {
  const t = report.totals;
  const width = Math.max(...Object.values(LABEL).map((l) => l.length));
  const notVisible =
    t.scopesNotVisible > 0 ? ` (${t.scopesNotVisible} scope(s) could not be looked into)` : '';
  const lines = [
    `Sweep ${report.sweepId} (${report.mode} mode) over ${report.scopes.join(', ')}: ${t.loadBalancers} load balancer(s)${notVisible}`,
    ...scopeLines(report),
    ...report.loadBalancers.map(
      (e) =>
        `  ${LABEL[e.state].padEnd(width)}  ${e.name}  (${e.subscriptionId}/${e.resourceGroup}${e.sku ? `, ${e.sku}` : ''})  ${detail(e)}${remediation(e, report.mode)}`,
    ),
    `Totals: ${t.down} down, ${t.healthy} healthy, ${t['expected-down']} expected-down, ${t.resolved} resolved, ${t['not-probed']} not probed, ${t['no-backends']} with no backends, ${t['cannot-read']} cannot read; ${runNoun(report.mode)}s ${t.started} started, ${t.joined} joined, ${t.failedToStart} failed to start`,
  ];
  return `${lines.join('\n')}\n`;
}
