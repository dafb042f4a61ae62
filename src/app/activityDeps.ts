/**
 * The composition root of the activities: real adapters (src/azure/) joined to the pure checks
 * (src/diagnose/), remediation (src/remediate/) and escalation (src/escalate/). The Functions app and
 * the local durable host both build their activities from this.
 */
import { createSdkAzureReader } from '../azure/reader';
import type { ClientsForSubscription } from '../azure/clients';
import { discoverTopology } from '../azure/discovery';
import { createSdkTopologyReader } from '../azure/topologyReader';
import type { ProbeDoctorConfig } from '../config';
import type { ActivityDeps, WorkflowAuditEvent } from '../workflow/activities';
import { diagnose } from './diagnosis';
import { createEvidenceGatherer, DEFAULT_EVIDENCE_OPTIONS, type EvidenceOptions } from './evidence';
import { readProbeHealth } from './health';
import type { AuditSink } from '../audit/sink';
import type { RemediationContext, RemediationDeps } from './remediation';
import { auditDiagnosis, auditorFor, auditRunFinished } from './runAudit';

export interface AppDependencies {
  clientsFor: ClientsForSubscription;
  config: ProbeDoctorConfig;
  /** The audit trail (src/audit/): what each step saw, decided and changed. */
  auditSink: AuditSink;
  /** Progress: one event per activity (the CLI prints them; the Functions app logs them). */
  progress?: (event: WorkflowAuditEvent) => void | Promise<void>;
  /** Plans, applies, validates and escalates; see ./remediation. */
  remediation: (ctx: RemediationContext) => RemediationDeps;
  evidence?: EvidenceOptions;
  /** Reads in flight at once during discovery. */
  discoveryConcurrency?: number;
}

/** Builds the {@link ActivityDeps} the workflow's activities call. */
export function createActivityDeps(app: AppDependencies): ActivityDeps {
  const reader = createSdkAzureReader(app.clientsFor);
  const topologyReader = createSdkTopologyReader(app.clientsFor);
  const checkBackend = createEvidenceGatherer(reader, app.evidence ?? DEFAULT_EVIDENCE_OPTIONS);
  const { config, auditSink } = app;
  const remediation = app.remediation({ clientsFor: app.clientsFor, reader, config, auditSink });
  return {
    policy: () => ({
      approvalRequiredFor: config.approvalRequiredFor,
      approvalTimeoutMinutes: config.approvalTimeoutMinutes,
      probeWaitMarginSeconds: config.probeWaitMarginSeconds,
      fanoutBatchSize: config.fanoutBatchSize,
      runDeadlineSeconds: config.runDeadlineSeconds,
      activityDeadlineSeconds: config.activityDeadlineSeconds,
    }),
    discover: (lbId) =>
      discoverTopology(topologyReader, lbId, {
        ...(app.discoveryConcurrency !== undefined ? { concurrency: app.discoveryConcurrency } : {}),
      }),
    readHealth: (topology) => readProbeHealth(reader, topology),
    checkBackend,
    diagnose: async (input) => {
      const diagnosis = diagnose(input);
      await auditDiagnosis(auditorFor(auditSink, input.run), diagnosis);
      return diagnosis;
    },
    ...remediation,
    started: async (run) => {
      await auditorFor(auditSink, run).runStarted({ trigger: run.trigger, outcome: 'started' });
    },
    finished: async (report, run, stop) => {
      await auditRunFinished(auditorFor(auditSink, run), report, stop);
      await auditSink.flush();
    },
    audit: app.progress ?? (() => undefined),
  };
}
