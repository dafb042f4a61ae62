/**
 * The report as one self-contained HTML page (inline CSS and SVG, no script, nothing fetched at view
 * time): the summary line, and for each failing backend the probe's path drawn hop by hop with the
 * failing hop marked by the rule that decides it, then its cause, fix, validation and Network Watcher
 * results; healthy backends collapsed; the `az` commands, portal links and the reproducing command.
 * Every value from the report is HTML-escaped.
 */
import type { Report } from '../model/report';
import {
  evidenceLine,
  fixLine,
  networkWatcherLines,
  reportFacts,
  validationLine,
  type BackendFacts,
  type RenderContext,
} from './facts';
import { failingHop, probePath, type Hop } from './probePath';

/** Escapes text for HTML content and attribute values. */
export function htmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
const h = htmlEscape;

const VERDICT_CLASS: Record<string, string> = {
  healthy: 'ok',
  resolved: 'ok',
  'awaiting-approval': 'wait',
  'action-required': 'wait',
  escalated: 'bad',
};

const CSS = `
:root{--ok:#1a7f37;--ok-bg:#e6f4ea;--bad:#c62828;--bad-bg:#fdecea;--wait:#9a6700;--wait-bg:#fff4d6;
--ink:#1f2328;--muted:#656d76;--line:#d0d7de;--card:#fff;--page:#f3f5f8;--accent:#0969da}
*{box-sizing:border-box}
body{margin:0;background:var(--page);color:var(--ink);font:14px/1.5 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:24px}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:16px;margin:0 0 12px}
h3{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin:16px 0 6px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin:0 0 16px;box-shadow:0 1px 2px rgba(31,35,40,.04)}
.summary{font-weight:600;font-size:15px;margin:8px 0 14px}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-weight:700;font-size:12px;letter-spacing:.05em}
.badge.ok{background:var(--ok-bg);color:var(--ok)}.badge.bad{background:var(--bad-bg);color:var(--bad)}.badge.wait{background:var(--wait-bg);color:var(--wait)}
.kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:12px}
.kpi{border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.kpi b{display:block;font-size:18px}
.kpi span{color:var(--muted);font-size:12px}
.muted{color:var(--muted)}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
pre{background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:10px 12px;white-space:pre-wrap;overflow-wrap:anywhere;margin:6px 0}
svg.path{width:100%;height:auto;display:block;margin:4px 0 8px}
.hop rect{stroke-width:2}
.hop-pass rect{fill:var(--ok-bg);stroke:var(--ok)}
.hop-fail rect{fill:var(--bad-bg);stroke:var(--bad);stroke-width:3}
.hop-not-reached rect{fill:#f6f8fa;stroke:#8c959f;stroke-dasharray:5 4}
.hop text.t{font-size:13px;font-weight:600;fill:var(--ink)}
.hop text.s{font-size:11px;fill:var(--muted)}
.hop-fail text.s{fill:var(--bad);font-weight:600}
.arrow{stroke:#8c959f;stroke-width:2;fill:none}
.arrow.cut{stroke:var(--bad);stroke-dasharray:4 4}
.callout{border-left:4px solid var(--bad);background:var(--bad-bg);padding:8px 12px;border-radius:4px;margin:0 0 10px}
.callout.ok{border-color:var(--ok);background:var(--ok-bg)}
.callout.none{border-color:var(--wait);background:var(--wait-bg)}
dl{display:grid;grid-template-columns:150px 1fr;gap:4px 12px;margin:0}
dt{color:var(--muted)}dd{margin:0}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600}
.state-up{color:var(--ok);font-weight:600}.state-down{color:var(--bad);font-weight:600}.state-unknown{color:var(--wait);font-weight:600}
details summary{cursor:pointer;font-weight:600}
a{color:var(--accent)}
`;

const state = (s: string): string => `<span class="state-${h(s)}">${h(s)}</span>`;

/** Cuts a label to fit a hop box. */
const fit = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const BOX_W = 158;
const BOX_H = 72;
const GAP = 30;

