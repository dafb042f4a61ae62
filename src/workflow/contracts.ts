/**
 * The activity contracts: what each activity takes and returns, as plain JSON-serializable data.
 * The orchestrator holds only these values; activities do the I/O (src/workflow/activities.ts).
 */
import type { BackendHealth, RuleHealth } from '../model/health';
import type {
  EffectiveNsgAssociation,
  EffectiveRoute,
  GuestEvidence,
  VmHealthEvidence,
} from '../model/evidence';
import type { CauseId, FixKind, FixReport, Report } from '../model/report';
import type { Result } from '../model/result';
import type { Diagnosis } from '../model/diagnosis';
import type { PlannedFix } from '../model/fixPlan';
import type { RunContext } from '../model/run';
import type { BackendForVerdict } from '../model/verdict';
import type { ValidationResult } from '../model/validation';
import type { BackendInfo, ProbeInfo, Topology } from '../model/topology';

/** The orchestration's input. */
export interface WorkflowInput {
  loadBalancerId: string;
  mode: 'observe' | 'fix';
  /** The alert that started the run (Common Alert Schema `essentials.alertId`). */
  alertId?: string;
  /** Who or what asked: `alert`, a user principal, `cli`. */
  requestedBy?: string;
  /**
   * This execution's run id ({@link newRunId}), set by whoever starts it so that a trigger joining the
   * run can name it; when absent the orchestrator derives it from the instance id and its start time.
   */
  runId?: string;
  /**
   * `none` when nobody can answer the approval gate during this run (the CLI without --approve): fixes
   * that need approval are not applied, the run does not wait, and the verdict is `awaiting-approval`.
   */
  approver?: 'none';
}

/** The settings the orchestrator itself needs, read once per run through an activity (so replays agree). */
export interface WorkflowPolicy {
  approvalRequiredFor: FixKind[];
  approvalTimeoutMinutes: number;
  probeWaitMarginSeconds: number;
  fanoutBatchSize: number;
  /** The run's deadline, in seconds from its start, not counting the approval wait. */
  runDeadlineSeconds: number;
  /** One activity's deadline (all its attempts), in seconds. */
  activityDeadlineSeconds: number;
}

/** Phases reported in the custom status, in order. */
export type WorkflowPhase =
  | 'discovering'
  | 'checking-backends'
  | 'diagnosing'
  | 'planning'
  | 'awaiting-approval'
  | 'applying'
  | 'waiting-for-probe'
  | 'validating'
  | 'rolling-back'
  | 'escalating'
  | 'reporting'
  | 'done';

/** The orchestration's custom status (what `getStatus` shows while it runs). */
export interface WorkflowStatus {
  /** This execution's run id. */
  runId: string;
  phase: WorkflowPhase;
  backendsTotal: number;
  backendsDown: number;
  checked: number;
  fixesPlanned?: number;
  /** ISO time the approval wait ends, while `awaiting-approval`. */
  approvalDeadline?: string;
  approval?: ApprovalDecision;
  /** While `waiting-for-probe`: what the wait is for, e.g. `for the probe to re-test: interval 5 s x threshold 2`. */
  waitReason?: string;
  /** Set when the run stopped early (a deadline, a failure) and closes with what it knows. */
  stopped?: RunStop['kind'];
}

/**
 * Why a run stopped before its normal end: `deadline` (the run's or an activity's deadline passed)
 * or `failed` (an activity failed for good, or the orchestrator broke). `phase` is where it stopped.
 */
export interface RunStop {
  kind: 'deadline' | 'failed';
  message: string;
  phase?: WorkflowPhase;
}

/** The closeRun activity's input: everything the run knew when it stopped. */
export interface CloseRunActivityInput {
  run: RunContext;
  mode: 'observe' | 'fix';
  stop: RunStop;
  fixes: FixReport[];
  topologyRef?: string;
  /** The probe health discovery read: with the topology, it rebuilds the backend table. */
  healthRef?: string;
  /** The backend checks that finished before the stop (partial evidence). */
  checks?: StoredCheck[];
  diagnosisRef?: string;
}

