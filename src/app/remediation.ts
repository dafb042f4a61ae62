/**
 * The remediation half of the activities: plan fixes, apply them, validate from inside the network,
 * roll back what did not help, escalate. Every change is audited before (confirmed, or it is not
 * made) and after, through the run's audit sink.
 */
import type { RunCommandPurpose } from '../audit/events';
import type { AuditSink } from '../audit/sink';
import type { ClientsForSubscription } from '../azure/clients';
import { createSdkNsgRuleWriter } from '../azure/nsgRuleWriter';
import type { AzureReader, RunCommandRequest } from '../azure/reader';
import { scriptLines } from '../azure/reads/vm';
import { scriptSha256, type RunCommandScript } from '../guest/scripts';
import { parseResourceId } from '../azure/resourceId';
import { createVmPowerStateReader } from '../azure/vmPowerState';
import { createSdkAzureWriter } from '../azure/writer';
import { SETTING_PREFIX, type ProbeDoctorConfig } from '../config';
import { DiscardAuditSink } from '../audit/discardSink';
import { ensureError } from '../errors';
import { findPeerVm, type TopologyReader } from '../azure/discovery';
import { createSdkTopologyReader } from '../azure/topologyReader';
import { gatherNetworkWatcherEvidence } from '../escalate/networkWatcher';
import { escalate } from '../escalate/submit';
import { applyFixes, rollbackFixes, type ApplyDeps } from '../remediate/apply';
import { writeOwnerId } from '../remediate/naming';
import { planFixes } from '../remediate/plan';
import { validateFixes } from '../remediate/validate';
import type { ActivityDeps } from '../workflow/activities';
import { asReport } from '../workflow/flow';
import type { RunContext } from '../model/run';
import type { BackendInfo, Topology } from '../model/topology';
import type { Diagnosis } from '../model/diagnosis';
import { idKey } from '../model/ids';
import {
  auditApplyOutcomes,
  auditEscalation,
  auditorFor,
  auditRunCommandAccepted,
  auditPlan,
  auditValidation,
  remediationAuditHook,
} from './runAudit';

export type RemediationDeps = Pick<
  ActivityDeps,
  'planFixes' | 'applyFixes' | 'validate' | 'rollbackFixes' | 'escalate'
>;

/** What the remediation adapters are built over: the same clients and reader as the checks. */
export interface RemediationContext {
  clientsFor: ClientsForSubscription;
  reader: AzureReader;
  config: ProbeDoctorConfig;
  auditSink: AuditSink;
  /** Stamps audit events (see `auditorFor`); absent: wall time. */
  auditClock?: () => Date;
  /**
   * Reads the topology again and re-runs the cause checks for these backends: the causes that remain,
   * by `idKey` of the backend key. How a Basic load balancer, which has no per-rule health, is
   * validated (src/remediate/validate.ts).
   */
  recheck?: (
    run: RunContext,
    topology: Topology,
    backends: BackendInfo[],
  ) => Promise<Map<string, { causes: string[]; detail: string }>>;
}

export interface RemediationOptions {
  /** Backoff wait between write retries; tests and the sandbox pass one that does not sleep. */
  sleep?: (ms: number) => Promise<void>;
  /** Poll interval of write long-running operations (the SDK's default is 2 s). */
  pollIntervalMs?: number;
  /**
   * Attempts per NSG write before it is reported failed (default 5, src/remediate/nsgApply.ts). A test
   * that injects a synthetic conflict on every other write raises it: at rate 0.5, five attempts all
   * meet a 409 once in 32 writes by chance alone, whatever the concurrency under test does.
   */
  writeAttempts?: number;
}

/**
 * A healthy peer's VM for Network Watcher's connectivity check, when discovery read none (observe
 * mode reads no validation peer): searched for in the virtual networks of the backends that are not
 * up, among the backends that are, as discovery's own peer search does.
 */
function peerVmForChecks(
  reader: TopologyReader,
  topology: Topology,
  diagnosis: Diagnosis,
): Promise<string | undefined> {
  const upKeys = new Set(diagnosis.backends.filter((b) => b.probeState === 'up').map((b) => idKey(b.key)));
  const targets = topology.backends.filter((b) => !upKeys.has(idKey(b.key)));
  const healthy = topology.backends.filter((b) => upKeys.has(idKey(b.key)));
  return findPeerVm(reader, topology, targets, healthy);
}

