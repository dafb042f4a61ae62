/**
 * The audit trail of a run: turns what each activity saw, decided and changed into the events of
 * src/audit/events.ts. Called from activities only (the orchestrator body replays and never emits).
 */
import { createAuditor, type Auditor } from '../audit/auditor';
import type { RunCommandPurpose } from '../audit/events';
import type { AuditSink } from '../audit/sink';
import {
  countsAsDown,
  DOWN_BY_DESIGN_SHAPES,
  type BackendReport,
  type Cause,
  type CauseId,
  type DownByDesignShape,
  type FixReport,
  type Report,
} from '../model/report';
import type { RemediationAuditEvent } from '../remediate/ports';
import type { DetailedValidationResult } from '../remediate/validate';
import type { BackendCheck, EscalateOutput, GuestCommandRecord, RunStop } from '../workflow/contracts';
import { idKey } from '../model/ids';
import type { Diagnosis } from '../model/diagnosis';
import type { PlannedFix } from '../model/fixPlan';
import type { RunContext } from '../model/run';

/**
 * An auditor with the run's common dimensions. `clock` stamps the events: the host's clock, so a run
 * against an in-process sandbox, whose waits move the sandbox's clock instead of passing, records the
 * times its run id and its waits are in (absent: wall time, as on the Functions host and live Azure).
 */
export function auditorFor(sink: AuditSink, run: RunContext, clock?: () => Date): Auditor {
  return createAuditor(
    sink,
    {
      runId: run.runId,
      loadBalancerId: run.loadBalancerId,
      mode: run.mode,
      ...(run.alertId !== undefined ? { alertId: run.alertId } : {}),
    },
    clock ? { now: clock } : {},
  );
}

/** RunCommandAccepted for a command Azure took, whoever sent it (a check, a guest fix, a peer test). */
export async function auditRunCommandAccepted(
  audit: Auditor,
  purpose: RunCommandPurpose,
  command: Pick<GuestCommandRecord, 'vmId' | 'commandId' | 'scriptSha256'>,
): Promise<void> {
  await audit.runCommandAccepted({
    vmId: command.vmId,
    purpose,
    runCommand: command.commandId,
    scriptSha256: command.scriptSha256,
  });
}

/** The Run Command each check sent, by backend key ({@link idKey}), for {@link auditDiagnosis}. */
export function guestCommandsOf(checks: readonly BackendCheck[]): Map<string, GuestCommandRecord> {
  const commands = new Map<string, GuestCommandRecord>();
  for (const { backendKey, result } of checks) {
    if (result.ok && result.value.guestCommand) commands.set(idKey(backendKey), result.value.guestCommand);
  }
  return commands;
}

const uniqueCauseIds = (ids: readonly CauseId[]): CauseId[] => [...new Set(ids)];

/** The shape of a backend down by design, from its `expected-down` note (src/diagnose/expectedDown.ts). */
function downByDesignOf(b: Pick<BackendReport, 'notes'>): DownByDesignShape | undefined {
  const shape = b.notes?.find((n) => n.id === 'expected-down')?.evidence?.shape;
  return DOWN_BY_DESIGN_SHAPES.find((s) => s === shape);
}

/**
 * BackendChecked for every backend the diagnosis looked at, and CauseFound for every cause. `commands`:
 * the Run Command each check sent, by backend key ({@link idKey}): its backend's event names it, so the
 * trail says what ran in whose guest.
 */
