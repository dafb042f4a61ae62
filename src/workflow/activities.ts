/**
 * The activity implementations, built from injected dependencies so the local durable host and the
 * Functions registration run the same code. Each activity emits one audit event.
 */
import { describeFailure } from '../azure/callError';
import { ActionableError, ensureError, ProbeDoctorError } from '../errors';
import type { RuleHealth } from '../model/health';
import { countsAsDown, type Cause, type FixReport, type Report } from '../model/report';
import { fail, ok } from '../model/result';
import type { BackendInfo, Topology } from '../model/topology';
import { MemoryRunStore } from '../runstore/memoryRunStore';
import type { PutOptions, RunStore } from '../runstore/runStore';
import { buildReport } from './buildReport';
import type {
  ApplyFixesActivityInput,
  ApplyFixesInput,
  BackendCheck,
  CloseRunActivityInput,
  BackendEvidence,
  CheckBackendActivityOutput,
  CheckBackendInput,
  DiagnoseActivityInput,
  DiagnoseAndPlanActivityInput,
  DiagnoseAndPlanOutput,
  DiagnoseInput,
  DiagnosisSummary,
  DiscoveredRun,
  DiscoverTopologyInput,
  EscalateActivityInput,
  EscalateInput,
  EscalateOutput,
  FinalizeReportActivityInput,
  FixPlan,
  PlanFixesActivityInput,
  PlanFixesInput,
  RollbackFixesActivityInput,
  RollbackFixesInput,
  RunOutcome,
  RunStop,
  StoredCheck,
  ValidateActivityInput,
  ValidateInput,
  ValidationSummary,
  WorkflowPolicy,
  WorkflowTopology,
} from './contracts';
import type { Diagnosis } from '../model/diagnosis';
import type { PlannedFix } from '../model/fixPlan';
import type { RunContext } from '../model/run';
import type { ValidationResult } from '../model/validation';
import { compactTopology, failingBackends, guestCheckTargetAtDiscovery, summarizeDiagnosis } from './flow';
import { ACTIVITY, type ActivityName } from './names';

/** One audit event per activity, correlated by run id (the instance id) and alert id. */
export interface WorkflowAuditEvent {
  runId: string;
  loadBalancerId: string;
  alertId?: string;
  activity: ActivityName;
  outcome: 'ok' | 'failed';
  /** What was seen, decided or changed, as plain data. */
  detail: Record<string, unknown>;
}

/** How a run discovers its load balancer. */
export interface DiscoverOptions {
  /**
   * Read a healthy peer per virtual network in depth: the VM fix-mode validation tests from. Observe
   * mode validates nothing, so it reads none.
   */
  validationPeers: boolean;
  /**
   * The first `count` failing backends' VMs are read before the rest, and `vmRead` is called for
   * each as soon as it is, with its place among the failing backends and the topology read so far
   * (src/azure/discovery.ts `failingVmsFirst`).
   */
  failingVmsFirst?: {
    count: number;
    vmRead: (backend: BackendInfo, index: number, topology: Topology) => void;
  };
}

/** What the activities need from the rest of probe-doctor (azure/, diagnose/, remediate/, escalate/, audit/). */
export interface ActivityDeps {
  /** The settings the orchestrator needs (from src/config.ts). */
  policy(): WorkflowPolicy;
  /** Called once when a run starts (its first activity): the audit trail's RunStarted. */
  started?(run: RunContext): void | Promise<void>;
  /**
   * The load balancer, its probe health, and the topology: health first, so only the failing backends
   * (and, for fix-mode validation, a peer per virtual network) are read in depth (src/app/discovery.ts).
   */
  discover(loadBalancerId: string, options: DiscoverOptions): Promise<DiscoveredRun>;
  /** May throw: the activity turns a throw into a failed Result. */
  checkBackend(input: CheckBackendInput): Promise<BackendEvidence>;
  /**
   * Starts the Run Command of a check that will follow (src/app/evidence.ts `startGuestCheck`);
   * true when one was started. Discovery calls it for the first batch of failing backends.
   */
  startGuestCheck?(input: CheckBackendInput): boolean;
  diagnose(input: DiagnoseInput): Diagnosis | Promise<Diagnosis>;
  /** The plan; whether a fix needs approval is decided here from the policy. */
  planFixes(
    input: PlanFixesInput,
  ): Omit<PlannedFix, 'needsApproval'>[] | Promise<Omit<PlannedFix, 'needsApproval'>[]>;
  applyFixes(input: ApplyFixesInput): Promise<FixReport[]>;
  validate(input: ValidateInput): Promise<ValidationResult>;
  /** Removes the rules that did not bring their backend back (when the policy says so). */
  rollbackFixes(input: RollbackFixesInput): Promise<FixReport[]>;
  escalate(input: EscalateInput): Promise<EscalateOutput>;
  audit(event: WorkflowAuditEvent): void | Promise<void>;
  /**
   * Called with the final report (the audit trail's RunFinished); `stop` is set when the run stopped
   * early (a deadline, a failure), and RunFinished then says `failed` with its message.
   */
  finished?(report: Report, run: RunContext, stop?: RunStop): void | Promise<void>;
}

