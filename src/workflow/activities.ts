/**
 * The activity implementations, built from injected dependencies so the local durable host and the
 * Functions registration run the same code. Each activity emits one audit event.
 */
import { ensureError } from '../errors';
import type { RuleHealth } from '../model/health';
import type { FixReport, Report } from '../model/report';
import { fail, ok } from '../model/result';
import type { Topology } from '../model/topology';
import { buildReport } from './buildReport';
import type {
  ApplyFixesInput,
  BackendEvidence,
  CheckBackendInput,
  CheckBackendOutput,
  DiagnoseInput,
  Diagnosis,
  DiscoverTopologyInput,
  EscalateInput,
  EscalateOutput,
  FinalizeReportInput,
  FixPlan,
  HealthTopology,
  PlanFixesInput,
  PlannedFix,
  ReadProbeHealthInput,
  RollbackFixesInput,
  RunContext,
  ValidateInput,
  ValidationResult,
  WorkflowPolicy,
} from './contracts';
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

/** What the activities need from the rest of probe-doctor (azure/, diagnose/, remediate/, escalate/, audit/). */
export interface ActivityDeps {
  /** The settings the orchestrator needs (from src/config.ts). */
  policy(): WorkflowPolicy;
  /** Called once when a run starts (its first activity): the audit trail's RunStarted. */
  started?(run: RunContext): void | Promise<void>;
  discover(loadBalancerId: string): Promise<Topology>;
  readHealth(topology: HealthTopology): Promise<RuleHealth[]>;
  /** May throw: the activity turns a throw into a failed Result. */
  checkBackend(input: CheckBackendInput): Promise<BackendEvidence>;
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
  /** Called with the final report (the audit trail's RunFinished). */
  finished?(report: Report, run: RunContext): void | Promise<void>;
}

/** An activity: deserialized input in, JSON-serializable output out. */
export type ActivityFunction = (input: unknown) => Promise<unknown>;

/** The activities by name, ready for `df.app.activity` or the local durable host. */
export function createActivities(deps: ActivityDeps): Record<ActivityName, ActivityFunction> {
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
  const audited =
    <I extends { run: RunContext }, O>(
      name: ActivityName,
      body: (input: I) => Promise<O> | O,
      describe: (output: O, input: I) => Record<string, unknown>,
    ): ActivityFunction =>
    async (raw) => {
      const input = raw as I;
      try {
        const output = await body(input);
        await audit(input.run, name, 'ok', describe(output, input));
        return output;
      } catch (err) {
        await audit(input.run, name, 'failed', { error: ensureError(err).message });
        throw err;
      }
    };

  return {
    [ACTIVITY.getPolicy]: audited<{ run: RunContext }, WorkflowPolicy>(
      ACTIVITY.getPolicy,
      async (input) => {
        await deps.started?.(input.run);
        return deps.policy();
      },
      (policy) => ({ ...policy }),
    ),
    [ACTIVITY.discoverTopology]: audited<DiscoverTopologyInput, Topology>(
      ACTIVITY.discoverTopology,
      (input) => deps.discover(input.run.loadBalancerId),
      (t) => ({
        backends: t.backends.length,
        probes: t.probes.length,
        rules: t.rules.length,
        problems: t.problems.length,
      }),
    ),
    [ACTIVITY.readProbeHealth]: audited<ReadProbeHealthInput, RuleHealth[]>(
      ACTIVITY.readProbeHealth,
      (input) => deps.readHealth(input.topology),
      (rules) => ({ rules: rules.map((r) => ({ ruleId: r.ruleId, up: r.up, down: r.down })) }),
    ),
    // Never throws: one broken VM must not hide the others (Task.all fails fast).
    [ACTIVITY.checkBackend]: async (raw) => {
      const input = raw as CheckBackendInput;
      let result: CheckBackendOutput;
      try {
        result = ok(await deps.checkBackend(input));
      } catch (err) {
        result = fail({ message: ensureError(err).message });
      }
      await audit(input.run, ACTIVITY.checkBackend, result.ok ? 'ok' : 'failed', {
        backendKey: input.backend.key,
        ...(result.ok ? {} : { error: result.error.message }),
      });
      return result;
    },
    [ACTIVITY.diagnose]: audited<DiagnoseInput, Diagnosis>(
      ACTIVITY.diagnose,
      (input) => deps.diagnose(input),
      (d) => ({
        causes: d.causes.map((c) => c.id),
        backends: d.backends.map((b) => ({ key: b.key, causes: b.causes.map((c) => c.id) })),
      }),
    ),
    [ACTIVITY.planFixes]: audited<PlanFixesInput, FixPlan>(
      ACTIVITY.planFixes,
      async (input) => {
        const required = deps.policy().approvalRequiredFor;
        const fixes = await deps.planFixes(input);
        return { fixes: fixes.map((f) => ({ ...f, needsApproval: required.includes(f.kind) })) };
      },
      (plan) => ({
        fixes: plan.fixes.map((f) => ({ kind: f.kind, target: f.target, needsApproval: f.needsApproval })),
      }),
    ),
    [ACTIVITY.applyFixes]: audited<ApplyFixesInput, FixReport[]>(
      ACTIVITY.applyFixes,
      (input) => deps.applyFixes(input),
      (fixes) => ({ fixes }),
    ),
    [ACTIVITY.validate]: audited<ValidateInput, ValidationResult>(
      ACTIVITY.validate,
      (input) => deps.validate(input),
      (v) => ({ stillDown: v.stillDown }),
    ),
    [ACTIVITY.rollbackFixes]: audited<RollbackFixesInput, FixReport[]>(
      ACTIVITY.rollbackFixes,
      (input) => deps.rollbackFixes(input),
      (fixes) => ({ rolledBack: fixes.filter((f) => f.status === 'rolled-back').length }),
    ),
    [ACTIVITY.escalate]: audited<EscalateInput, EscalateOutput>(
      ACTIVITY.escalate,
      (input) => deps.escalate(input),
      (e) => ({ submitted: e.submitted ?? false, ...(e.ticketId ? { ticketId: e.ticketId } : {}) }),
    ),
    [ACTIVITY.finalizeReport]: audited<FinalizeReportInput, ReturnType<typeof buildReport>>(
      ACTIVITY.finalizeReport,
      async (input) => {
        const report = buildReport(input);
        await deps.finished?.(report, input.run);
        return report;
      },
      (r) => ({ verdict: r.verdict, causes: r.causes.map((c) => c.id), fixes: r.fixes.length }),
    ),
  };
}
