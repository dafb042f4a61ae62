/** Builders for audit events in tests: a valid event of each kind, to be varied per case. */
import { createAuditor, type AuditCommon } from '../../src/audit/auditor';
import type { AuditEvent } from '../../src/audit/events';
import { MemoryAuditSink } from '../../src/audit/memorySink';

export const SUB = '00000000-0000-0000-0000-000000000001';
export const LB = `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Network/loadBalancers/lb-web`;
export const NSG = `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Network/networkSecurityGroups/nsg-web`;
export const NIC1 = `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Network/networkInterfaces/vm1-nic/ipConfigurations/ipconfig1`;

export const COMMON: AuditCommon = { runId: 'run-1', alertId: 'alert-1', loadBalancerId: LB, mode: 'fix' };

/** A clock that starts at 2026-11-25T10:00:00Z and moves one second per call. */
export function steppingClock(start = Date.parse('2026-11-25T10:00:00.000Z')): () => Date {
  let t = start;
  return () => {
    const now = new Date(t);
    t += 1000;
    return now;
  };
}

/** Sequential ids `e1`, `e2`, ... */
export function sequentialIds(): () => string {
  let n = 0;
  return () => `e${++n}`;
}

/** A full resolved run, through the auditor, as the activities would emit it. */
export async function resolvedRun(common: AuditCommon = COMMON): Promise<AuditEvent[]> {
  const sink = new MemoryAuditSink();
  const audit = createAuditor(sink, common, { now: steppingClock(), newId: sequentialIds() });
  await audit.runStarted({ trigger: 'alert', outcome: 'started' });
  await audit.backendChecked({
    backend: NIC1,
    ipAddress: '10.0.1.4',
    probeState: 'down',
    causeIds: ['nsg-blocks-probe'],
    outcome: 'causes-found',
  });
  await audit.causeFound({
    backend: NIC1,
    causeId: 'nsg-blocks-probe',
    summary: 'DenyAllInbound denies the probe',
    evidence: { ruleName: 'DenyAllInbound', priority: 4000 },
  });
  const change = {
    fixKind: 'nsg-allow-probe' as const,
    target: NSG,
    causeId: 'nsg-blocks-probe' as const,
    backend: NIC1,
    before: null,
    after: { name: 'allow-lb-probe-80', priority: 3990, access: 'Allow' },
  };
  await audit.fixPlanned({ ...change, outcome: 'planned' }, { confirm: true });
  await audit.fixApplied({ ...change, outcome: 'applied' }, { confirm: true });
  await audit.validationResult({ backend: NIC1, method: 'peer-tcp-ping', outcome: 'up' });
  await audit.runFinished({
    causeIds: ['nsg-blocks-probe'],
    fixesApplied: 1,
    backendsDown: 0,
    outcome: 'resolved',
  });
  return sink.events;
}
