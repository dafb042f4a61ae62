/**
 * The triggers' audit: an alert that starts no run is recorded as `AlertRejected` (out of scope,
 * malformed, or a Resolved notification that was ignored); an alert that joins a run in progress is
 * recorded as that run's `RunStarted` with outcome `joined`. A started run records its own
 * `RunStarted` from its first activity.
 */
import { auditAlertRejected, createAuditor } from '../audit/auditor';
import type { AuditSink } from '../audit/sink';
import type { TriggerAuditEvent } from '../triggers/client';

export function createTriggerAudit(
  sink: AuditSink,
  mode: 'observe' | 'fix',
  invocationId: string,
): (event: TriggerAuditEvent) => Promise<void> {
  return async (event) => {
    const reason = typeof event.detail?.reason === 'string' ? event.detail.reason : event.decision;
    const common = {
      runId: invocationId,
      mode,
      reason,
      ...(event.alertId !== undefined ? { alertId: event.alertId } : {}),
      ...(event.loadBalancerId !== undefined ? { loadBalancerId: event.loadBalancerId } : {}),
    };
    if (event.decision === 'ignored')
      await auditAlertRejected(sink, { ...common, outcome: 'resolved-ignored' });
    else if (event.decision === 'forbidden')
      await auditAlertRejected(sink, { ...common, outcome: 'out-of-scope' });
    else if (event.decision === 'fix-mode-off')
      await auditAlertRejected(sink, { ...common, outcome: 'fix-mode-off' });
    else if (event.decision === 'rejected')
      await auditAlertRejected(sink, { ...common, outcome: 'malformed' });
    else if (
      event.trigger === 'approval' &&
      event.decision === 'raised' &&
      event.instanceId &&
      event.loadBalancerId
    ) {
      // The approval is audited before it is delivered: the endpoint writes this, then raises the event.
      await createAuditor(sink, {
        runId: event.runId ?? event.instanceId,
        loadBalancerId: event.loadBalancerId,
        mode,
      }).approvalReceived(
        {
          by: typeof event.detail?.by === 'string' ? event.detail.by : 'unknown',
          verified: event.detail?.verified === true,
          outcome: event.detail?.decision === 'approve' ? 'approve' : 'reject',
        },
        { confirm: true },
      );
    } else if (event.decision === 'joined' && event.instanceId && event.loadBalancerId) {
      await createAuditor(sink, {
        // The run joined, so its events and this one share a run id (the instance id only for a run
        // started before run ids existed).
        runId: event.runId ?? event.instanceId,
        loadBalancerId: event.loadBalancerId,
        mode,
        ...(event.alertId !== undefined ? { alertId: event.alertId } : {}),
      }).runStarted({ trigger: event.trigger === 'alert' ? 'alert' : 'http', outcome: 'joined' });
    }
    await sink.flush();
  };
}
