/**
 * A recorded run's report, rebuilt from its audit trail (pure): `audit --run ID --format markdown`
 * renders it with the same renderers as a fresh run. The trail holds what was seen, decided and
 * changed (BackendChecked, CauseFound, Fix*, ValidationResult, Escalated, RunFinished), so the report
 * has each backend's state before and after, its causes with evidence, the fixes with their rules,
 * the validation, the verdict, the next steps and what could not be read. What the trail does not
 * keep (the ticket payload, the peer test's latency, Network Watcher results) is left out rather
 * than guessed.
 */
import type { AuditEvent, AuditEventOf } from '../audit/events';
import { escapeControls } from '../audit/timeline';
import { shellWord } from '../util/shellWord';
import type { BackendReport, BackendValidation, Cause, FixReport, FixStatus, Report } from '../model/report';
import type { RenderContext } from './facts';

export interface RecordedReport {
  report: Report;
  context: RenderContext;
}

const parse = (text: string | undefined): unknown => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};
const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

const of = <N extends AuditEvent['name']>(events: readonly AuditEvent[], name: N): AuditEventOf<N>[] =>
  events.filter((e): e is AuditEventOf<N> => e.name === name);

/**
 * What the rule in the NSG says, as the run's own report keeps it (nsgApply.ts `writtenFields`): the
 * writer re-chooses the priority on the NSG as it finds it (another run's rule in a shared NSG may
 * hold the planned one), so the plan's figures are not what was written.
 */
function ruleAsWritten(rule: Record<string, unknown>): Record<string, unknown> {
  const asgIds = Array.isArray(rule.destinationApplicationSecurityGroups)
    ? rule.destinationApplicationSecurityGroups.flatMap((a: unknown) => {
        const id = record(a).id;
        return typeof id === 'string' ? [id] : [];
      })
    : undefined;
  return {
    ...(typeof rule.priority === 'number' ? { priority: rule.priority } : {}),
    ...(Array.isArray(rule.destinationAddressPrefixes)
      ? { destinationAddressPrefixes: rule.destinationAddressPrefixes }
      : {}),
    ...(asgIds && asgIds.length > 0 ? { destinationApplicationSecurityGroupIds: asgIds } : {}),
  };
}

/**
 * The fixes: one per kind and target (and backend, for recommendations), the last word on each wins.
 * `held`: the reason for a fix planned to wait for an approval and never applied, when the run ended
 * without letting it through (as the run's own report set it aside); undefined leaves it planned.
 */
function fixesOf(events: readonly AuditEvent[], held?: string): FixReport[] {
  const fixes = new Map<string, FixReport>();
  const awaiting = new Set<string>();
  for (const e of events) {
    if (
      e.name !== 'ProbeDoctor.FixPlanned' &&
      e.name !== 'ProbeDoctor.FixApplied' &&
      e.name !== 'ProbeDoctor.FixRolledBack'
    ) {
      continue;
    }
    // A rule write names the rule; the plan names its NSG: both are the NSG's fix.
    const target =
      e.fixKind === 'nsg-allow-probe' ? e.target.replace(/\/securityRules\/[^/]+$/i, '') : e.target;
    const key = `${e.fixKind}|${target.toLowerCase()}${e.fixKind === 'recommendation' ? `|${e.causeId ?? ''}` : ''}`;
    const known = fixes.get(key);
    const detail = { ...(known?.detail ?? {}) };
    let status: FixStatus = known?.status ?? 'planned';
    const before = parse(e.before);
    const after = record(parse(e.after));
    if (e.name === 'ProbeDoctor.FixPlanned') {
      Object.assign(detail, after);
      status = e.outcome === 'skipped' ? 'skipped' : 'planned';
      if (e.outcome === 'awaiting-approval') awaiting.add(key);
      else awaiting.delete(key);
    } else if (e.name === 'ProbeDoctor.FixApplied') {
      if (e.outcome === 'started') continue;
      status = e.outcome === 'failed' ? 'failed' : 'applied';
      if (e.outcome !== 'failed') {
        // What was written: a rule created (nothing before) or changed (the rule before is kept for undo).
        if (e.fixKind === 'nsg-allow-probe') {
          Object.assign(detail, {
            ...ruleAsWritten(after),
            written: e.outcome === 'applied',
            created: before === null,
            previousRule: before ?? null,
          });
        } else {
          Object.assign(detail, after);
        }
      }
    } else if (e.outcome === 'rolled-back') {
      status = 'rolled-back';
    } else {
      continue;
    }
    if (e.backend) {
      const keys = Array.isArray(detail.backendKeys) ? (detail.backendKeys as string[]) : [];
      if (!keys.includes(e.backend)) detail.backendKeys = [...keys, e.backend];
    }
    const reason = e.reason ?? known?.reason;
    fixes.set(key, {
      kind: e.fixKind,
      target,
      status,
      ...(reason ? { reason } : {}),
      detail,
    });
  }
  return [...fixes.entries()].map(([key, fix]) =>
    held !== undefined && awaiting.has(key) && fix.status === 'planned'
      ? { ...fix, status: 'skipped', reason: held }
      : fix,
  );
}