// --- per activity ---------------------------------------------------------------------------

export interface DiscoverTopologyInput {
  run: RunContext;
  /**
   * The orchestrator's first batch of checks (its policy's `fanoutBatchSize`): discovery starts
   * those checks' Run Commands as it reads their VMs. Absent (an older history): none is started.
   */
  firstBatch?: number;
}
/** A backend as the orchestrator holds it: the discovered backend and its VM's OS (which picks the script). */
export interface WorkflowBackend extends BackendInfo {
  os?: 'linux' | 'windows';
  /** Discovery read the VM running with its guest agent ready (see {@link CheckBackendInput.vmReady}). */
  vmReady?: boolean;
}

/** A backend whose probe is down, with the health entries that say so and the probes that cover it. */
export interface FailingBackend {
  backend: WorkflowBackend;
  health: BackendHealth[];
  /** The probes of the rules whose pools hold this backend. */
  probes: ProbeInfo[];
}

/**
 * What the orchestrator keeps of discovery for its own decisions: the failing backends (computed once,
 * in the activity), the probes (the wait for re-test), and refs to the full topology and health in
 * the run store. Nothing here grows with the healthy backends.
 */
export interface WorkflowTopology {
  topologyRef: string;
  healthRef: string;
  probes: ProbeInfo[];
  /** How many backends the pools hold. */
  backendsTotal: number;
  failing: FailingBackend[];
  /** How many resources discovery could not read (the details are in the stored topology). */
  problems: number;
  /**
   * The VMs (ids) of the failing backends whose Run Commands discovery started as soon as it read
   * them, for their checks to adopt (src/app/evidence.ts); absent when none.
   */
  guestChecksStartedOn?: string[];
}
export type DiscoverTopologyOutput = WorkflowTopology;

/** What reading probe health needs of the topology: the load balancer and its rules, not the backends. */
export type HealthTopology = Pick<Topology, 'loadBalancer' | 'rules' | 'probes'>;

/** A discovery: the topology (health first: only failing backends in depth) and the health it read. */
export interface DiscoveredRun {
  topology: Topology;
  health: RuleHealth[];
}

/** One backend to check: just what its checks need, so history stays small for large pools. */
export interface CheckBackendInput {
  run: RunContext;
  backend: BackendInfo;
  /** The probes of the rules whose pools hold this backend. */
  probes: ProbeInfo[];
  health: BackendHealth[];
  /** The VM's OS from discovery, which decides the Run Command script; undefined when unknown. */
  os?: 'linux' | 'windows';
  /**
   * Discovery read the VM running with its guest agent ready (seconds before the check): the check
   * starts the Run Command at once, alongside its fresh read of the VM's health, instead of after it.
   */
  vmReady?: boolean;
}

/** A Run Command Azure took from probe-doctor on a VM, as the audit trail records it. */
export interface GuestCommandRecord {
  vmId: string;
  commandId: 'RunShellScript' | 'RunPowerShellScript';
  /**
   * SHA-256 (hex) of the script as sent: Run Command's `script` lines joined with `\n`, so a reviewer
   * can hash the script a version of probe-doctor builds and match it.
   */
  scriptSha256: string;
  /** Sent by discovery ahead of the check, which adopted it. */
  startedAhead: boolean;
}

