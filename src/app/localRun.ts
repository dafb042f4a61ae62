/**
 * Runs one probe-doctor orchestration to the end on the local durable host: the same orchestrator
 * and activities the Functions app registers, executed by the durable-functions library's replay
 * code. Used by the CLI's `diagnose` and by the demo.
 *
 * Time: durable timers (the wait for the probe to re-test, retry pauses, deadlines) are real waits
 * against any ARM endpoint, live Azure or a sandbox running on wall time. Only an in-process sandbox
 * whose clock this run may move ({@link AdvanceableClock}, given as the target's `clock`) lets the
 * host skip a wait, by moving that clock: the sandbox then sees the time pass, so its probes re-test
 * exactly as they would have in the time skipped.
 */
import { DiscardAuditSink } from '../audit/discardSink';
import { createAuditor } from '../audit/auditor';
import type { AuditSink } from '../audit/sink';
import { createClientFactory, type AzureTarget } from '../azure/clients';
import type { AdvanceableClock } from '../sandbox/clock';
import type { ProbeDoctorConfig } from '../config';
import { ProbeDoctorError } from '../errors';
import type { Report } from '../model/report';
import { MemoryRunStore } from '../runstore/memoryRunStore';
import { instanceIdFor } from '../triggers/instanceId';
import { createActivities, type WorkflowAuditEvent } from '../workflow/activities';
import type { ApprovalDecision, RunOutcome, WorkflowInput, WorkflowStatus } from '../workflow/contracts';
import type { RunStore } from '../runstore/runStore';
import {
  LocalDurableHost,
  type HostTime,
  type LocalInstanceStatus,
  type TimerWait,
} from '../workflow/host/localDurableHost';
import { APPROVAL_EVENT, FLOW_VERSION, INTERRUPT_EVENT, ORCHESTRATOR_NAME } from '../workflow/names';
import { probeDoctorOrchestrator } from '../workflow/orchestrator';
import type { AppDependencies } from './activityDeps';
import { createActivityDeps } from './activityDeps';
import type { EvidenceOptions } from './evidence';

export interface LocalRunOptions {
  input: WorkflowInput;
  target: AzureTarget;
  config: ProbeDoctorConfig;
  remediation: AppDependencies['remediation'];
  /** The audit trail; nothing is kept when omitted (observe runs only: see DiscardAuditSink). */
  auditSink?: AuditSink;
  /** One event per activity, for progress output. */
  progress?: (event: WorkflowAuditEvent) => void | Promise<void>;
  evidence?: EvidenceOptions;
  /** A host to run on (the demo shares one with its triggers); a new one otherwise. */
  host?: LocalDurableHost;
  /**
   * Aborting it (Ctrl-C) interrupts the run: the orchestrator stops waiting, validates nothing, rolls
   * nothing back, and reports what it knows (`interrupted` in the report's problems).
   */
  signal?: AbortSignal;
  /** Told when the host starts a real wait, with a line for a person (`waiting 40 s for ...`). */
  onWait?: (line: string, wait: TimerWait) => void;
  /**
   * Aborting it stops every ARM call the host's activities still have in flight: the caller aborts it
   * when the run is over, so calls a deadline abandoned (a 60 s `Retry-After` pause) end with it.
   */
  callsSignal?: AbortSignal;
  /**
   * Answers the approval gate when the run waits on it (a person at the CLI). Without it the gate's
   * durable timer is fast-forwarded: the run goes on as if nobody approved in time.
   */
  decideApproval?: () => ApprovalDecision;
}

export interface LocalRunResult {
  instanceId: string;
  report: Report;
  status: LocalInstanceStatus;
}

/** Options of a local host: the run's target decides how time passes. */
export type LocalHostOptions = Omit<LocalRunOptions, 'input' | 'host' | 'signal' | 'decideApproval'>;

/** The clock an in-process sandbox lets this run move, if the target has one. */
function advanceableClock(target: AzureTarget): AdvanceableClock | undefined {
  const clock = target.kind === 'sandbox' ? target.clock : undefined;
  const advanceTo = clock?.advanceTo?.bind(clock);
  const onJump = clock?.onJump?.bind(clock);
  return clock && advanceTo
    ? { now: () => clock.now(), advanceTo, ...(onJump ? { onJump } : {}) }
    : undefined;
}

/** Virtual time only over a clock the sandbox shares; wall time for every other endpoint. */
export function hostTimeFor(target: AzureTarget): { time: HostTime; clock?: () => Date } {
  const clock = advanceableClock(target);
  if (!clock) return { time: { kind: 'wall' } };
  return {
    time: {
      kind: 'virtual',
      advanceTo: (ms) => clock.advanceTo(ms),
      ...(clock.onJump ? { onJump: (listener: () => void) => clock.onJump!(listener) } : {}),
    },
    clock: () => new Date(clock.now()),
  };
}

/** The line printed when the host starts a real wait. */
export function waitLine(wait: TimerWait): string {
  if (wait.kind === 'retry') {
    return `waiting ${wait.seconds} s before retrying ${wait.activity ?? 'the activity'} (attempt ${wait.nextAttempt ?? 2})`;
  }
  const status = wait.customStatus as { waitReason?: unknown } | undefined;
  const why = typeof status?.waitReason === 'string' ? status.waitReason : 'on a durable timer';
  return `waiting ${wait.seconds} s ${why}`;
}