/** Builds the remediation dependencies; the returned factory is called once per host. */
export function createRemediation(
  options: RemediationOptions = {},
): (ctx: RemediationContext) => RemediationDeps {
  return ({ clientsFor, reader, config, auditSink, auditClock, recheck }) => {
    const writer = createSdkAzureWriter(
      clientsFor,
      options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {},
    );
    /** RunCommandAccepted for a fix's or a peer test's script, as the checks write theirs. */
    const accepted = async (
      run: RunContext,
      vmId: string,
      purpose: Exclude<RunCommandPurpose, 'guest-check'>,
      request: RunCommandRequest,
    ): Promise<void> =>
      auditRunCommandAccepted(auditorFor(auditSink, run, auditClock), purpose, {
        vmId,
        commandId: request.commandId as RunCommandScript['commandId'],
        // Hashed as sent (runCommandOn sends a script given as one text as its lines).
        scriptSha256: scriptSha256({ script: scriptLines(request) }),
      });
    const applyDeps = (run: RunContext): ApplyDeps => ({
      nsgWriter: createSdkNsgRuleWriter(clientsFor, writer),
      vmWriter: writer,
      runCommand: (vmId, request) =>
        reader.runCommand(vmId, request, {
          onAccepted: () => accepted(run, vmId, 'guest-fix', request),
        }),
      vmPowerState: createVmPowerStateReader(reader),
      audit: remediationAuditHook(auditorFor(auditSink, run, auditClock)),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.writeAttempts !== undefined ? { maxAttempts: options.writeAttempts } : {}),
    });

    return {
      planFixes: async (input) => {
        const fixes = planFixes({
          mode: input.mode,
          topology: input.topology,
          diagnosis: input.diagnosis,
          policy: { optInFixes: config.optInFixes, approvalRequiredFor: config.approvalRequiredFor },
          runId: input.run.runId,
        });
        await auditPlan(auditorFor(auditSink, input.run, auditClock), input.run, fixes);
        return fixes;
      },
      applyFixes: async (input) => {
        // A change nobody can review later is not made: no audit destination, no write.
        if (auditSink instanceof DiscardAuditSink) {
          return input.fixes.map((fix) => ({
            ...asReport(fix),
            status: 'skipped' as const,
            reason: `not written: no audit destination is configured (set APPLICATIONINSIGHTS_CONNECTION_STRING or ${SETTING_PREFIX}AUDIT_LOG_FILE)`,
          }));
        }
        const reports = await applyFixes(applyDeps(input.run), input.fixes, {
          runId: input.run.runId,
          ownerId: writeOwnerId(input.run.runId),
          loadBalancerId: input.run.loadBalancerId,
          mode: input.mode,
          topology: input.topology,
        });
        try {
          await auditApplyOutcomes(auditorFor(auditSink, input.run, auditClock), input.run, reports);
        } catch (err) {
          // The writes happened (or were refused) and are in the reports; only the outcome record is
          // missing. Say so on each fix rather than fail the activity and lose the report.
          const note = `the audit record of this outcome could not be written: ${ensureError(err).message}`;
          return reports.map((r) => ({ ...r, reason: r.reason ? `${r.reason}; ${note}` : note }));
        }
        return reports;
      },
      validate: async (input) => {
        const result = await validateFixes(
          {
            reader: {
              ...reader,
              // The peer test's script is in the trail the moment Azure takes it.
              runCommand: (vmId, request) =>
                reader.runCommand(vmId, request, {
                  onAccepted: () => accepted(input.run, vmId, 'peer-test', request),
                }),
            },
            ...(recheck ? { recheck: (topology, backends) => recheck(input.run, topology, backends) } : {}),
          },
          input,
        );
        try {
          await auditValidation(auditorFor(auditSink, input.run, auditClock), result);
        } catch {
          // The validation result is what decides the verdict; a missing audit record of it is not a
          // reason to discard it (the run's RunFinished still records the outcome).
        }
        return result;
      },
      rollbackFixes: (input) =>
        rollbackFixes(applyDeps(input.run), input.fixes, {
          runId: input.run.runId,
          loadBalancerId: input.run.loadBalancerId,
          stillDown: input.stillDown,
          rollbackOnFailure: config.rollbackOnFailure,
        }),
      escalate: async (input) => {
        const subscriptionId = parseResourceId(input.run.loadBalancerId).subscriptionId;
        const networkWatcher = await gatherNetworkWatcherEvidence(
          reader,
          input.topology,
          input.diagnosis,
          input.forMicrosoft ?? input.stillDown,
          () => peerVmForChecks(createSdkTopologyReader(clientsFor), input.topology, input.diagnosis),
        );
        const output = await escalate(
          {
            support: clientsFor(subscriptionId).support,
            submit: config.escalationSubmit,
            contact: config.escalationContact,
            advancedDiagnosticConsent: config.escalationDiagnosticConsent,
          },
          { ...input, networkWatcher },
        );
        // Observe mode builds the ticket for a person to file and escalates nothing: no Escalated event.
        if (input.run.mode === 'fix') {
          await auditEscalation(
            auditorFor(auditSink, input.run, auditClock),
            input.diagnosis,
            input.forMicrosoft ?? input.stillDown,
            output,
          );
        }
        return output;
      },
    };
  };
}
