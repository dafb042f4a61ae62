/**
 * Runs one probe-doctor orchestration to the end on the local durable host: the same orchestrator
 * and activities the Functions app registers, executed by the durable-functions library's replay
 * code. Used by the CLI's `diagnose` and by the demo.
 */
import { DiscardAuditSink } from '../audit/discardSink';
import type { AuditSink } from '../audit/sink';
import { createClientFactory, type AzureTarget } from '../azure/clients';
import type { ProbeDoctorConfig } from '../config';
import { ProbeDoctorError } from '../errors';
import type { Report } from '../model/report';
import { MemoryRunStore } from '../runstore/memoryRunStore';
import { instanceIdFor } from '../triggers/instanceId';
import { createActivities, type WorkflowAuditEvent } from '../workflow/activities';
import type { ApprovalDecision, WorkflowInput } from '../workflow/contracts';
import { LocalDurableHost, type LocalInstanceStatus } from '../workflow/host/localDurableHost';
import { APPROVAL_EVENT, ORCHESTRATOR_NAME } from '../workflow/names';
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

/** Builds a local host with probe-doctor's orchestrator and activities registered. */
export function createLocalHost(options: Omit<LocalRunOptions, 'input' | 'host'>): LocalDurableHost {
  const deps = createActivityDeps({
    clientsFor: createClientFactory(options.target),
    config: options.config,
    auditSink: options.auditSink ?? new DiscardAuditSink(),
    ...(options.progress ? { progress: options.progress } : {}),
    remediation: options.remediation,
    ...(options.evidence ? { evidence: options.evidence } : {}),
  });
  return new LocalDurableHost({
    orchestrators: { [ORCHESTRATOR_NAME]: probeDoctorOrchestrator },
    // One store per host: its runs' activities all run in this process, so memory is enough.
    activities: createActivities(deps, new MemoryRunStore()),
  });
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

/** Starts (or joins) the orchestration for the load balancer and waits for its report. */
export async function runLocally(options: LocalRunOptions): Promise<LocalRunResult> {
  const host = options.host ?? createLocalHost(options);
  const instanceId = instanceIdFor(options.input.loadBalancerId);
  await host.start(ORCHESTRATOR_NAME, instanceId, options.input);
  let status = await host.waitForIdle(instanceId);
  while (status.runtimeStatus === 'Pending' || status.runtimeStatus === 'Running') {
    if (status.waitingForEvents.includes(APPROVAL_EVENT) && options.decideApproval) {
      await host.raiseEvent(instanceId, APPROVAL_EVENT, options.decideApproval());
      status = await host.waitForIdle(instanceId);
    } else {
      status = await host.fastForward(instanceId);
    }
  }
  if (status.runtimeStatus !== 'Completed')
    throw new RunFailedError(instanceId, runFailureMessage(status.error));
  return { instanceId, report: status.output as Report, status };
}