/**
 * The approval the run took: the first one sent (a durable external event), unless the run ended still
 * awaiting one (the answer came after its wait, or the endpoint took one the run never asked for).
 */
function countedApproval(
  events: readonly AuditEvent[],
  finished: AuditEventOf<'ProbeDoctor.RunFinished'> | undefined,
): AuditEventOf<'ProbeDoctor.ApprovalReceived'> | undefined {
  if (finished?.outcome === 'awaiting-approval') return undefined;
  return of(events, 'ProbeDoctor.ApprovalReceived')[0];
}

/**
 * Why a fix held for approval was set aside, from the trail: rejected (by whom), or the run ended
 * without an approval; undefined while the run has not finished or was approved.
 */
function heldReason(
  finished: AuditEventOf<'ProbeDoctor.RunFinished'> | undefined,
  approval: AuditEventOf<'ProbeDoctor.ApprovalReceived'> | undefined,
): string | undefined {
  if (!finished) return undefined;
  if (approval?.outcome === 'approve') return undefined;
  if (approval?.outcome === 'reject') return `approval rejected by ${approval.by}`;
  return 'awaiting approval: the run ended without one (nobody could be asked, or the wait timed out)';
}

/** The peer test and the health re-read of each validated backend. */
function validationOf(events: readonly AuditEvent[]): BackendValidation[] {
  const byBackend = new Map<string, BackendValidation>();
  for (const e of of(events, 'ProbeDoctor.ValidationResult')) {
    const v = byBackend.get(e.backend) ?? { backendKey: e.backend, health: 'Unknown', agree: true };
    if (e.method === 'health-reread') {
      v.health = e.outcome === 'up' ? 'Up' : e.outcome === 'down' ? 'Down' : 'Unknown';
      if (e.detail) v.healthReason = e.detail;
    } else {
      // The peer test's detail: "from <peer VM id> to port <n>: <result>".
      const m = /^from (\S+) to port (\d+): (.*)$/.exec(e.detail ?? '');
      if (m?.[1] && m[2]) {
        v.tcp = {
          reachable: e.outcome === 'up',
          tool: 'peer TCP test',
          detail: m[3] ?? '',
          peerVmId: m[1],
          port: Number(m[2]),
        };
      } else {
        v.explanation = e.detail ?? 'the peer test left no detail';
      }
    }
    byBackend.set(e.backend, v);
  }
  for (const v of byBackend.values()) {
    if (v.tcp) v.agree = v.tcp.reachable === (v.health === 'Up');
  }
  return [...byBackend.values()];
}

/** The backends a BackendsHealthy event lists by name (its JSON text), skipping what does not parse. */
function healthyListed(text: string): { backend: string; ipAddress?: string }[] {
  const parsed = parse(text);
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((item: unknown) => {
    const b = record(item);
    return typeof b.backend === 'string'
      ? [{ backend: b.backend, ...(typeof b.ipAddress === 'string' ? { ipAddress: b.ipAddress } : {}) }]
      : [];
  });
}

/** A JSON text dimension's list; empty when absent (a trail written before it) or not a list. */
function recordedList(text: string | undefined): unknown[] {
  const value = parse(text);
  return Array.isArray(value) ? value : [];
}

/** One recorded problem, as the report holds it; nothing for an entry without a kind and a message. */
function problemOf(value: unknown): NonNullable<Report['problems']> {
  const p = record(value);
  if (typeof p.kind !== 'string' || typeof p.message !== 'string') return [];
  return [
    {
      ...(typeof p.resourceId === 'string' ? { resourceId: p.resourceId } : {}),
      kind: p.kind,
      ...(typeof p.statusCode === 'number' ? { statusCode: p.statusCode } : {}),
      message: p.message,
    },
  ];
}