export async function auditDiagnosis(
  audit: Auditor,
  diagnosis: Diagnosis,
  commands: ReadonlyMap<string, GuestCommandRecord> = new Map(),
): Promise<void> {
  for (const cause of diagnosis.causes) {
    await audit.causeFound({ causeId: cause.id, summary: cause.summary, evidence: cause.evidence });
  }
  // Healthy backends (up, no cause) are one event for all of them: the trail does not grow with the
  // pool. One pass sorts the backends: the healthy ones into that event, the others one event each.
  const healthy: Diagnosis['backends'] = [];
  const others: Diagnosis['backends'] = [];
  // Indexed: see indexById (model/ids.ts) on for-of in code that runs once per run.
  for (let i = 0; i < diagnosis.backends.length; i++) {
    const b = diagnosis.backends[i] as Diagnosis['backends'][number];
    if (b.probeState !== 'up' || b.causes.length > 0 || commands.has(idKey(b.key))) others.push(b);
    else healthy.push(b);
  }
  if (healthy.length > 0) await audit.backendsHealthy({ backends: healthy });
  for (const b of others) {
    const causeIds = uniqueCauseIds(b.causes.map((c) => c.id));
    const command = commands.get(idKey(b.key));
    await audit.backendChecked({
      backend: b.key,
      ...(b.ipAddress ? { ipAddress: b.ipAddress } : {}),
      ...(b.vmId ? { vmId: b.vmId } : {}),
      probeState: b.probeState,
      ...(b.healthReason ? { healthReason: b.healthReason } : {}),
      causeIds,
      outcome:
        causeIds.length > 0
          ? 'causes-found'
          : b.probeState === 'up'
            ? 'healthy'
            : b.probeState === 'expected-down'
              ? 'expected-down'
              : 'check-failed',
      ...(causeIds.length === 0 && b.probeState === 'expected-down'
        ? {
            reason: b.notes?.find((n) => n.id === 'expected-down')?.summary ?? 'down by design',
            ...(downByDesignOf(b) ? { downByDesign: downByDesignOf(b) } : {}),
          }
        : causeIds.length === 0 && b.probeState !== 'up'
          ? {
              // A stopped run's backend whose checks never ran says so (src/app/diagnosis.ts).
              reason:
                b.notes?.find((n) => n.id === 'not-checked')?.summary ?? 'probe not up and no cause found',
            }
          : {}),
      ...(command ? { runCommand: command.commandId, scriptSha256: command.scriptSha256 } : {}),
    });
    for (const cause of b.causes) {
      await audit.causeFound({
        backend: b.key,
        causeId: cause.id,
        summary: cause.summary,
        evidence: cause.evidence,
      });
    }
  }
}

/** The resource a fix changes, or the load balancer for a recommendation without one. */
function targetOf(fix: FixReport, run: RunContext): string {
  return /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\//i.test(fix.target)
    ? fix.target
    : run.loadBalancerId;
}

/** FixPlanned for every fix of the plan, with what it would change. */
export async function auditPlan(
  audit: Auditor,
  run: RunContext,
  fixes: readonly PlannedFix[],
): Promise<void> {
  for (const fix of fixes) {
    await audit.fixPlanned({
      fixKind: fix.kind,
      target: targetOf(fix, run),
      ...(fix.backendKeys[0] ? { backend: fix.backendKeys[0] } : {}),
      before: null,
      after: fix.detail,
      ...(fix.reason ? { reason: fix.reason } : {}),
      outcome: fix.status === 'skipped' ? 'skipped' : fix.needsApproval ? 'awaiting-approval' : 'planned',
    });
  }
}

const FIX_KIND_OF_ACTION: Record<RemediationAuditEvent['action'], FixReport['kind']> = {
  'create-rule': 'nsg-allow-probe',
  'update-rule': 'nsg-allow-probe',
  'delete-rule': 'nsg-allow-probe',
  'start-vm': 'start-vm',
  'guest-firewall-allow': 'guest-firewall-allow',
};

/**
 * The hook remediation calls before and after each change. Both are confirmed (the sink says it has
 * the record); the before-record failing stops the change (src/remediate/nsgApply.ts).
 */
export function remediationAuditHook(audit: Auditor): (event: RemediationAuditEvent) => Promise<void> {
  return async (event) => {
    const fields = {
      fixKind: FIX_KIND_OF_ACTION[event.action],
      target: event.target,
      before: event.before ?? null,
      after: event.after ?? null,
    };
    if (event.action === 'delete-rule') {
      await audit.fixRolledBack(
        {
          ...fields,
          reason: 'the rule did not bring its backend back (rollbackOnFailure)',
          outcome: event.phase === 'before' ? 'started' : 'rolled-back',
        },
        { confirm: true },
      );
    } else {
      await audit.fixApplied(
        { ...fields, outcome: event.phase === 'before' ? 'started' : 'applied' },
        { confirm: true },
      );
    }
  };
}

/** Fixes that ended without a change the hook already recorded: in place already, or failed. */
export async function auditApplyOutcomes(
  audit: Auditor,
  run: RunContext,
  fixes: readonly FixReport[],
): Promise<void> {
  for (const fix of fixes) {
    const inPlace = fix.status === 'applied' && fix.detail.written === false;
    if (!inPlace && fix.status !== 'failed') continue;
    await audit.fixApplied({
      fixKind: fix.kind,
      target: targetOf(fix, run),
      before: null,
      after: fix.detail,
      ...(fix.reason ? { reason: fix.reason } : {}),
      outcome: inPlace ? 'already-in-place' : 'failed',
    });
  }
}

