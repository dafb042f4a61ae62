/** The sweep's one audit event, `ProbeDoctor.SweepCompleted`, built from its report. */
import { randomUUID } from 'node:crypto';
import { AUDIT_SCHEMA_VERSION, parseAuditEvent, type SweepCompletedEvent } from '../audit/events';
import { DIMENSION_LIMIT, jsonListWithin } from '../audit/dimension';
import type { AuditSink } from '../audit/sink';
import { needsAttention, type SweepEntry, type SweepReport } from './sweep';

/** A load balancer's ref in the event: its id, state, and the remediation the sweep started or joined. */
export function refOf(entry: SweepEntry): Record<string, unknown> {
  return {
    id: entry.loadBalancerId,
    state: entry.state,
    ...(entry.down !== undefined ? { down: entry.down } : {}),
    ...(entry.backends !== undefined ? { backends: entry.backends } : {}),
    ...(entry.remediation?.instanceId ? { instanceId: entry.remediation.instanceId } : {}),
    ...(entry.remediation ? { remediation: entry.remediation.outcome } : {}),
  };
}

const ATTENTION_FIRST: Record<SweepEntry['state'], number> = {
  down: 0,
  'cannot-read': 1,
  'expected-down': 2,
  resolved: 3,
  'no-backends': 2,
  'not-probed': 3,
  healthy: 4,
};

/**
 * The refs as JSON text within {@link DIMENSION_LIMIT}: every ref when they fit; otherwise the load
 * balancers that need attention first, as many as fit, and how many were left out.
 */
export function refsWithin(
  entries: readonly SweepEntry[],
  limit = DIMENSION_LIMIT,
): { json: string; omitted: number } {
  const ordered = [...entries].sort((a, b) => ATTENTION_FIRST[a.state] - ATTENTION_FIRST[b.state]);
  return jsonListWithin(ordered.map(refOf), limit);
}

/** The event for a finished sweep (validated against the schema). */
export function sweepCompletedEvent(
  report: SweepReport,
  deps: { now?: () => Date; newId?: () => string } = {},
): SweepCompletedEvent {
  const t = report.totals;
  const refs = refsWithin(report.loadBalancers);
  const attention = needsAttention(report);
  return parseAuditEvent({
    name: 'ProbeDoctor.SweepCompleted',
    schemaVersion: AUDIT_SCHEMA_VERSION,
    eventId: (deps.newId ?? randomUUID)(),
    time: (deps.now ?? (() => new Date()))().toISOString(),
    runId: report.sweepId,
    mode: report.mode,
    scopes: report.scopes.join(','),
    loadBalancersInScope: String(t.loadBalancers),
    healthy: String(t.healthy),
    down: String(t.down),
    expectedDown: String(t['expected-down']),
    notProbed: String(t['not-probed']),
    noBackends: String(t['no-backends']),
    cannotRead: String(t['cannot-read']),
    remediationsStarted: String(t.started),
    remediationsJoined: String(t.joined),
    remediationsFailed: String(t.failedToStart),
    loadBalancers: refs.json,
    refsOmitted: String(refs.omitted),
    scopeProblems: JSON.stringify(report.scopeProblems),
    outcome: attention ? 'attention' : 'all-healthy',
  }) as SweepCompletedEvent;
}

/** Writes the sweep's event to the audit trail. */
export async function auditSweep(sink: AuditSink, report: SweepReport): Promise<SweepCompletedEvent> {
  const event = sweepCompletedEvent(report);
  await sink.emit(event);
  await sink.flush();
  return event;
}