/**
 * The problem RunFinished's `reason` tells of, and the kinds the run's own report gives the same
 * problem: a failed run (`failed`, `deadline`) or an interrupted one.
 */
function stopProblem(
  outcome: string | undefined,
  reason: string | undefined,
): { problem: NonNullable<Report['problems']>[number]; kinds: string[] } | undefined {
  if (outcome === 'failed') {
    return {
      problem: { kind: 'run', message: `the run failed: ${reason ?? 'no reason recorded'}` },
      kinds: ['failed', 'deadline', 'run'],
    };
  }
  if (reason?.startsWith('interrupted')) {
    return {
      problem: { kind: 'interrupted', message: reason.replace(/^interrupted: /, '') },
      kinds: ['interrupted'],
    };
  }
  return undefined;
}

/** `value` with every string in it passed through {@link escapeControls}, at any depth. */
function escapedDeep<T>(value: T): T {
  if (typeof value === 'string') return escapeControls(value) as T;
  if (Array.isArray(value)) return value.map(escapedDeep) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapedDeep(v)])) as T;
  }
  return value;
}

/** What stands for the entries one dimension could not hold. */
const omittedText = (count: number, what: string): string =>
  `${count} more ${what}${count === 1 ? '' : 's'} than the trail holds (one dimension keeps 8,192 bytes): the run's own report (--format json, the run store) lists every one`;

/**
 * Rebuilds the report of one run from its events (already filtered to the run, in file order).
 * `file` names the trail in the report; the reproducing command re-runs the diagnosis live.
 */