/** ValidationResult per backend: the peer TCP test and the re-read health. */
export async function auditValidation(audit: Auditor, result: DetailedValidationResult): Promise<void> {
  for (const b of result.backends) {
    if (b.tcp) {
      await audit.validationResult({
        backend: b.backendKey,
        method: 'peer-tcp-ping',
        detail: `from ${b.tcp.peerVmId} to port ${b.tcp.port}: ${b.tcp.detail}`,
        ...(b.tcp.runCommand ? { runCommand: b.tcp.runCommand } : {}),
        ...(b.tcp.scriptSha256 ? { scriptSha256: b.tcp.scriptSha256 } : {}),
        outcome: b.tcp.reachable ? 'up' : 'down',
      });
    }
    await audit.validationResult({
      backend: b.backendKey,
      method: b.decidedBy === 'checks-rerun' ? 'checks-rerun' : 'health-reread',
      ...(b.explanation ? { detail: b.explanation } : b.healthReason ? { detail: b.healthReason } : {}),
      outcome: b.health === 'Up' ? 'up' : b.health === 'Down' ? 'down' : 'unknown',
    });
  }
}

/** Escalated, with the ticket's fate. */
export async function auditEscalation(
  audit: Auditor,
  diagnosis: Diagnosis,
  /** The backends Microsoft is asked to look at. */
  stillDown: readonly string[],
  output: EscalateOutput & { error?: string },
): Promise<void> {
  const causeIds = uniqueCauseIds(
    [...diagnosis.causes, ...diagnosis.backends.flatMap((b) => b.causes)].map((c) => c.id),
  );
  await audit.escalated({
    causeIds,
    reason: `${stillDown.length} backend(s) still down that nothing found explains${output.error ? `; ${output.error}` : ''}`,
    ...(output.ticketId ? { ticketId: output.ticketId } : {}),
    outcome: output.submitted
      ? 'ticket-submitted'
      : output.error && output.error.startsWith('submit')
        ? 'submit-failed'
        : 'ticket-built',
  });
}

/**
 * What an interrupted run (Ctrl-C, the operator's interrupt event) left: the step it stopped at (the
 * report's `interrupted` problem says it) and each change of this run still in place, so whoever reads
 * the trail can find the rule and decide. Undefined when the run was not interrupted.
 */
export function interruptedReason(report: Report): string | undefined {
  const problem = report.problems?.find((p) => p.kind === 'interrupted');
  if (!problem) return undefined;
  const inPlace = report.fixes
    .filter((f) => f.status === 'applied')
    .map((f) => {
      const rule = typeof f.detail.ruleName === 'string' ? ` rule ${f.detail.ruleName}` : '';
      return `${f.kind}${rule} on ${f.target}`;
    });
  return `interrupted: ${problem.message}; left in place: ${inPlace.length > 0 ? inPlace.join(', ') : 'nothing'}`;
}

/**
 * RunFinished, with the verdict, or `failed` and the reason when the run stopped early; an
 * interrupted run keeps its verdict and says so in `reason` ({@link interruptedReason}).
 */
export async function auditRunFinished(audit: Auditor, report: Report, stop?: RunStop): Promise<void> {
  const interrupted = stop ? undefined : interruptedReason(report);
  // One pass over the backends (a pool of a thousand): their causes, how many are down, by design.
  const ids: CauseId[] = report.causes.map((c) => c.id);
  let backendsDown = 0;
  let backendsExpectedDown = 0;
  // Indexed: see indexById (model/ids.ts) on for-of in code that runs once per run.
  for (let i = 0; i < report.backends.length; i++) {
    const b = report.backends[i] as BackendReport;
    for (let j = 0; j < b.causes.length; j++) ids.push((b.causes[j] as Cause).id);
    if (countsAsDown(b)) backendsDown += 1;
    if (b.probeState === 'expected-down') backendsExpectedDown += 1;
  }
  await audit.runFinished({
    causeIds: uniqueCauseIds(ids),
    fixesApplied: report.fixes.filter((f) => f.status === 'applied').length,
    backendsDown,
    backendsExpectedDown,
    outcome: stop ? 'failed' : report.verdict,
    ...(stop ? { reason: `${stop.kind}${stop.phase ? ` while ${stop.phase}` : ''}: ${stop.message}` } : {}),
    ...(interrupted ? { reason: interrupted } : {}),
    ...(report.whoMustAct ? { whoMustAct: report.whoMustAct } : {}),
    // What a person reviewing the trail needs besides the verdict: what to do, and what was not seen.
    ...(report.nextSteps ? { nextSteps: report.nextSteps } : {}),
    ...(report.problems ? { problems: report.problems } : {}),
  });
}