/** The SVG drawing of one backend's probe path. */
export function pathSvg(hops: readonly Hop[], label: string): string {
  const width = hops.length * BOX_W + (hops.length - 1) * GAP + 4;
  const parts: string[] = [];
  hops.forEach((hop, i) => {
    const x = 2 + i * (BOX_W + GAP);
    if (i > 0) {
      const cut = hops[i - 1]?.status !== 'pass';
      const x0 = x - GAP + 2;
      const y = 2 + BOX_H / 2;
      parts.push(
        `<path class="arrow${cut ? ' cut' : ''}" d="M${x0} ${y} H${x - 6} M${x - 12} ${y - 5} L${x - 5} ${y} L${x - 12} ${y + 5}"/>`,
      );
    }
    const mark = hop.status === 'pass' ? '✓' : hop.status === 'fail' ? '✕' : '–';
    // A failing hop shows its rule on two lines (name, then priority or detail) so it is not cut.
    const sub =
      hop.status === 'fail'
        ? (hop.short ?? hop.decidedBy ?? 'blocks').split(' · ').slice(0, 2)
        : [hop.status === 'pass' ? 'passes' : 'not reached'];
    const subLines = sub
      .map(
        (line, n) =>
          `<tspan x="${x + BOX_W / 2}" dy="${n === 0 ? 0 : 14}">${h(fit(n === 1 ? `priority ${line}` : line, 26))}</tspan>`,
      )
      .join('');
    parts.push(
      `<g class="hop hop-${hop.status}" data-hop="${hop.id}" data-status="${hop.status}"${hop.decidedBy ? ` data-decided-by="${h(hop.decidedBy)}"` : ''}>` +
        `<title>${h(`${hop.title}: ${hop.decidedBy ?? hop.status}`)}</title>` +
        `<rect x="${x}" y="2" width="${BOX_W}" height="${BOX_H}" rx="10"/>` +
        `<text class="t" x="${x + BOX_W / 2}" y="30" text-anchor="middle">${mark} ${h(fit(hop.title, 22))}</text>` +
        `<text class="s" x="${x + BOX_W / 2}" y="${sub.length > 1 ? 47 : 52}" text-anchor="middle">${subLines}</text></g>`,
    );
  });
  return `<svg class="path" role="img" aria-label="${h(`probe path to ${label}`)}" viewBox="0 0 ${width} ${BOX_H + 4}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

function backendCard(b: BackendFacts): string {
  const hops = probePath(b);
  const fail = failingHop(hops);
  const fixed = b.fixes.find((f) => f.status === 'applied');
  const callout = fail
    ? `<div class="callout"><b>${h(fail.title)}</b> stops the probe: ${h(fail.decidedBy ?? '')}</div>`
    : `<div class="callout none">No hop is blocked by a rule probe-doctor can see: ${h(b.causes.map((c) => c.id).join(', ') || 'no cause')}.</div>`;
  const after = fixed ? `<div class="callout ok">Fixed: ${h(fixLine(fixed))}. Now ${h(b.after)}.</div>` : '';
  const rows: string[] = [];
  for (const c of b.causes) {
    rows.push(`<dt>Cause</dt><dd><code>${h(c.id)}</code> ${h(c.summaries.join(' '))}</dd>`);
    for (const e of c.evidence) {
      const line = evidenceLine(e);
      if (line) rows.push(`<dt>Evidence</dt><dd>${h(line)}</dd>`);
    }
  }
  for (const f of b.fixes) rows.push(`<dt>Fix</dt><dd>${h(fixLine(f))}</dd>`);
  if (b.validation) rows.push(`<dt>Validation</dt><dd>${h(validationLine(b.validation))}</dd>`);
  for (const nw of b.networkWatcher ? networkWatcherLines(b.networkWatcher) : []) {
    rows.push(`<dt>Network Watcher</dt><dd>${h(nw)}</dd>`);
  }
  for (const n of b.notes) rows.push(`<dt>Note</dt><dd>${h(n.summary)}</dd>`);
  return (
    `<section class="card backend" data-backend="${h(b.key)}" data-failing-hop="${fail?.id ?? ''}">` +
    `<h2>${h(b.label)} <span class="muted">${h(b.nic ?? '')} · ${h(b.ipAddress ?? '-')}</span> · ${state(b.before)} → ${state(b.after)}</h2>` +
    `${pathSvg(hops, b.label)}${callout}${after}<dl>${rows.join('')}</dl></section>`
  );
}

/** Renders the report as a self-contained HTML page. */
export function renderHtml(report: Report, ctx: RenderContext = {}): string {
  const f = reportFacts(report, ctx);
  const failing = f.backends.filter((b) => b.failing);
  const healthy = f.backends.filter((b) => !b.failing);
  const lbName = report.loadBalancerId.split('/').pop() ?? '';
  const apply = f.commands.flatMap((c) => c.commands.apply);
  const undo = f.commands.flatMap((c) => c.commands.undo);
  // The same note for several VMs (a runtime-only iptables rule on each) is said once per report.
  const notes = [...new Set(f.commands.flatMap((c) => (c.commands.note ? [c.commands.note] : [])))];
  const other = report.fixes.filter((fix) => !f.backends.some((b) => b.fixes.includes(fix)));
  const body: string[] = [];
  body.push(
    `<section class="card"><h1>probe-doctor · ${h(lbName)} <span class="badge ${VERDICT_CLASS[report.verdict] ?? 'bad'}">${h(report.verdict.toUpperCase())}</span></h1>` +
      `<p class="summary" id="summary">${h(f.summaryLine)}</p>` +
      `<div class="kpis"><div class="kpi"><b>${f.downBefore} → ${f.downAfter}</b><span>backends down of ${f.total}</span></div>` +
      `<div class="kpi"><b>${h(f.whoMustAct.split(':')[0] ?? '')}</b><span>who must act</span></div>` +
      `<div class="kpi"><b>${h(f.duration ?? '-')}</b><span>duration</span></div>` +
      `<div class="kpi"><b>${h(report.mode)}</b><span>mode${report.runId ? ` · run ${h(report.runId)}` : ''}</span></div></div>` +
      (f.approval ? `<p id="approval">Approval: ${h(f.approval)}</p>` : '') +
      `<p class="muted">${h(report.loadBalancerId)}${f.source ? ` · ${h(f.source)}` : ''}</p></section>`,
  );
  for (const b of failing) body.push(backendCard(b));
  if (report.causes.length > 0 || (report.notes ?? []).length > 0) {
    body.push(
      `<section class="card"><h2>Load balancer</h2><dl>${report.causes.map((c) => `<dt>Cause</dt><dd><code>${h(c.id)}</code> ${h(c.summary)}</dd>`).join('')}` +
        `${(report.notes ?? []).map((n) => `<dt>Note</dt><dd>${h(n.summary)}</dd>`).join('')}</dl></section>`,
    );
  }
  if (healthy.length > 0) {
    body.push(
      `<section class="card"><details id="healthy"><summary>${healthy.length} healthy backend(s)</summary><table><tr><th>Backend</th><th>NIC</th><th>Address</th><th>State</th><th>Reason</th></tr>` +
        healthy
          .map(
            (b) =>
              `<tr data-backend="${h(b.key)}"><td>${h(b.label)}</td><td>${h(b.nic ?? '-')}</td><td>${h(b.ipAddress ?? '-')}</td><td>${state(b.after)}</td><td>${h(b.healthReason ?? '-')}</td></tr>`,
          )
          .join('') +
        '</table></details></section>',
    );
  }
  const cmd: string[] = [];
  if (other.length > 0)
    cmd.push(`<h3>Other fixes</h3><ul>${other.map((x) => `<li>${h(fixLine(x))}</li>`).join('')}</ul>`);
  if (apply.length > 0)
    cmd.push(`<h3>Apply what is recommended</h3><pre id="apply">${h(apply.join('\n'))}</pre>`);
  if (undo.length > 0)
    cmd.push(`<h3>Undo what this run wrote</h3><pre id="undo">${h(undo.join('\n'))}</pre>`);
  for (const n of notes) cmd.push(`<p class="callout none">${h(n)}</p>`);
  if (report.problems && report.problems.length > 0) {
    cmd.push(
      `<h3>Could not read</h3><ul>${report.problems.map((p) => `<li>${h(p.kind)}: ${h(p.message)}</li>`).join('')}</ul>`,
    );
  }
  if (report.escalation) {
    const e = report.escalation;
    cmd.push(
      `<h3>Escalation</h3><p>Support ticket payload ${e.submitted ? `submitted (${h(e.ticketId ?? 'no id')})` : 'built, not submitted'}${e.error ? `: ${h(e.error)}` : ''}.</p>`,
    );
  }
  cmd.push(
    `<h3>Portal</h3><ul>${f.links.map((l) => `<li><a href="${h(l.url)}">${h(l.label)}</a></li>`).join('')}</ul>`,
  );
  if (f.reproduce) cmd.push(`<h3>Reproduce</h3><pre id="reproduce">${h(f.reproduce)}</pre>`);
  body.push(`<section class="card">${cmd.join('')}</section>`);
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    // No network at view time: nothing may be fetched, not even by a link the page does not follow.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
    `<title>${h(`probe-doctor: ${lbName} ${report.verdict}`)}</title><style>${CSS}</style></head>` +
    `<body><main>${body.join('\n')}</main></body></html>\n`
  );
}
