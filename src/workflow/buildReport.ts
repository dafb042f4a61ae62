/** The run's Report from what the activities found (pure): verdict rules of DESIGN.md, "Contracts". */
import type { BackendReport, Report, Verdict } from '../model/report';
import type { FinalizeReportInput } from './contracts';

/** Backends not up after the fixes: still down, or still climbing to the healthy threshold. */
function stillDownAfter(validation: NonNullable<FinalizeReportInput['validation']>): string[] {
  return [...validation.stillDown, ...(validation.recovering ?? [])];
}

/**
 * healthy: nothing down and no load-balancer cause; resolved: every backend that was down is up
 * after the fixes; awaiting-approval: something is down and fixes wait for a person; escalated:
 * anything else (something stays down, or a load-balancer cause stands).
 */
export function decideVerdict(input: FinalizeReportInput): Verdict {
  // A backend with a cause needs attention even when the probe does not say down: a stopped VM is
  // not probed at all, and the health API gives it empty values.
  // An admin state (Down_Admin) was set on purpose: it is reported, never counted as a failure.
  const downBefore = input.diagnosis.backends.filter(
    (b) => (b.probeState === 'down' && b.healthReason !== 'Down_Admin') || b.causes.length > 0,
  ).length;
  if (downBefore === 0 && input.diagnosis.causes.length === 0) return 'healthy';
  if (downBefore > 0 && input.validation && stillDownAfter(input.validation).length === 0) return 'resolved';
  if (input.approvalPending) return 'awaiting-approval';
  return 'escalated';
}

/**
 * Builds the Report. `probeState` and `healthReason` say how each backend is now: a backend that
 * validated as up after the fixes is reported up with the re-read reason, while its `causes` keep
 * what was wrong and the evidence for it.
 */
export function buildReport(input: FinalizeReportInput): Report {
  const stillDown = input.validation ? new Set(stillDownAfter(input.validation)) : undefined;
  const validated = new Map((input.validation?.backends ?? []).map((v) => [v.backendKey, v]));
  const backends: BackendReport[] = input.diagnosis.backends.map(({ key, ...backend }) => {
    if (stillDown && backend.probeState === 'down' && !stillDown.has(key)) {
      const reason = validated.get(key)?.healthReason;
      return { ...backend, probeState: 'up', ...(reason ? { healthReason: reason } : {}) };
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
  return {
    loadBalancerId: input.run.loadBalancerId,
    runId: input.run.runId,
    ...(input.run.alertId !== undefined ? { alertId: input.run.alertId } : {}),
    mode: input.mode,
    verdict: decideVerdict(input),
    causes: input.diagnosis.causes,
    ...(input.diagnosis.notes && input.diagnosis.notes.length > 0 ? { notes: input.diagnosis.notes } : {}),
    backends,
    fixes: input.fixes,
    ...(input.validation?.backends ? { validation: input.validation.backends } : {}),
    ...(input.escalation ? { escalation: input.escalation } : {}),
    ...(problems.length > 0 ? { problems } : {}),
  };
}
