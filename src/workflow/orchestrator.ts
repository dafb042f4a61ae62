/**
 * The probe-doctor orchestration (DESIGN.md, "Flow"). A deterministic generator: time only from
 * `context.df.currentUtcDateTime`, waits only through durable timers, every read and write in an
 * activity. Exported on its own so the local durable host and the Functions registration run the
 * same code.
 */
import type { DurableLock, OrchestrationContext, Task } from 'durable-functions';
import type { FixReport } from '../model/report';
import { idKey } from '../model/ids';
import { mayHaveWritten } from '../remediate/nsgApply';
import type {
  ApprovalDecision,
  ApplyFixesActivityInput,
  CloseRunActivityInput,
  RunStop,
  CheckBackendActivityOutput,
  CheckBackendInput,
  DiagnoseActivityInput,
  DiagnoseAndPlanActivityInput,
  DiagnoseAndPlanOutput,
  DiscoverTopologyInput,
  DiagnosisSummary,
  EscalateActivityInput,
  EscalateOutput,
  FinalizeReportActivityInput,
  FixPlan,
  PlanFixesActivityInput,
  RollbackFixesActivityInput,
  RunOutcome,
  StoredCheck,
  ValidateActivityInput,
  ValidationSummary,
  WorkflowInput,
  WorkflowPolicy,
  WorkflowStatus,
  WorkflowTopology,
} from './contracts';
import type { PlannedFix } from '../model/fixPlan';
import type { RunContext } from '../model/run';
import { asReport, batches, checkTarget, plannedOnly, probeWait, selectFixes } from './flow';
import { backendsForMicrosoft, stillDownAtEnd } from '../model/verdict';
import { parseWorkflowInput, readApproval } from './input';
import { runIdFor } from './runId';
import { ACTIVITY, APPROVAL_EVENT, flowVersionOf, INTERRUPT_EVENT } from './names';
import { nsgLockIds } from './nsgLock';

/*
 * One retry layer per call. The activities here are called without durable RetryOptions: every ARM call
 * inside them already goes through the SDK pipeline's retry policies (429 with Retry-After, 5xx,
 * dropped connections: src/azure/clients.ts), and what still fails after those is either a failure a
 * person must act on (sign in, a role, an id: reported once, never retried) or an outage longer than
 * the pipeline's backoff, which another activity attempt seconds later would multiply, not cure (3
 * activity attempts x 6 pipeline attempts per read). Validation too: a validation that cannot run is
 * reported (`validation could not run`), the fix kept and never rolled back on it. The write paths keep
 * only the loops for what the pipeline cannot know (src/remediate/retry.ts).
 */

/** A thrown activity error's message (the library wraps it as `<Class>: <message>`; keep the first line). */
function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const first = text.split('\n')[0] ?? text;
  return first.replace(/^[A-Za-z]*Error: /, '');
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

/**
 * Thrown inside the orchestrator when the run must stop early: a deadline passed. The orchestrator
 * catches it (and any other failure) and closes the run with what it knows.
 */
export class RunStoppedError extends Error {
  constructor(readonly stop: RunStop) {
    super(stop.message);
    this.name = 'RunStoppedError';
  }
}

/**
 * Deadlines of one run, from the durable clock (deterministic): each activity gets the policy's
 * activity deadline, never beyond the run's own. The time spent waiting for an approver is added to
 * the run's deadline: a person's pace is not the run's fault.
 */
export class RunDeadlines {
  private runEndsAt: number;

  constructor(
    private readonly context: Pick<OrchestrationContext, 'df'>,
    private readonly policy: Pick<WorkflowPolicy, 'runDeadlineSeconds' | 'activityDeadlineSeconds'>,
    startedAt: number,
  ) {
    this.runEndsAt = startedAt + policy.runDeadlineSeconds * 1000;
  }

  private now(): number {
    return this.context.df.currentUtcDateTime.getTime();
  }

  /** Moves the run's deadline by `ms` (the approval wait). */
  extend(ms: number): void {
    this.runEndsAt += ms;
  }

  /** The latest a wait may end: the run's deadline. */
  get endsAt(): number {
    return this.runEndsAt;
  }