/**
 * How the activities put the values they built and never touch again (the topology and health from
 * discovery, the diagnosis, the report): handed over, so an in-memory store keeps them without a copy.
 * Evidence and validation keep the copy: they are small, and built from reads whose objects may live on.
 */
const HANDED_OVER: PutOptions = { handOver: true };

/** An activity: deserialized input in, JSON-serializable output out. */
export type ActivityFunction = (input: unknown) => Promise<unknown>;

/**
 * The activities by name, ready for `df.app.activity` or the local durable host. Large values (the
 * topology, evidence, diagnosis, validation) go to `store` and travel through the history as refs;
 * the deps still get and return whole values. The default store lives as long as these activities
 * (one local durable host); a Functions app, whose activities run in many processes, must pass a
 * shared store.
 */
export function createActivities(
  deps: ActivityDeps,
  store: RunStore = new MemoryRunStore(),
): Record<ActivityName, ActivityFunction> {
  const audit = async (
    run: RunContext,
    activity: ActivityName,
    outcome: 'ok' | 'failed',
    detail: Record<string, unknown>,
  ) =>
    deps.audit({
      runId: run.runId,
      loadBalancerId: run.loadBalancerId,
      ...(run.alertId !== undefined ? { alertId: run.alertId } : {}),
      activity,
      outcome,
      detail,
    });

  /** Runs `body`, audits the outcome, and rethrows a failure so the orchestrator's retry sees it. */
  const auditedStep =
    <I extends { run: RunContext }, O>(
      name: ActivityName,
      body: (input: I) => Promise<O> | O,
      describe: (output: O, input: I) => Record<string, unknown>,
    ) =>
    async (input: I): Promise<O> => {
      try {
        const output = await body(input);
        await audit(input.run, name, 'ok', describe(output, input));
        return output;
      } catch (err) {
        // A failure a person must act on (sign in, a role, an id that does not exist) leaves as one
        // line with the next step, so the run's error says it once and plainly.
        const { kind, message } = describeFailure(err);
        if (
          kind === 'credential' ||
          kind === 'authorization' ||
          kind === 'not-found' ||
          kind === 'untrusted-certificate'
        ) {
          await audit(input.run, name, 'failed', { error: message, kind });
          throw new ActionableError(kind, message, { cause: err });
        }
        if (kind === 'transient') {
          // The SDK pipeline already retried it: say so once, without the wrappers' repeated ids.
          await audit(input.run, name, 'failed', { error: message, kind });
          throw new ProbeDoctorError(message, { cause: err });
        }
        await audit(input.run, name, 'failed', { error: ensureError(err).message, kind });
        throw err;
      }
    };

  /** {@link auditedStep} as an activity: the host's deserialized input in. */
  const audited =
    <I extends { run: RunContext }, O>(
      name: ActivityName,
      body: (input: I) => Promise<O> | O,
      describe: (output: O, input: I) => Record<string, unknown>,
    ): ActivityFunction =>
    (raw) =>
      auditedStep(name, body, describe)(raw as I);

  const topologyOf = (ref: string) => store.get<Topology>(ref);
  const diagnosisOf = (ref: string) => store.get<Diagnosis>(ref);

  /** The stored evidence of each check back in the form diagnosis takes; failures were never stored. */
  const loadChecks = (checks: readonly StoredCheck[]): Promise<BackendCheck[]> =>
    Promise.all(
      checks.map(async ({ backendKey, result }) => ({
        backendKey,
        result: result.ok ? ok(await store.get<BackendEvidence>(result.value.evidenceRef)) : result,
      })),
    );

  /** The diagnosis of the checked backends, stored; the orchestrator gets its summary. */
  const diagnoseStep = async (input: DiagnoseActivityInput): Promise<DiagnosisSummary> => {
    const full: DiagnoseInput = {
      run: input.run,
      topology: await topologyOf(input.topologyRef),
      health: await store.get<RuleHealth[]>(input.healthRef),
      checks: await loadChecks(input.checks),
    };
    const diagnosis = await deps.diagnose(full);
    return summarizeDiagnosis(
      diagnosis,
      await store.put(input.run.runId, 'diagnosis', diagnosis, HANDED_OVER),
    );
  };
  const describeDiagnosis = (d: DiagnosisSummary) => ({
    causes: d.causes,
    backends: d.backends.map((b) => ({ key: b.key, causes: b.causes })),
  });

  /** The fixes for a stored diagnosis; whether each needs approval comes from the policy. */
  const planStep = async (input: PlanFixesActivityInput): Promise<FixPlan> => {
    const required = deps.policy().approvalRequiredFor;
    const full: PlanFixesInput = {
      run: input.run,
      mode: input.mode,
      topology: await topologyOf(input.topologyRef),
      diagnosis: await diagnosisOf(input.diagnosisRef),
    };
    const fixes = await deps.planFixes(full);
    return { fixes: fixes.map((f) => ({ ...f, needsApproval: required.includes(f.kind) })) };
  };
  const describePlan = (plan: FixPlan) => ({
    fixes: plan.fixes.map((f) => ({
      kind: f.kind,
      target: f.target,
      status: f.status,
      needsApproval: f.needsApproval,
    })),
  });

  return {
    [ACTIVITY.getPolicy]: audited<{ run: RunContext }, WorkflowPolicy>(
      ACTIVITY.getPolicy,
      async (input) => {
        await deps.started?.(input.run);
        return deps.policy();
      },
      (policy) => ({ ...policy }),
    ),
    [ACTIVITY.discoverTopology]: audited<DiscoverTopologyInput, WorkflowTopology>(
      ACTIVITY.discoverTopology,
      async (input) => {
        // The first batch of checks (the orchestrator's fan-out, its size as the orchestrator decided
        // it) gets its Run Commands now, each as soon as discovery has read the VM: the commands run
        // while the network is read and the checks are scheduled. Later batches start theirs in
        // their checks, as the fan-out bounds.
        const firstBatch = input.firstBatch ?? 0;
        const guestChecksStartedOn: string[] = [];
        const startGuestCheck = firstBatch > 0 ? deps.startGuestCheck?.bind(deps) : undefined;
        const { topology, health } = await deps.discover(input.run.loadBalancerId, {
          validationPeers: input.run.mode === 'fix',
          ...(startGuestCheck
            ? {
                failingVmsFirst: {
                  count: firstBatch,
                  vmRead: (backend: BackendInfo, _index: number, read: Topology) => {
                    const target = guestCheckTargetAtDiscovery(read, backend);
                    if (startGuestCheck({ run: input.run, ...target, health: [] }) && target.backend.vmId) {
                      guestChecksStartedOn.push(target.backend.vmId);
                    }
                  },
                },
              }
            : {}),
        });
        // Stored once discovery is done, not as soon as the health is read: the first batch's Run
        // Commands are running by now, and storing the health then held up the failing backends' reads.
        const topologyRef = await store.put(input.run.runId, 'topology', topology, HANDED_OVER);
        const healthRef = await store.put(input.run.runId, 'health', health, HANDED_OVER);
        // The failing set is decided here, once: the orchestrator replays over its result only. From
        // the pair as stored, so the diagnosis reads its statuses instead of interpreting the health
        // again (flow.ts probeStatusesOf).
        const failing = failingBackends(topology, health);
        const compact = compactTopology(topology, failing, { topologyRef, healthRef });
        return guestChecksStartedOn.length > 0 ? { ...compact, guestChecksStartedOn } : compact;
      },
      (t) => ({
        backends: t.backendsTotal,
        failing: t.failing.length,
        probes: t.probes.length,
        problems: t.problems,
        ...(t.guestChecksStartedOn
          ? {
              guestChecksStarted: t.guestChecksStartedOn.length,
              guestChecksStartedOn: t.guestChecksStartedOn,
            }
          : {}),
      }),
    ),
    // Never throws: one broken VM must not hide the others (Task.all fails fast).
    [ACTIVITY.checkBackend]: async (raw) => {
      const input = raw as CheckBackendInput;
      let result: CheckBackendActivityOutput;
      try {
        const evidence = await deps.checkBackend(input);
        result = ok({ evidenceRef: await store.put(input.run.runId, 'evidence', evidence) });
      } catch (err) {
        result = fail({ message: ensureError(err).message });
      }
      await audit(input.run, ACTIVITY.checkBackend, result.ok ? 'ok' : 'failed', {
        backendKey: input.backend.key,
        ...(result.ok ? {} : { error: result.error.message }),
      });
      return result;
    },
    [ACTIVITY.diagnose]: audited(ACTIVITY.diagnose, diagnoseStep, describeDiagnosis),
    [ACTIVITY.planFixes]: audited(ACTIVITY.planFixes, planStep, describePlan),
    // Both steps in one activity (flow version 2, names.ts FLOW_VERSION): one round trip through the
    // durable host fewer. Each step keeps its own audit event, so the trail reads as before; a plan
    // that fails still hands the orchestrator the diagnosis, as the separate activities did, for the
    // run's closing report.
    [ACTIVITY.diagnoseAndPlan]: async (raw): Promise<DiagnoseAndPlanOutput> => {
      const input = raw as DiagnoseAndPlanActivityInput;
      const diagnosis = await auditedStep(ACTIVITY.diagnose, diagnoseStep, describeDiagnosis)(input);
      try {
        const plan = await auditedStep(
          ACTIVITY.planFixes,
          planStep,
          describePlan,
        )({
          run: input.run,
          mode: input.mode,
          topologyRef: input.topologyRef,
          diagnosisRef: diagnosis.diagnosisRef,
        });
        return { diagnosis, plan };
      } catch (err) {
        return { diagnosis, planFailure: ensureError(err).message };
      }
    },
    [ACTIVITY.applyFixes]: audited<ApplyFixesActivityInput, FixReport[]>(
      ACTIVITY.applyFixes,
      async ({ topologyRef, ...rest }) => {
        const full: ApplyFixesInput = { ...rest, topology: await topologyOf(topologyRef) };
        return deps.applyFixes(full);
      },
      (fixes) => ({ fixes }),
    ),
    [ACTIVITY.validate]: audited<ValidateActivityInput, ValidationSummary>(
      ACTIVITY.validate,
      async ({ topologyRef, ...rest }) => {
        const full: ValidateInput = { ...rest, topology: await topologyOf(topologyRef) };
        const validation = await deps.validate(full);
        return {
          validationRef: await store.put(rest.run.runId, 'validation', validation),
          stillDown: validation.stillDown,
          ...(validation.recovering ? { recovering: validation.recovering } : {}),
        };
      },
      (v) => ({ stillDown: v.stillDown }),
    ),
    [ACTIVITY.rollbackFixes]: audited<RollbackFixesActivityInput, FixReport[]>(
      ACTIVITY.rollbackFixes,
      async ({ topologyRef, ...rest }) => {
        const full: RollbackFixesInput = { ...rest, topology: await topologyOf(topologyRef) };
        return deps.rollbackFixes(full);
      },
      (fixes) => ({ rolledBack: fixes.filter((f) => f.status === 'rolled-back').length }),
    ),
    [ACTIVITY.escalate]: audited<EscalateActivityInput, EscalateOutput>(
      ACTIVITY.escalate,
      async ({ topologyRef, diagnosisRef, ...rest }) => {
        const full: EscalateInput = {
          ...rest,
          topology: await topologyOf(topologyRef),
          diagnosis: await diagnosisOf(diagnosisRef),
        };
        return deps.escalate(full);
      },
      (e) => ({ submitted: e.submitted ?? false, ...(e.ticketId ? { ticketId: e.ticketId } : {}) }),
    ),
    [ACTIVITY.finalizeReport]: audited<FinalizeReportActivityInput, RunOutcome>(
      ACTIVITY.finalizeReport,
      async ({ topologyRef, diagnosisRef, validationRef, ...rest }) => {
        const topology = await topologyOf(topologyRef);
        const report = buildReport({
          ...rest,
          topology: { loadBalancer: topology.loadBalancer, problems: topology.problems },
          diagnosis: await diagnosisOf(diagnosisRef),
          ...(validationRef ? { validation: await store.get<ValidationResult>(validationRef) } : {}),
        });
        await deps.finished?.(report, rest.run);
        return outcomeOf(report, await store.put(rest.run.runId, 'report', report, HANDED_OVER));
      },
      (r) => ({ verdict: r.verdict, causes: r.causes, fixes: r.fixes }),
    ),
    [ACTIVITY.closeRun]: audited<CloseRunActivityInput, RunOutcome>(
      ACTIVITY.closeRun,
      async (input) => {
        const report = await closedRunReport(input, store, (full) => deps.diagnose(full), loadChecks);
        await deps.finished?.(report, input.run, input.stop);
        return outcomeOf(report, await store.put(input.run.runId, 'report', report, HANDED_OVER));
      },
      (r, input) => ({
        verdict: r.verdict,
        stopped: input.stop.kind,
        ...(input.stop.phase ? { phase: input.stop.phase } : {}),
        fixes: r.fixes,
      }),
    ),
  };
}

