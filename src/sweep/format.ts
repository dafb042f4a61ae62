/** The sweep report as text for a terminal: one line per load balancer, then the totals. */
import type { SweepEntry, SweepReport } from './sweep';

const LABEL: Record<SweepEntry['state'], string> = {
  down: 'DOWN',
  healthy: 'healthy',
  'expected-down': 'expected-down',
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

function remediation(entry: SweepEntry): string {
  const r = entry.remediation;
  if (!r) return '';
  if (r.outcome === 'failed')
    return `\n      remediation could not be started: ${r.error ?? 'unknown error'}`;
  const verdict = r.verdict ? `; verdict ${r.verdict}` : '';
  return `\n      remediation ${r.outcome}: ${r.instanceId ?? ''}${verdict}`;
}

/** Renders the report. */
export function formatSweepReport(report: SweepReport): string {
  const t = report.totals;
  const width = Math.max(...Object.values(LABEL).map((l) => l.length));
  const lines = [
    `Sweep ${report.sweepId} (${report.mode} mode) over ${report.scopes.join(', ')}: ${t.loadBalancers} load balancer(s)`,
    ...report.loadBalancers.map(
      (e) =>
        `  ${LABEL[e.state].padEnd(width)}  ${e.name}  (${e.subscriptionId}/${e.resourceGroup}${e.sku ? `, ${e.sku}` : ''})  ${detail(e)}${remediation(e)}`,
    ),
    `Totals: ${t.down} down, ${t.healthy} healthy, ${t['expected-down']} expected-down, ${t['not-probed']} not probed, ${t['no-backends']} with no backends, ${t['cannot-read']} cannot read; remediations ${t.started} started, ${t.joined} joined, ${t.failedToStart} failed to start`,
  ];
  return `${lines.join('\n')}\n`;
}