  /**
   * Waits for `task` (an activity, with its retries, or a fan-out) until its deadline, on a durable
   * timer raced against it (Task.any). Returns its result, rethrows its failure, and throws
   * {@link RunStoppedError} when the timer wins; the abandoned activity's late answer is ignored.
   */
  *bounded(task: Task, what: string, steps = 1): Generator<Task, unknown, unknown> {
    const now = this.now();
    // An activity that does the work of `steps` former ones gets their deadlines together.
    const activityEnd = now + steps * this.policy.activityDeadlineSeconds * 1000;
    const until = Math.min(activityEnd, this.runEndsAt);
    if (until <= now) {
      throw new RunStoppedError({
        kind: 'deadline',
        message: `the run's deadline (${this.policy.runDeadlineSeconds} s) passed before ${what}`,
      });
    }
    const timer = this.context.df.createTimer(new Date(until));
    const winner = yield this.context.df.Task.any([task, timer]);
    if (winner === timer) {
      const which =
        until === activityEnd
          ? `the activity deadline (${steps > 1 ? `${steps} x ` : ''}${this.policy.activityDeadlineSeconds} s)`
          : `the run's deadline (${this.policy.runDeadlineSeconds} s)`;
      throw new RunStoppedError({ kind: 'deadline', message: `${what} did not finish within ${which}` });
    }
    timer.cancel();
    if (task.isFaulted) throw task.result instanceof Error ? task.result : new Error(String(task.result));
    return task.result;
  }
}

/** What started the run, from the input (pure). */
export function triggerOf(input: WorkflowInput): RunContext['trigger'] {
  if (input.alertId !== undefined) return 'alert';
  if (input.requestedBy === 'cli') return 'cli';
  // The fleet sweep asks as `sweep:<sweep id>` (src/sweep/sweep.ts).
  return input.requestedBy?.startsWith('sweep:') ? 'sweep' : 'http';
}

/** What a run knows so far, for the report of a run that stops early. */
interface Known {
  topologyRef?: string;
  healthRef?: string;
  /** The checks finished so far: a stop during the checks keeps their evidence. */
  checks: StoredCheck[];
  diagnosisRef?: string;
  fixes: FixReport[];
}

/** The orchestrator. Its output is a {@link RunOutcome}: the report's run-store ref and a summary. */
export function* probeDoctorOrchestrator(
  context: OrchestrationContext,
): Generator<Task, RunOutcome, unknown> {
  const input = parseWorkflowInput(context.df.getInput());
  const run: RunContext = {
    // One id per execution: given by the starter, or derived from the instance id and the start time
    // (the first episode's currentUtcDateTime, the same on every replay).
    runId: input.runId ?? runIdFor(context.df.instanceId, context.df.currentUtcDateTime),
    loadBalancerId: input.loadBalancerId,
    ...(input.alertId !== undefined ? { alertId: input.alertId } : {}),
    mode: input.mode,
    trigger: triggerOf(input),
  };
  const status: WorkflowStatus = {
    runId: run.runId,
    phase: 'discovering',
    backendsTotal: 0,
    backendsDown: 0,
    checked: 0,
  };
  const report = (change: { [K in keyof WorkflowStatus]?: WorkflowStatus[K] | undefined }): void => {
    Object.assign(status, change);
    // A field set to undefined is taken out (the wait's reason once the wait is over).
    for (const key of Object.keys(change) as (keyof WorkflowStatus)[]) {
      if (change[key] === undefined) delete status[key];
    }
    context.df.setCustomStatus({ ...status });
  };
  report({});
  const known: Known = { fixes: [], checks: [] };
  try {
    return yield* runProbeDoctor(context, input, run, report, known);
  } catch (err) {
    // Every run ends with a report and a RunFinished, whatever stopped it.
    const stop: RunStop =
      err instanceof RunStoppedError
        ? { ...err.stop, phase: status.phase }
        : { kind: 'failed', message: errorMessage(err), phase: status.phase };
    report({ phase: 'reporting', stopped: stop.kind });
    const result = (yield context.df.callActivity(ACTIVITY.closeRun, {
      run,
      mode: input.mode,
      stop,
      fixes: known.fixes,
      ...(known.topologyRef ? { topologyRef: known.topologyRef } : {}),
      ...(known.healthRef ? { healthRef: known.healthRef } : {}),
      ...(known.checks.length > 0 ? { checks: known.checks } : {}),
      ...(known.diagnosisRef ? { diagnosisRef: known.diagnosisRef } : {}),
    } satisfies CloseRunActivityInput)) as RunOutcome;
    report({ phase: 'done' });
    return result;
  }
}