/** What the checks gathered for one backend. */
export interface BackendEvidence {
  backendKey: string;
  vm?: VmHealthEvidence;
  guest?: GuestEvidence;
  /**
   * The probe the guest check ran for (its port and path): a backend behind several probes is
   * checked for the first, and that evidence says nothing about the others.
   */
  guestProbeId?: string;
  /**
   * A backend behind several probes: the same Run Command's evidence as each probe sees it (its port,
   * its local GET), by probe id. Absent when one probe covers the backend.
   */
  guestByProbe?: { probeId: string; guest: GuestEvidence }[];
  effectiveNsgs?: EffectiveNsgAssociation[];
  effectiveRoutes?: EffectiveRoute[];
  /**
   * The Run Command this check had Azure take on the backend's VM (or adopted from discovery,
   * `startedAhead`), whatever the script then did: what the audit trail says ran in the customer's
   * guest. Absent when Azure refused it (403, 409 through every attempt) or none was sent (the VM not
   * running, a value refused before any script was built).
   */
  guestCommand?: GuestCommandRecord;
  /** Checks that could not run, as text for the report. */
  problems?: string[];
  /** Why a check produced no evidence, per check, so diagnosis can say what it could not see. */
  failures?: { vm?: string; guest?: string; effectiveNsgs?: string; effectiveRoutes?: string };
}

/** Never a thrown error: one broken VM must not hide the others. */
export type CheckBackendOutput = Result<BackendEvidence>;

export interface BackendCheck {
  backendKey: string;
  result: CheckBackendOutput;
}

/** What the checkBackend activity returns: the evidence stays in the run store. */
export type CheckBackendActivityOutput = Result<{ evidenceRef: string }>;

/** One backend's check as the orchestrator holds it. */
export interface StoredCheck {
  backendKey: string;
  result: CheckBackendActivityOutput;
}

/** The diagnose activity's input: refs into the run store instead of the values. */
export interface DiagnoseActivityInput {
  run: RunContext;
  topologyRef: string;
  healthRef: string;
  checks: StoredCheck[];
}

export interface DiagnoseInput {
  run: RunContext;
  topology: Topology;
  health: RuleHealth[];
  checks: BackendCheck[];
  /**
   * The run stopped before every check ran (its closing report): a down backend without a check is
   * said `not-checked` (a note) instead of `unknown`, which would send it to Microsoft. The trail and
   * the report then say the same.
   */
  runStopped?: boolean;
}

export type DiagnoseOutput = Diagnosis;

/** What the diagnose activity returns: the cause ids the orchestrator decides on, the rest in the store. */
export interface DiagnosisSummary {
  diagnosisRef: string;
  /** Ids of the load-balancer-level causes. */
  causes: CauseId[];
  /** The backends not up or with a cause, as the verdict reads them (src/model/verdict.ts). */
  backends: BackendForVerdict[];
}

export interface PlanFixesInput {
  run: RunContext;
  mode: 'observe' | 'fix';
  topology: Topology;
  diagnosis: Diagnosis;
}
export interface FixPlan {
  fixes: PlannedFix[];
}
export type PlanFixesOutput = FixPlan;

/** The planFixes activity's input: refs instead of the topology and the diagnosis. */
export interface PlanFixesActivityInput {
  run: RunContext;
  mode: 'observe' | 'fix';
  topologyRef: string;
  diagnosisRef: string;
}

/** The diagnoseAndPlan activity's input (flow version 2): the diagnose activity's, and the run's mode. */
export interface DiagnoseAndPlanActivityInput extends DiagnoseActivityInput {
  mode: 'observe' | 'fix';
}

/**
 * What the diagnoseAndPlan activity returns: the diagnosis's summary, and the plan or why planning
 * failed (the diagnosis is kept either way, for the run's closing report).
 */
export type DiagnoseAndPlanOutput =
  | { diagnosis: DiagnosisSummary; plan: FixPlan; planFailure?: undefined }
  | { diagnosis: DiagnosisSummary; plan?: undefined; planFailure: string };

/**
 * What became of the approval gate: a person approved or rejected, the wait timed out, or nobody could
 * be asked (`not-given`: the CLI without --approve).
 */
export interface ApprovalDecision {
  decision: 'approve' | 'reject' | 'timeout' | 'not-given';
  by?: string;
}

export interface ApplyFixesInput {
  run: RunContext;
  mode: 'observe' | 'fix';
  topology: Topology;
  /** Only the fixes to apply now; the orchestrator has already set aside the unapproved ones. */
  fixes: PlannedFix[];
}
export type ApplyFixesOutput = FixReport[];