/** What the history keeps of a report: its ref and the summary a caller decides on. */
export function outcomeOf(report: Report, reportRef: string): RunOutcome {
  // One pass over the backends (a pool of a thousand): their causes and how many are down.
  const causes = new Set(report.causes.map((c) => c.id));
  let backendsDown = 0;
  // Indexed: see indexById (model/ids.ts) on for-of in code that runs once per run.
  for (let i = 0; i < report.backends.length; i++) {
    const b = report.backends[i] as Report['backends'][number];
    for (let j = 0; j < b.causes.length; j++) causes.add((b.causes[j] as Cause).id);
    if (countsAsDown(b)) backendsDown += 1;
  }
  return {
    reportRef,
    loadBalancerId: report.loadBalancerId,
    runId: report.runId ?? '',
    verdict: report.verdict,
    ...(report.whoMustAct !== undefined ? { whoMustAct: report.whoMustAct } : {}),
    backendsDown,
    causes: [...causes],
    fixes: report.fixes.length,
  };
}

/** The first next step of a run that stopped early: finish the run, and why it did not. */
export function rerunStep(stop: RunStop): string {
  const where = stop.phase ? ` while ${stop.phase}` : '';
  const longer =
    stop.kind === 'deadline'
      ? '; if the deadline is too short for this load balancer, raise PROBE_DOCTOR_RUN_DEADLINE_SECONDS (or PROBE_DOCTOR_ACTIVITY_DEADLINE_SECONDS, as the message names)'
      : '';
  return `run probe-doctor again to finish: this run stopped${where} before it could finish (${stop.message})${longer}`;
}