/**
 * The diagnosis and the plan, by the instance's flow version (names.ts FLOW_VERSION): version 2 in one
 * activity, version 1 (instances started before versioning) in two, as their histories hold them.
 */
function* diagnoseAndPlan(
  context: OrchestrationContext,
  deadlines: RunDeadlines,
  report: (change: { [K in keyof WorkflowStatus]?: WorkflowStatus[K] | undefined }) => void,
  known: Known,
  input: DiagnoseAndPlanActivityInput,
): Generator<Task, { diagnosis: DiagnosisSummary; plan: FixPlan }, unknown> {
  const { run, mode, topologyRef } = input;
  if (flowVersionOf(context.df.version) >= 2) {
    // Version 1's two deadlines together on the durable timer. On the Functions host, host.json's
    // functionTimeout (10 min) still ends any one activity, so the two steps (seconds of work) share
    // the 10 minutes version 1 gave each. A plan past its time loses the stored diagnosis as a
    // diagnose past its deadline does (closeRun diagnoses again).
    const both = (yield* deadlines.bounded(
      context.df.callActivity(ACTIVITY.diagnoseAndPlan, input),
      'diagnosing and planning fixes',
      2,
    )) as DiagnoseAndPlanOutput;
    known.diagnosisRef = both.diagnosis.diagnosisRef;
    // Planning failed after the diagnosis was stored: the run closes with it while planning, as with
    // version 1.
    if (both.planFailure !== undefined) {
      report({ phase: 'planning' });
      throw new Error(both.planFailure);
    }
    return { diagnosis: both.diagnosis, plan: both.plan };
  }
  const { healthRef, checks } = input;
  const diagnosis = (yield* deadlines.bounded(
    context.df.callActivity(ACTIVITY.diagnose, {
      run,
      topologyRef,
      healthRef,
      checks,
    } satisfies DiagnoseActivityInput),
    'diagnosing',
  )) as DiagnosisSummary;
  known.diagnosisRef = diagnosis.diagnosisRef;
  report({ phase: 'planning' });
  const plan = (yield* deadlines.bounded(
    context.df.callActivity(ACTIVITY.planFixes, {
      run,
      mode,
      topologyRef,
      diagnosisRef: diagnosis.diagnosisRef,
    } satisfies PlanFixesActivityInput),
    'planning fixes',
  )) as FixPlan;
  return { diagnosis, plan };
}