/** The applyFixes activity's input: a ref instead of the topology. */
export interface ApplyFixesActivityInput extends Omit<ApplyFixesInput, 'topology'> {
  topologyRef: string;
}

export interface ValidateInput {
  run: RunContext;
  topology: Topology;
  /** Keys of the backends that were down before the fixes. */
  backendKeys: string[];
}
export type ValidateOutput = ValidationResult;

/** The validate activity's input: a ref instead of the topology. */
export interface ValidateActivityInput extends Omit<ValidateInput, 'topology'> {
  topologyRef: string;
}

/** What the validate activity returns: what the orchestrator decides on; the full result is in the store. */
export interface ValidationSummary extends Pick<ValidationResult, 'stillDown' | 'recovering'> {
  validationRef: string;
}

export interface RollbackFixesInput {
  run: RunContext;
  topology: Topology;
  /** The fixes as applied. */
  fixes: FixReport[];
  /** Keys of the backends still down after validation. */
  stillDown: string[];
}
/** The fixes again, with the ones removed marked `rolled-back`. */
export type RollbackFixesOutput = FixReport[];

/** The rollbackFixes activity's input: a ref instead of the topology. */
export interface RollbackFixesActivityInput extends Omit<RollbackFixesInput, 'topology'> {
  topologyRef: string;
}

export interface EscalateInput {
  run: RunContext;
  topology: Topology;
  diagnosis: Diagnosis;
  fixes: FixReport[];
  /** Keys of the backends still down at the end of the run. */
  stillDown: string[];
  /**
   * Keys of the backends Microsoft is asked to look at (src/model/verdict.ts); the others still down
   * have a cause the customer owns. Defaults to `stillDown`.
   */
  forMicrosoft?: string[];
}
export type EscalateOutput = NonNullable<Report['escalation']>;

/** The escalate activity's input: refs instead of the topology and the diagnosis. */
export interface EscalateActivityInput extends Omit<EscalateInput, 'topology' | 'diagnosis'> {
  topologyRef: string;
  diagnosisRef: string;
}

export interface FinalizeReportInput {
  run: RunContext;
  mode: 'observe' | 'fix';
  /** Only what the report needs of the topology (history keeps a copy of every activity input). */
  topology: Pick<Topology, 'loadBalancer' | 'problems'>;
  diagnosis: Diagnosis;
  fixes: FixReport[];
  /** Undefined when no validation ran (nothing was applied). */
  validation?: ValidationResult;
  escalation?: EscalateOutput;
  /** True when fixes still wait for a person (observe mode never waits). */
  approvalPending: boolean;
  /** The answer to the approval the fixes waited for; absent when none was asked. */
  approval?: ApprovalDecision;
  /** Why validation did not run, when it failed outright. */
  validationError?: string;
  /** True when an operator interrupted the run during its wait (the report says `interrupted`). */
  interrupted?: boolean;
}
export type FinalizeReportOutput = RunOutcome;

/**
 * The orchestration's output and what finalizeReport and closeRun return: the report stays in the run
 * store (it lists every backend, so it grows with the pool), the history keeps its ref and a summary.
 */
export interface RunOutcome {
  reportRef: string;
  loadBalancerId: string;
  runId: string;
  verdict: Report['verdict'];
  whoMustAct?: Report['whoMustAct'];
  /** Backends not up in the report. */
  backendsDown: number;
  /** Load-balancer cause ids, then each backend's, without repeats. */
  causes: CauseId[];
  fixes: number;
}

/** The finalizeReport activity's input: refs instead of the topology, diagnosis and validation. */
export interface FinalizeReportActivityInput extends Omit<
  FinalizeReportInput,
  'topology' | 'diagnosis' | 'validation'
> {
  topologyRef: string;
  diagnosisRef: string;
  /** Undefined when no validation ran. */
  validationRef?: string;
}