/**
 * The report of a run that stopped early (a deadline, a failure): everything found so far stands, and
 * the reason it stopped is the last problem and the first next step. With the diagnosis made, the
 * full report; with discovery done, the diagnosis of what was gathered (the checks that finished,
 * the topology, the probe health; a backend whose checks never ran said not checked, see
 * DiagnoseInput.runStopped); with nothing, the fixes.
 *
 * The verdict is never `escalated` (no support ticket was built, and observe mode never escalates)
 * and never `resolved` (nothing was validated): `healthy` when the diagnosis saw nothing down,
 * otherwise `action-required`. Who must act is the diagnosis's word when it was complete; otherwise
 * `customer`: the operator finishes the run before anyone can say Microsoft must look.
 */
async function closedRunReport(
  input: CloseRunActivityInput,
  store: RunStore,
  diagnose: (input: DiagnoseInput) => Diagnosis | Promise<Diagnosis>,
  loadChecks: (checks: readonly StoredCheck[]) => Promise<BackendCheck[]>,
): Promise<Report> {
  const { run, mode, stop, fixes } = input;
  // The message alone (it is what a person acts on); the phase is in RunFinished's reason.
  const problem = { kind: stop.kind, message: stop.message };
  const rerun = rerunStep(stop);
  const topology = input.topologyRef ? await store.get<Topology>(input.topologyRef) : undefined;
  let diagnosis: Diagnosis | undefined;
  let complete = false;
  if (topology && input.diagnosisRef) {
    diagnosis = await store.get<Diagnosis>(input.diagnosisRef);
    complete = true;
  } else if (topology && input.healthRef) {
    diagnosis = await diagnose({
      run,
      topology,
      health: await store.get<RuleHealth[]>(input.healthRef),
      checks: await loadChecks(input.checks ?? []),
      runStopped: true,
    });
  }
  if (!topology || !diagnosis) {
    return {
      loadBalancerId: run.loadBalancerId,
      runId: run.runId,
      ...(run.alertId !== undefined ? { alertId: run.alertId } : {}),
      mode,
      verdict: 'action-required',
      whoMustAct: 'customer',
      nextSteps: [rerun],
      causes: [],
      backends: [],
      fixes,
      problems: [problem],
    };
  }
  const built = buildReport({
    run,
    mode,
    topology: { loadBalancer: topology.loadBalancer, problems: topology.problems },
    diagnosis,
    fixes,
    approvalPending: false,
  });
  const problems = [...(built.problems ?? []), problem];
  if (built.verdict === 'healthy') return { ...built, problems };
  return {
    ...built,
    verdict: 'action-required',
    whoMustAct: complete && built.whoMustAct === 'microsoft' ? 'microsoft' : 'customer',
    nextSteps: [rerun, ...(built.nextSteps ?? [])],
    problems,
  };
}
