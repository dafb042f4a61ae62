/** The run's Report from what the activities found (pure): verdict rules in src/model/verdict.ts. */
import { nextStepsFor } from '../model/nextSteps';
import type { BackendReport, Report } from '../model/report';
import { backendForVerdict, decideVerdict } from '../model/verdict';
import type { FinalizeReportInput } from './contracts';

/** Backends not up after the fixes: still down, or still climbing to the healthy threshold. */
function stillDownAfter(validation: NonNullable<FinalizeReportInput['validation']>): string[] {
  return [...validation.stillDown, ...(validation.recovering ?? [])];
}

/**
 * The verdict and who must act (src/model/verdict.ts) for a finished run. A backend up and without a
 * cause never needs anyone (`needsAttention`), so the verdict is decided over the others only: the
 * healthy pool is not copied into it.
 */
export function verdictOf(input: FinalizeReportInput): ReturnType<typeof decideVerdict> {
  const notHealthy = input.diagnosis.backends.filter((b) => b.probeState !== 'up' || b.causes.length > 0);
  return decideVerdict({
    mode: input.mode,
    backends: notHealthy.map(backendForVerdict),
    loadBalancerCauses: input.diagnosis.causes.map((c) => c.id),
    fixes: input.fixes,
    ...(input.validation ? { stillDownAfterValidation: stillDownAfter(input.validation) } : {}),
    approvalPending: input.approvalPending,
  });
}

/**
 * Builds the Report. `probeState` and `healthReason` say how each backend is now: a backend that
 * validated as up after the fixes is reported up with the re-read reason and `probeStateBefore` (what
 * the run found), while its `causes` keep what was wrong and the evidence for it.
 */
export function buildReport(input: FinalizeReportInput): Report {
  const stillDown = input.validation ? new Set(stillDownAfter(input.validation)) : undefined;
  const validated = new Map((input.validation?.backends ?? []).map((v) => [v.backendKey, v]));
  const backends: BackendReport[] = input.diagnosis.backends.map(({ key, ...backend }) => {
    if (!stillDown) return backend;
    // A backend Azure did not probe before (a stopped VM: state unknown) counts as recovered only when
    // validation checked it; a down one when it is no longer down.
    const recovered =
      backend.probeState === 'down' || (backend.probeState === 'unknown' && validated.has(key));
    const reason = validated.get(key)?.healthReason;
    if (stillDown && recovered && !stillDown.has(key)) {
      return {
        ...backend,
        probeState: 'up',
        probeStateBefore: backend.probeState,
        ...(reason ? { healthReason: reason } : {}),
      };
    }
    // A VM Azure did not probe (stopped: unknown) that validation re-read as Down after the fixes (it
    // was started, and its probe now fails): down now, with the reason the re-read gave.
    if (backend.probeState === 'unknown' && validated.get(key)?.health === 'Down') {
      return {
        ...backend,
        probeState: 'down',
        probeStateBefore: 'unknown',
        ...(reason ? { healthReason: reason } : {}),
      };
    }
    return backend;
  });
  const problems: NonNullable<Report['problems']> = input.topology.problems.map((p) => ({
    resourceId: p.resourceId,
    kind: p.kind,
    message: p.message,
  }));
  if (input.validationError) {
    problems.push({ kind: input.interrupted ? 'interrupted' : 'validation', message: input.validationError });
  }
  const { verdict, whoMustAct } = verdictOf(input);
  const report: Report = {
    loadBalancerId: input.run.loadBalancerId,
    runId: input.run.runId,
    ...(input.run.alertId !== undefined ? { alertId: input.run.alertId } : {}),
    mode: input.mode,
    verdict,
    whoMustAct,
    causes: input.diagnosis.causes,
    ...(input.diagnosis.notes && input.diagnosis.notes.length > 0 ? { notes: input.diagnosis.notes } : {}),
    backends,
    fixes: input.fixes,
    ...(input.validation?.backends ? { validation: input.validation.backends } : {}),
    ...(input.escalation ? { escalation: input.escalation } : {}),
    ...(problems.length > 0 ? { problems } : {}),
    ...(input.approval
      ? {
          approval: {
            decision: input.approval.decision,
            ...(input.approval.by !== undefined ? { by: input.approval.by } : {}),
          },
        }
      : {}),
  };
  const nextSteps = nextStepsFor(report);
  return nextSteps.length > 0 ? { ...report, nextSteps } : report;
}
