/**
 * The probe-doctor orchestration (DESIGN.md, "Flow"). A deterministic generator: time only from
 * `context.df.currentUtcDateTime`, waits only through durable timers, every read and write in an
 * activity. Exported on its own so the local durable host and the Functions registration run the
 * same code.
 */
import * as df from 'durable-functions';
import type { DurableLock, OrchestrationContext, Task } from 'durable-functions';
import type { FixReport, Report } from '../model/report';
import { idKey } from '../model/ids';
import { mayHaveWritten } from '../remediate/nsgApply';
import type {
  ApprovalDecision,
  ApplyFixesActivityInput,
  CheckBackendActivityOutput,
  CheckBackendInput,
  DiagnoseActivityInput,
  DiagnosisSummary,
  EscalateActivityInput,
  EscalateOutput,
  FinalizeReportActivityInput,
  FixPlan,
  PlanFixesActivityInput,
  PlannedFix,
  ReadProbeHealthInput,
  ReadProbeHealthOutput,
  RollbackFixesActivityInput,
  RunContext,
  StoredCheck,
  ValidateActivityInput,
  ValidationSummary,
  WorkflowInput,
  WorkflowPolicy,
  WorkflowStatus,
  WorkflowTopology,
} from './contracts';
import {
  asReport,
  batches,
  checkTarget,
  failingBackends,
  plannedOnly,
  probeWaitSeconds,
  probesFor,
  selectFixes,
} from './flow';
import { parseWorkflowInput, readApproval } from './input';
import { ACTIVITY, APPROVAL_EVENT } from './names';
import { nsgLockIds } from './nsgLock';

/** Retries for reads that can hit throttling or a transient 5xx; applying fixes is never retried blindly. */
export function readRetryOptions(): df.RetryOptions {
  const options = new df.RetryOptions(5_000, 3);
  options.backoffCoefficient = 2;
  options.maxRetryIntervalInMilliseconds = 60_000;
  return options;
}

/** A thrown activity error's message (the library wraps it; keep the first line). */
function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const first = text.split('\n')[0] ?? text;
  return first.replace(/^Error: /, '');
}

/** The fixes of a failed apply, each reported `failed` with the reason. */
function failedFixes(fixes: readonly PlannedFix[], reason: string): FixReport[] {
  return fixes.map((fix) => ({ ...asReport(fix), status: 'failed', reason }));
}

/** What durable-functions says when the extension is too old for critical sections (below schema V4). */
const LOCKS_UNSUPPORTED = /lock requires a Durable Functions extension that supports OOProc schema V4/;

/**
 * The task that takes the entity lock over `entities`, or none: when there is nothing to lock, or when
 * the Durable extension announces a schema below V4 (no critical sections). The schema is fixed for
 * the whole execution, so the choice replays the same way; without the entity lock the in-process lock
 * and the ETag conditions and retries of the writes are what keep them correct, as they always do.
 */
export function lockTask(
  context: Pick<OrchestrationContext, 'df'>,
  entities: ReturnType<typeof nsgLockIds>,
): Task | undefined {
  if (entities.length === 0) return undefined;
  try {
    return context.df.lock(entities);
  } catch (err) {
    if (err instanceof Error && LOCKS_UNSUPPORTED.test(err.message)) return undefined;
    throw err;
  }
}

/** What started the run, from the input (pure). */
export function triggerOf(input: WorkflowInput): RunContext['trigger'] {
  if (input.alertId !== undefined) return 'alert';
  if (input.requestedBy === 'cli') return 'cli';
  // The fleet sweep asks as `sweep:<sweep id>` (src/sweep/sweep.ts).
  return input.requestedBy?.startsWith('sweep:') ? 'sweep' : 'http';
}

