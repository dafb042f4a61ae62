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
import { idKey } from '../model/ids';
import { ok } from '../model/result';
import { probesOf } from '../remediate/recommend';
import { createEvidenceGatherer, DEFAULT_EVIDENCE_OPTIONS, type EvidenceOptions } from './evidence';
import { discoverHealthFirst } from './discovery';
import type { AuditSink } from '../audit/sink';
import type { RemediationContext, RemediationDeps } from './remediation';
import {
  auditDiagnosis,
  auditorFor,
  auditRunCommandAccepted,
  auditRunFinished,
  guestCommandsOf,
} from './runAudit';
import { startedAtOfRun } from '../workflow/runId';

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
  /** Stamps audit events (see `auditorFor`); absent: wall time. */
  auditClock?: () => Date;
}

/** Builds the {@link ActivityDeps} the workflow's activities call. */
export function createActivityDeps(app: AppDependencies): ActivityDeps {
  const reader = createSdkAzureReader(app.clientsFor);
  const topologyReader = createSdkTopologyReader(app.clientsFor);
  // Each Run Command Azure takes is in the trail at once, whatever becomes of the check or the run.
  const checkBackend = createEvidenceGatherer(
    reader,
    app.evidence ?? DEFAULT_EVIDENCE_OPTIONS,
    (run, command) =>
      auditRunCommandAccepted(auditorFor(auditSink, run, app.auditClock), 'guest-check', command),
  );
  const { config, auditSink } = app;
  const remediation = app.remediation({
    clientsFor: app.clientsFor,
    reader,
    config,
    auditSink,
    ...(app.auditClock ? { auditClock: app.auditClock } : {}),
    recheck: async (run, topology, backends) => {
      // The same reads, checks and diagnosis as the run's own, after the fixes: the topology read
      // again (the NSGs changed), then each backend checked and diagnosed.
      const fresh = await discoverTopology(topologyReader, topology.loadBalancer.id);
      const results = new Map<string, { causes: string[]; detail: string }>();
      for (const backend of backends) {
        const now = fresh.backends.find((b) => idKey(b.key) === idKey(backend.key)) ?? backend;
        const vm = now.vmId ? fresh.vms[idKey(now.vmId)] : undefined;
        const os = vm?.osType === undefined ? undefined : vm.osType === 'Windows' ? 'windows' : 'linux';
        const evidence = await checkBackend({
          run,
          backend: now,
          probes: probesOf(fresh, now),
          health: [],
          ...(os ? { os } : {}),
        });
        const diagnosis = diagnose({
          run,
          topology: fresh,
          health: [],
          checks: [{ backendKey: now.key, result: ok(evidence) }],
        });
        const mine = diagnosis.backends.find((b) => idKey(b.key) === idKey(now.key));
        const causes = (mine?.causes ?? []).map((c) => c.id);
        const seen = [
          evidence.vm ? `VM ${evidence.vm.powerState}` : undefined,
          evidence.guest
            ? 'guest checked'
            : evidence.failures?.guest
              ? `guest not checked (${evidence.failures.guest})`
              : undefined,
          evidence.effectiveNsgs ? 'NSGs read' : undefined,
        ].filter((x): x is string => x !== undefined);
        results.set(idKey(backend.key), {
          causes,
          detail: `${seen.join(', ') || 'no evidence'}: ${causes.length > 0 ? `still ${causes.join(', ')}` : 'no cause remains'}`,
        });
      }
      return results;
    },
  });
  return {
    policy: () => ({
      approvalRequiredFor: config.approvalRequiredFor,
      approvalTimeoutMinutes: config.approvalTimeoutMinutes,
      probeWaitMarginSeconds: config.probeWaitMarginSeconds,
      fanoutBatchSize: config.fanoutBatchSize,
      runDeadlineSeconds: config.runDeadlineSeconds,
      activityDeadlineSeconds: config.activityDeadlineSeconds,
    }),
    discover: (lbId, options) =>
      discoverHealthFirst(topologyReader, reader, lbId, {
        ...(app.discoveryConcurrency !== undefined ? { concurrency: app.discoveryConcurrency } : {}),
        validationPeers: options.validationPeers,
        ...(options.failingVmsFirst ? { failingVmsFirst: options.failingVmsFirst } : {}),
      }),
    checkBackend,
    startGuestCheck: (input) => checkBackend.startGuestCheck(input),
    diagnose: async (input) => {
      const diagnosis = diagnose(input);
      await auditDiagnosis(
        auditorFor(auditSink, input.run, app.auditClock),
        diagnosis,
        guestCommandsOf(input.checks),
      );
      return diagnosis;
    },
    ...remediation,
    started: async (run) => {
      // Written by the run's first activity, after the host scheduled it, while a trigger that joins
      // writes its RunStarted (joined) at once: stamped with when the run started (its id's start time,
      // taken before the instance existed), the start always comes before any join in the trail.
      const at = startedAtOfRun(run.runId);
      await auditorFor(auditSink, run, app.auditClock).runStarted(
        { trigger: run.trigger, outcome: 'started' },
        at ? { at } : {},
      );
    },
    finished: async (report, run, stop) => {
      await auditRunFinished(auditorFor(auditSink, run, app.auditClock), report, stop);
      await auditSink.flush();
    },
    audit: app.progress ?? (() => undefined),
  };
}
