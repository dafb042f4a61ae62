/**
 * The fleet sweep's timer: on each tick, sweep the allowed scopes (PROBE_DOCTOR_ALLOWED_SCOPES) in
 * the configured mode and start or join a remediation for each load balancer with a backend down.
 * The registration (functions/sweepTimer.ts) only exists when PROBE_DOCTOR_SWEEP_SCHEDULE is set.
 */
import type { AuditSink } from '../audit/sink';
import type { AzureTarget } from '../azure/clients';
import { sweepFleet } from '../app/sweep';
import type { ProbeDoctorConfig } from '../config';
import type { SweepReport } from '../sweep/sweep';
import type { OrchestrationClient } from './client';

export interface SweepTimerDeps {
  client: OrchestrationClient;
  target: AzureTarget;
  config: Pick<ProbeDoctorConfig, 'allowedScopes' | 'mode' | 'sweepConcurrency'>;
  auditSink: AuditSink;
  /** The invocation id: the sweep's id is `sweep-<invocation id>`, so the audit trail ties them. */
  invocationId: string;
  log?: (line: string) => void;
}

/** One timer tick. */
export async function handleSweepTimer(deps: SweepTimerDeps): Promise<SweepReport> {
  const report = await sweepFleet({
    target: deps.target,
    client: deps.client,
    sweepId: `sweep-${deps.invocationId}`,
    scopes: deps.config.allowedScopes,
    mode: deps.config.mode,
    concurrency: deps.config.sweepConcurrency,
    auditSink: deps.auditSink,
  });
  const t = report.totals;
  deps.log?.(
    `probe-doctor sweep ${report.sweepId}: ${t.loadBalancers} load balancers, ${t.down} down, ${t['cannot-read']} cannot be read; ${t.started} remediations started, ${t.joined} joined`,
  );
  return report;
}