/** The orchestrator. Its output is the {@link Report}. */
export function* probeDoctorOrchestrator(context: OrchestrationContext): Generator<Task, Report, unknown> {
  const input = parseWorkflowInput(context.df.getInput());
  const run: RunContext = {
    runId: context.df.instanceId,
    loadBalancerId: input.loadBalancerId,
    ...(input.alertId !== undefined ? { alertId: input.alertId } : {}),
    mode: input.mode,
    trigger: triggerOf(input),
  };
  const status: WorkflowStatus = { phase: 'discovering', backendsTotal: 0, backendsDown: 0, checked: 0 };
  const report = (change: Partial<WorkflowStatus>): void => {
    Object.assign(status, change);
    context.df.setCustomStatus({ ...status });
  };
  report({});

  const policy = (yield context.df.callActivity(ACTIVITY.getPolicy, { run })) as WorkflowPolicy;
  const topology = (yield context.df.callActivityWithRetry(ACTIVITY.discoverTopology, readRetryOptions(), {
    run,
  })) as WorkflowTopology;

  report({ phase: 'reading-health', backendsTotal: topology.backends.length });
  const { health, healthRef } = (yield context.df.callActivityWithRetry(
    ACTIVITY.readProbeHealth,
    readRetryOptions(),
    {
      run,
      topology: { loadBalancer: topology.loadBalancer, rules: topology.rules, probes: topology.probes },
    } satisfies ReadProbeHealthInput,
  )) as ReadProbeHealthOutput;
  const failing = failingBackends(topology, health);

  // Bounded fan-out: at most one batch of checks in flight, so a pool of hundreds does not start
  // hundreds of Run Commands at once, and each episode's history stays small.
  report({ phase: 'checking-backends', backendsDown: failing.length });
  const checks: StoredCheck[] = [];
  for (const batch of batches(failing, policy.fanoutBatchSize)) {
    const results = (yield context.df.Task.all(
      batch.map(({ backend, health: backendHealth }) =>
        context.df.callActivity(ACTIVITY.checkBackend, {
          run,
          ...checkTarget(backend),
          probes: probesFor(topology, backend),
          health: backendHealth,
        } satisfies CheckBackendInput),
      ),
    )) as CheckBackendActivityOutput[];
    results.forEach((result, i) => checks.push({ backendKey: batch[i]?.backend.key ?? '', result }));
    report({ checked: checks.length });
  }

  report({ phase: 'diagnosing' });
  // Large values travel as run store refs: the history keeps a copy of every activity input and result.
  const { topologyRef } = topology;
  const diagnosis = (yield context.df.callActivity(ACTIVITY.diagnose, {
    run,
    topologyRef,
    healthRef,
    checks,
  } satisfies DiagnoseActivityInput)) as DiagnosisSummary;
  const { diagnosisRef } = diagnosis;
  // A backend down by design (a passive cluster node, no local endpoint) is neither validated nor
  // escalated: its probe is meant to fail.
  const byDesign = new Set(
    diagnosis.backends.filter((b) => b.probeState === 'expected-down').map((b) => idKey(b.key)),
  );
  const actionable = failing.filter((f) => !byDesign.has(idKey(f.backend.key)));

  report({ phase: 'planning' });
  const plan = (yield context.df.callActivity(ACTIVITY.planFixes, {
    run,
    mode: input.mode,
    topologyRef,
    diagnosisRef,
  } satisfies PlanFixesActivityInput)) as FixPlan;
  report({ fixesPlanned: plan.fixes.filter((f) => f.status === 'planned').length });

  let fixes: FixReport[] = plannedOnly(plan.fixes);
  if (input.mode === 'fix') {
    let decision: ApprovalDecision | undefined;
    if (plan.fixes.some((f) => f.status === 'planned' && f.needsApproval)) {
      const deadline = new Date(
        context.df.currentUtcDateTime.getTime() + policy.approvalTimeoutMinutes * 60_000,
      );
      report({ phase: 'awaiting-approval', approvalDeadline: deadline.toISOString() });
      const timeout = context.df.createTimer(deadline);
      const approval = context.df.waitForExternalEvent(APPROVAL_EVENT);
      const winner = yield context.df.Task.any([approval, timeout]);
      if (winner === approval) {
        timeout.cancel();
        decision = readApproval(approval.result);
      } else {
        decision = { decision: 'timeout' };
      }
      report({ approval: decision });
    }
    const { apply, skipped } = selectFixes(plan.fixes, decision ?? { decision: 'approve' });
    let applied: FixReport[] = [];
    if (apply.length > 0) {
      report({ phase: 'applying' });
      // One critical section over every NSG this apply writes: runs that target the same NSG take
      // turns across processes. The entity ids come from the plan, which is in the history.
      const applyLock = lockTask(context, nsgLockIds(apply));
      const lock = applyLock ? ((yield applyLock) as DurableLock) : undefined;
      try {
        applied = (yield context.df.callActivity(ACTIVITY.applyFixes, {
          run,
          mode: input.mode,
          topologyRef,
          fixes: apply,
        } satisfies ApplyFixesActivityInput)) as FixReport[];
      } catch (err) {
        // The activity reports each fix itself; a throw means it broke part-way. The run goes on to
        // escalate with what is known, rather than ending with no report.
        applied = failedFixes(apply, `applying the fixes failed: ${errorMessage(err)}`);
      } finally {
        lock?.release();
      }
    }
    fixes = [...applied, ...skipped];
  }

  let validation: ValidationSummary | undefined;
  let validationError: string | undefined;
  if (fixes.some((f) => f.status === 'applied' || mayHaveWritten(f))) {
    // The platform re-evaluates the probe on its own schedule: wait for it on a durable timer. A
    // backend still climbing to the healthy threshold gets one more interval before it is judged.
    const waitSeconds = probeWaitSeconds(topology.probes, policy.probeWaitMarginSeconds);
    for (let round = 1; round <= 2; round++) {
      report({ phase: 'waiting-for-probe' });
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + waitSeconds * 1000));
      report({ phase: 'validating' });
      try {
        validation = (yield context.df.callActivityWithRetry(ACTIVITY.validate, readRetryOptions(), {
          run,
          topologyRef,
          backendKeys: actionable.map((f) => f.backend.key),
        } satisfies ValidateActivityInput)) as ValidationSummary;
      } catch (err) {
        validation = undefined;
        validationError = `validation could not run: ${errorMessage(err)}`;
        break;
      }
      if ((validation.recovering ?? []).length === 0) break;
    }
  }

  // Unvalidated backends count as still down; a rule is never rolled back on a validation that did
  // not run (whether it helped is unknown, and removing it could break what it fixed).
  const stillDown = validation
    ? [...validation.stillDown, ...(validation.recovering ?? [])]
    : actionable.map((f) => f.backend.key);
  const lostWrite = fixes.some((f) => f.detail.writeOutcome === 'unknown');
  if (
    validation &&
    (lostWrite || (stillDown.length > 0 && fixes.some((f) => f.status === 'applied' || mayHaveWritten(f))))
  ) {
    // A rule we added that did not bring its backend back is taken out again (rollbackOnFailure):
    // the activity decides per fix, from the policy, and reports `rolled-back`.
    report({ phase: 'rolling-back' });
    const rollbackLock = lockTask(
      context,
      nsgLockIds(fixes.filter((f) => f.status === 'applied' || mayHaveWritten(f))),
    );
    const lock = rollbackLock ? ((yield rollbackLock) as DurableLock) : undefined;
    try {
      fixes = (yield context.df.callActivity(ACTIVITY.rollbackFixes, {
        run,
        topologyRef,
        fixes,
        stillDown,
      } satisfies RollbackFixesActivityInput)) as FixReport[];
    } finally {
      lock?.release();
    }
  }
  let escalation: EscalateOutput | undefined;
  if (stillDown.length > 0 || (diagnosis.causes.length > 0 && actionable.length > 0)) {
    report({ phase: 'escalating' });
    escalation = (yield context.df.callActivity(ACTIVITY.escalate, {
      run,
      topologyRef,
      diagnosisRef,
      fixes,
      stillDown,
    } satisfies EscalateActivityInput)) as EscalateOutput;
  }

  report({ phase: 'reporting' });
  const result = (yield context.df.callActivity(ACTIVITY.finalizeReport, {
    run,
    mode: input.mode,
    topologyRef,
    diagnosisRef,
    fixes,
    ...(validation ? { validationRef: validation.validationRef } : {}),
    ...(escalation ? { escalation } : {}),
    ...(validationError ? { validationError } : {}),
    approvalPending: false,
  } satisfies FinalizeReportActivityInput)) as Report;
  report({ phase: 'done', backendsDown: stillDown.length });
  return result;
}