function* runProbeDoctor(
  context: OrchestrationContext,
  input: ReturnType<typeof parseWorkflowInput>,
  run: RunContext,
  report: (change: { [K in keyof WorkflowStatus]?: WorkflowStatus[K] | undefined }) => void,
  known: Known,
): Generator<Task, RunOutcome, unknown> {
  const policy = (yield context.df.callActivity(ACTIVITY.getPolicy, { run })) as WorkflowPolicy;
  const deadlines = new RunDeadlines(context, policy, context.df.currentUtcDateTime.getTime());
  const topology = (yield* deadlines.bounded(
    context.df.callActivity(ACTIVITY.discoverTopology, {
      run,
      firstBatch: policy.fanoutBatchSize,
    } satisfies DiscoverTopologyInput),
    'discovering the topology',
  )) as WorkflowTopology;
  known.topologyRef = topology.topologyRef;
  // Decided once, in the discovery activity: the history holds the failing backends only.
  const { failing, healthRef } = topology;
  known.healthRef = healthRef;

  // Bounded fan-out: at most one batch of checks in flight, so a pool of hundreds does not start
  // hundreds of Run Commands at once, and each episode's history stays small.
  report({ phase: 'checking-backends', backendsTotal: topology.backendsTotal, backendsDown: failing.length });
  const checks = known.checks;
  for (const batch of batches(failing, policy.fanoutBatchSize)) {
    const results = (yield* deadlines.bounded(
      context.df.Task.all(
        batch.map(({ backend, health: backendHealth, probes }) =>
          context.df.callActivity(ACTIVITY.checkBackend, {
            run,
            ...checkTarget(backend),
            probes,
            health: backendHealth,
          } satisfies CheckBackendInput),
        ),
      ),
      'checking the backends',
    )) as CheckBackendActivityOutput[];
    results.forEach((result, i) => checks.push({ backendKey: batch[i]?.backend.key ?? '', result }));
    report({ checked: checks.length });
  }

  report({ phase: 'diagnosing' });
  // Large values travel as run store refs: the history keeps a copy of every activity input and result.
  const { topologyRef } = topology;
  const { diagnosis, plan } = yield* diagnoseAndPlan(context, deadlines, report, known, {
    run,
    mode: input.mode,
    topologyRef,
    healthRef,
    checks,
  });
  const { diagnosisRef } = diagnosis;
  // A backend down by design (a passive cluster node, no local endpoint) is neither validated nor
  // escalated: its probe is meant to fail.
  const byDesign = new Set(
    diagnosis.backends.filter((b) => b.probeState === 'expected-down').map((b) => idKey(b.key)),
  );
  const actionable = failing.filter((f) => !byDesign.has(idKey(f.backend.key)));

  report({ fixesPlanned: plan.fixes.filter((f) => f.status === 'planned').length });

  let fixes: FixReport[] = plannedOnly(plan.fixes);
  known.fixes = fixes;
  let approval: ApprovalDecision | undefined;
  if (input.mode === 'fix') {
    let decision: ApprovalDecision | undefined;
    if (plan.fixes.some((f) => f.status === 'planned' && f.needsApproval) && input.approver === 'none') {
      // Nobody can answer (the CLI without --approve): do not wait for an answer that cannot come.
      decision = { decision: 'not-given' };
    } else if (plan.fixes.some((f) => f.status === 'planned' && f.needsApproval)) {
      const askedAt = context.df.currentUtcDateTime.getTime();
      const deadline = new Date(askedAt + policy.approvalTimeoutMinutes * 60_000);
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
      deadlines.extend(context.df.currentUtcDateTime.getTime() - askedAt);
      report({ approval: decision });
    }
    approval = decision;
    const { apply, skipped } = selectFixes(plan.fixes, decision ?? { decision: 'approve' });
    let applied: FixReport[] = [];
    if (apply.length > 0) {
      report({ phase: 'applying' });
      // One critical section over every NSG this apply writes: runs that target the same NSG take
      // turns across processes. The entity ids come from the plan, which is in the history.
      const applyLock = lockTask(context, nsgLockIds(apply));
      const lock = applyLock ? ((yield applyLock) as DurableLock) : undefined;
      try {
        applied = (yield* deadlines.bounded(
          context.df.callActivity(ACTIVITY.applyFixes, {
            run,
            mode: input.mode,
            topologyRef,
            fixes: apply,
          } satisfies ApplyFixesActivityInput),
          'applying the fixes',
        )) as FixReport[];
      } catch (err) {
        // The activity reports each fix itself; a throw means it broke part-way (or did not finish
        // in time, and may still write). The run goes on to escalate with what is known, rather
        // than ending with no report; a fix whose outcome is unknown is never rolled back.
        applied = failedFixes(
          apply,
          err instanceof RunStoppedError
            ? `${err.message}; whether the change was written is unknown: check the target before retrying`
            : `applying the fixes failed: ${errorMessage(err)}`,
        );
      } finally {
        lock?.release();
      }
    }
    fixes = [...applied, ...skipped];
    known.fixes = fixes;
  }

  let validation: ValidationSummary | undefined;
  let validationError: string | undefined;
  let interrupted = false;
  if (fixes.some((f) => f.status === 'applied' || mayHaveWritten(f))) {
    // The platform re-evaluates the probe on its own schedule: wait for it on a durable timer. A
    // backend still climbing to the healthy threshold gets one more round before it is judged. An
    // operator's interrupt ends the wait: nothing is validated or rolled back, the fixes stay.
    const wait = probeWait(topology.probes, policy.probeWaitMarginSeconds);
    for (let round = 1; round <= 2; round++) {
      report({ phase: 'waiting-for-probe', waitReason: wait.reason });
      const fireAt = context.df.currentUtcDateTime.getTime() + wait.seconds * 1000;
      const timer = context.df.createTimer(new Date(Math.min(fireAt, deadlines.endsAt)));
      const interrupt = context.df.waitForExternalEvent(INTERRUPT_EVENT);
      const winner = yield context.df.Task.any([timer, interrupt]);
      if (winner === interrupt) {
        timer.cancel();
        interrupted = true;
        validationError =
          'validation did not run: the run was interrupted while waiting for the probe to re-test; the fixes applied stay in place';
        break;
      }
      if (fireAt > deadlines.endsAt) {
        validationError = `validation did not run: the run's deadline (${policy.runDeadlineSeconds} s) came before the probe could re-test`;
        break;
      }
      report({ phase: 'validating', waitReason: undefined });
      try {
        validation = (yield* deadlines.bounded(
          context.df.callActivity(ACTIVITY.validate, {
            run,
            topologyRef,
            backendKeys: actionable.map((f) => f.backend.key),
          } satisfies ValidateActivityInput),
          'validating',
        )) as ValidationSummary;
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
  // A write whose answer was lost is settled even when validation could not run (a throttling that
  // outlasted the pipeline's retries): with no backend counted down, the activity rolls nothing back
  // and only re-reads that write, so a rule of this run's in place is claimed and audited after.
  const settleOnly = !validation && lostWrite && !interrupted;
  if (
    settleOnly ||
    (validation &&
      (lostWrite || (stillDown.length > 0 && fixes.some((f) => f.status === 'applied' || mayHaveWritten(f)))))
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
      fixes = (yield* deadlines.bounded(
        context.df.callActivity(ACTIVITY.rollbackFixes, {
          run,
          topologyRef,
          fixes,
          stillDown: settleOnly ? [] : stillDown,
        } satisfies RollbackFixesActivityInput),
        'rolling back',
      )) as FixReport[];
      known.fixes = fixes;
    } finally {
      lock?.release();
    }
  }
  // A support ticket only for what Microsoft must look at: a cause the customer owns gets the exact
  // change in the report instead (src/model/verdict.ts).
  const stillDownAtTheEnd = stillDownAtEnd({
    backends: diagnosis.backends,
    ...(validation ? { stillDownAfterValidation: stillDown } : {}),
  });
  const forMicrosoft = backendsForMicrosoft(
    diagnosis.backends,
    stillDownAtTheEnd,
    fixes,
    diagnosis.causes,
    validation !== undefined,
  );
  let escalation: EscalateOutput | undefined;
  if (forMicrosoft.length > 0) {
    report({ phase: 'escalating' });
    escalation = (yield* deadlines.bounded(
      context.df.callActivity(ACTIVITY.escalate, {
        run,
        topologyRef,
        diagnosisRef,
        fixes,
        stillDown: stillDownAtTheEnd,
        forMicrosoft,
      } satisfies EscalateActivityInput),
      'escalating',
    )) as EscalateOutput;
  }

  report({ phase: 'reporting', waitReason: undefined });
  const result = (yield context.df.callActivity(ACTIVITY.finalizeReport, {
    run,
    mode: input.mode,
    topologyRef,
    diagnosisRef,
    fixes,
    ...(validation ? { validationRef: validation.validationRef } : {}),
    ...(escalation ? { escalation } : {}),
    ...(validationError ? { validationError } : {}),
    ...(interrupted ? { interrupted: true } : {}),
    // Fixes held for an approval nobody gave (the wait timed out, or nobody could be asked); a
    // rejection is an answer, not a pending approval.
    approvalPending:
      (approval?.decision === 'timeout' || approval?.decision === 'not-given') &&
      fixes.some((f) => f.status === 'skipped' && (f.reason ?? '').startsWith('awaiting approval')),
    ...(approval ? { approval } : {}),
  } satisfies FinalizeReportActivityInput)) as RunOutcome;
  report({ phase: 'done', backendsDown: stillDown.length });
  return result;
}
