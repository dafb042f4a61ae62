/** The change gate's result as text, JSON or Markdown (a pull-request comment). */
import type { ChangeCheckResult, ProbeCheck } from './check';

export type ChangeFormat = 'text' | 'json' | 'markdown';

const short = (id: string) => id.split('/').slice(-3).join('/');

/** How a probe is named in the output: `HTTP 80 /health`, `TCP 1433`. */
export function probeLabel(check: Pick<ProbeCheck, 'protocol' | 'port' | 'requestPath'>): string {
  return `${check.protocol.toUpperCase()} ${check.port}${check.requestPath ? ` ${check.requestPath}` : ''}`;
}

function counts(result: ChangeCheckResult) {
  const n = (o: ProbeCheck['outcome']) => result.checks.filter((c) => c.outcome === o).length;
  return {
    breaks: n('breaks'),
    cannotDecide: n('cannot-decide'),
    keepsWorking: n('keeps-working'),
    alreadyFailing: n('already-failing'),
    /** Backends that fail their probe before the change already. */
    alreadyFailingBackends: result.checks
      .filter((k) => k.outcome === 'already-failing')
      .reduce((sum, k) => sum + k.backends.length, 0),
  };
}

function text(result: ChangeCheckResult): string {
  const c = counts(result);
  const lines = [
    c.breaks > 0
      ? `BREAKS: the change stops ${c.breaks} probe path(s)`
      : c.cannotDecide > 0
        ? 'CANNOT DECIDE: part of the change cannot be evaluated from this state before apply'
        : c.alreadyFailing > 0
          ? `OK: the change breaks no probe path; ${c.alreadyFailingBackends} backend(s) already fail their probe before it (not the change's doing)`
          : 'OK: every probe the change touches still reaches its backends',
  ];
  for (const check of result.checks) {
    lines.push(
      `  [${check.outcome}] ${check.loadBalancerName} probe ${check.probe} (${probeLabel(check)}): ${check.reason}`,
    );
    lines.push(`      backends: ${check.backends.map(short).join(', ')}`);
    if (check.changes.length > 0) lines.push(`      change: ${check.changes.join(', ')}`);
    if (check.fix) lines.push(`      smallest fix: ${check.fix}`);
  }
  if (result.untouched.length > 0)
    lines.push(`  not behind any load balancer in the state: ${result.untouched.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function markdown(result: ChangeCheckResult): string {
  const c = counts(result);
  const head =
    c.breaks > 0
      ? `### :x: probe-doctor: this change breaks ${c.breaks} health probe path(s)`
      : c.cannotDecide > 0
        ? '### :warning: probe-doctor: cannot be decided before apply'
        : c.alreadyFailing > 0
          ? `### :white_check_mark: probe-doctor: the change breaks no health probe; ${c.alreadyFailingBackends} backend(s) already fail their probe before it`
          : '### :white_check_mark: probe-doctor: no health probe breaks';
  const rows = result.checks.map(
    (k) =>
      `| ${k.outcome} | ${k.loadBalancerName} | ${k.probe} (${probeLabel(k)}) | ${k.backends.map(short).join('<br>')} | ${k.reason} | ${k.changes.map((x) => `\`${x}\``).join('<br>')} | ${k.fix ?? ''} |`,
  );
  return [
    head,
    '',
    '| outcome | load balancer | probe | backends | why | change | smallest fix |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

/** Renders the result. */
export function formatChangeResult(result: ChangeCheckResult, format: ChangeFormat): string {
  if (format === 'json') return `${JSON.stringify({ ...counts(result), ...result }, null, 2)}\n`;
  return format === 'markdown' ? markdown(result) : text(result);
}