/** The run store of each local host: the orchestration's output names its report there. */
const storeOfHost = new WeakMap<LocalDurableHost, RunStore>();

/**
 * The report of a completed run on a local host: the orchestration's output is a {@link RunOutcome}
 * (the report's ref and a summary), the report itself is in the host's run store.
 */
export async function reportOfRun(host: LocalDurableHost, status: LocalInstanceStatus): Promise<Report> {
  const outcome = status.output as RunOutcome;
  const store = storeOfHost.get(host);
  if (!store) throw new ProbeDoctorError('this host was not built by createLocalHost: it has no run store');
  return store.get<Report>(outcome.reportRef);
}

/** Builds a local host with probe-doctor's orchestrator and activities registered. */
export function createLocalHost(options: LocalHostOptions): LocalDurableHost {
  const time = hostTimeFor(options.target);
  const deps = createActivityDeps({
    clientsFor: createClientFactory(
      options.target,
      options.callsSignal ? { abortSignal: options.callsSignal } : {},
    ),
    config: options.config,
    auditSink: options.auditSink ?? new DiscardAuditSink(),
    ...(options.progress ? { progress: options.progress } : {}),
    remediation: options.remediation,
    ...(options.evidence ? { evidence: options.evidence } : {}),
    // The audit trail keeps the host's time: an in-process sandbox's skipped waits show in it.
    ...(time.clock ? { auditClock: time.clock } : {}),
  });
  const { onWait } = options;
  // One store per host: its runs' activities all run in this process, so memory is enough.
  const store = new MemoryRunStore();
  const host = new LocalDurableHost({
    orchestrators: { [ORCHESTRATOR_NAME]: probeDoctorOrchestrator },
    activities: createActivities(deps, store),
    ...time,
    optionalEvents: [INTERRUPT_EVENT],
    // As host.json's defaultVersion stamps instances on the Functions host.
    defaultVersion: FLOW_VERSION,
    ...(onWait ? { onWait: (wait: TimerWait) => onWait(waitLine(wait), wait) } : {}),
  });
  storeOfHost.set(host, store);
  return host;
}

/**
 * The run's error as one line: the activity's own message (an actionable one already names the next
 * step), without the error type the durable layer puts in front of it.
 */
export function runFailureMessage(error: string | undefined): string {
  const first = (error ?? '').split('\n')[0]?.trim() ?? '';
  const text = first.replace(/^(?:[A-Za-z]*Error: )+/, '').trim();
  return text || 'the run failed and gave no reason';
}

/** The run stopped before it could report: the message is one line, for a person. */
export class RunFailedError extends ProbeDoctorError {
  constructor(
    readonly instanceId: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The answer a person gave at this host (the CLI's `--approve`), audited before it is delivered, as the
 * approval endpoint audits the ones it receives (src/app/triggerAudit.ts): `ApprovalReceived`, with
 * `verified` false, since no platform authentication stands behind the name. On the run's host clock,
 * so an in-process sandbox run's trail keeps its order.
 */
async function auditLocalApproval(
  options: LocalRunOptions,
  status: LocalInstanceStatus,
  decision: ApprovalDecision,
): Promise<void> {
  if (!options.auditSink || (decision.decision !== 'approve' && decision.decision !== 'reject')) return;
  const runId = (status.customStatus as Partial<WorkflowStatus> | undefined)?.runId ?? status.instanceId;
  const time = hostTimeFor(options.target).clock;
  await createAuditor(
    options.auditSink,
    { runId, loadBalancerId: options.input.loadBalancerId, mode: options.input.mode },
    time ? { now: time } : {},
  ).approvalReceived(
    { by: decision.by ?? 'unknown', verified: false, outcome: decision.decision },
    { confirm: true },
  );
}

/** Starts (or joins) the orchestration for the load balancer and waits for its report. */
export async function runLocally(options: LocalRunOptions): Promise<LocalRunResult> {
  const host = options.host ?? createLocalHost(options);
  const instanceId = instanceIdFor(options.input.loadBalancerId);
  await host.start(ORCHESTRATOR_NAME, instanceId, options.input);
  const interrupt = (): void => {
    void host.raiseEvent(instanceId, INTERRUPT_EVENT, { reason: 'interrupted by the operator' });
  };
  if (options.signal?.aborted) interrupt();
  options.signal?.addEventListener('abort', interrupt, { once: true });
  const finished = (s: LocalInstanceStatus) =>
    s.runtimeStatus === 'Completed' || s.runtimeStatus === 'Failed';
  let status: LocalInstanceStatus;
  try {
    // Waits without polling: the host wakes this when the instance finishes or asks for approval.
    let answered = false;
    for (;;) {
      status = await host.waitUntil(
        instanceId,
        (s) => finished(s) || (!answered && s.waitingForEvents.includes(APPROVAL_EVENT)),
      );
      if (finished(status)) break;
      answered = true;
      if (options.decideApproval) {
        const decision = options.decideApproval();
        await auditLocalApproval(options, status, decision);
        await host.raiseEvent(instanceId, APPROVAL_EVENT, decision);
      }
      // Nobody to ask: the gate's timer fires now, as if nobody approved in time.
      else await host.fastForward(instanceId);
    }
  } finally {
    options.signal?.removeEventListener('abort', interrupt);
  }
  if (status.runtimeStatus !== 'Completed')
    throw new RunFailedError(instanceId, runFailureMessage(status.error));
  return { instanceId, report: await reportOfRun(host, status), status };
}