export function reportFromAudit(events: readonly AuditEvent[], file: string): RecordedReport {
  const started = of(events, 'ProbeDoctor.RunStarted')[0];
  const finished = of(events, 'ProbeDoctor.RunFinished').at(-1);
  const first = events[0];
  // A sweep's SweepCompleted event names no one load balancer: it is not a run's report.
  if (!first || !('loadBalancerId' in first) || !first.loadBalancerId) {
    throw new Error('the run has no events that name its load balancer');
  }
  const lbId = first.loadBalancerId;
  const causesByBackend = new Map<string, Cause[]>();
  const lbCauses: Cause[] = [];
  for (const e of of(events, 'ProbeDoctor.CauseFound')) {
    const evidence = record(parse(e.evidence));
    const cause: Cause = { id: e.causeId, summary: e.summary, ...(e.evidence ? { evidence } : {}) };
    if (e.backend) causesByBackend.set(e.backend, [...(causesByBackend.get(e.backend) ?? []), cause]);
    else lbCauses.push(cause);
  }
  const validation = validationOf(events);
  const probeStateBefore: Record<string, BackendReport['probeState']> = {};
  const backends: BackendReport[] = of(events, 'ProbeDoctor.BackendChecked').map((b) => {
    probeStateBefore[b.backend] = b.probeState;
    const v = validation.find((x) => x.backendKey === b.backend);
    if (v && b.ipAddress) v.ipAddress = b.ipAddress;
    const after: BackendReport['probeState'] = v
      ? v.health === 'Up'
        ? 'up'
        : v.health === 'Down'
          ? 'down'
          : 'unknown'
      : b.probeState;
    const reason = v?.healthReason ?? b.healthReason;
    return {
      ipConfigurationId: b.backend,
      ...(b.ipAddress ? { ipAddress: b.ipAddress } : {}),
      ...(b.vmId ? { vmId: b.vmId } : {}),
      probeState: after,
      ...(after !== b.probeState ? { probeStateBefore: b.probeState } : {}),
      ...(reason ? { healthReason: reason } : {}),
      causes: causesByBackend.get(b.backend) ?? [],
    };
  });
  // Healthy backends are one event for the run; those it lists by name are reported up.
  for (const h of of(events, 'ProbeDoctor.BackendsHealthy')) {
    for (const b of healthyListed(h.backends)) {
      probeStateBefore[b.backend] = 'up';
      backends.push({
        ipConfigurationId: b.backend,
        ...(b.ipAddress ? { ipAddress: b.ipAddress } : {}),
        probeState: 'up',
        causes: [],
      });
    }
  }
  const escalated = of(events, 'ProbeDoctor.Escalated').at(-1);
  const outcome = finished?.outcome;
  // What the run could not read or check, as its report said it (RunFinished keeps what fits).
  const problems: NonNullable<Report['problems']> = recordedList(finished?.problems).flatMap(problemOf);
  const problemsOmitted = Number(finished?.problemsOmitted ?? 0);
  if (problemsOmitted > 0) problems.push({ kind: 'audit', message: omittedText(problemsOmitted, 'problem') });
  const nextSteps = recordedList(finished?.nextSteps).filter((s): s is string => typeof s === 'string');
  // Without its end, the trail cannot say what the run did last (a VM started, a rule written): the
  // first step is to find out, before any step a fix or a recommendation suggests.
  if (!finished && started)
    nextSteps.unshift(
      "this run's trail ends before RunFinished: check whether the run is still going or what it did last (the orchestration's status, the resources it names) before acting on any step",
    );
  const nextStepsOmitted = Number(finished?.nextStepsOmitted ?? 0);
  // Said among the problems: it is no step a person takes.
  if (nextStepsOmitted > 0)
    problems.push({ kind: 'audit', message: omittedText(nextStepsOmitted, 'next step') });
  if (!finished)
    problems.push({
      kind: 'audit',
      message: 'the trail has no RunFinished event: the run did not finish or its end was not recorded',
    });
  // A ticket built for a person to file: its payload is the run's report's, not the trail's.
  if (escalated && escalated.outcome !== 'ticket-submitted')
    problems.push({
      kind: 'audit',
      message:
        "the support ticket's payload is not in the audit trail: take it from the run's own report (the run store, or --format json when the run was made), then file it",
    });
  // What stopped the run, from RunFinished's reason: it says more than the report's own problem (the
  // phase, what was left in place), so it stands in that problem's place when it holds its words.
  const stopped = stopProblem(outcome, finished?.reason);
  if (stopped) {
    const same = problems.findIndex(
      (p) => stopped.kinds.includes(p.kind) && stopped.problem.message.includes(p.message),
    );
    const known = problems[same];
    if (known) problems[same] = { ...known, message: stopped.problem.message };
    else problems.push(stopped.problem);
  }
  const approval = countedApproval(events, finished);
  const report: Report = {
    loadBalancerId: lbId,
    runId: first.runId,
    ...(first.alertId ? { alertId: first.alertId } : {}),
    mode: first.mode ?? 'observe',
    // A run that stopped early built no ticket: a person must look (src/workflow/activities.ts).
    verdict: outcome && outcome !== 'failed' ? outcome : 'action-required',
    ...(finished?.whoMustAct ? { whoMustAct: finished.whoMustAct } : {}),
    causes: lbCauses,
    backends,
    fixes: fixesOf(events, heldReason(finished, approval)),
    ...(validation.length > 0 ? { validation } : {}),
    ...(escalated
      ? {
          escalation: {
            // The payload itself is not in the trail; the run's report (--format json) has it.
            supportTicket: {},
            submitted: escalated.outcome === 'ticket-submitted',
            ...(escalated.ticketId ? { ticketId: escalated.ticketId } : {}),
            ...(escalated.outcome === 'submit-failed' ? { error: escalated.reason } : {}),
          },
        }
      : {}),
    ...(nextSteps.length > 0 ? { nextSteps } : {}),
    ...(problems.length > 0 ? { problems } : {}),
    ...(approval ? { approval: { decision: approval.outcome, by: approval.by } } : {}),
  };
  const start = Date.parse(started?.time ?? first.time);
  const end = Date.parse((finished ?? events.at(-1) ?? first).time);
  return {
    // Every text the trail gave, escaped once more where it could act on a terminal.
    report: escapedDeep(report),
    context: {
      ...(Number.isFinite(end - start) ? { durationMs: end - start } : {}),
      probeStateBefore,
      source: `audit trail ${file}`,
      // Observe mode, whatever the run's: pasted the next morning, it must not write the fixes again,
      // and the trail does not say whether the run read the sandbox (--scenario) or live Azure.
      reproduce: `node bin/probe-doctor.js diagnose --load-balancer ${shellWord(escapeControls(lbId))}`,
    },
  };
}
