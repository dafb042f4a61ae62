/**
 * The audit trail of whole runs, through the real activities against the sandbox: every step is
 * recorded, changes are recorded before and after, and a change whose audit cannot be written is
 * not made.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import type { AuditEvent } from '../../src/audit/events';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';

const DEMO = join(__dirname, '../../scenarios/nsg-deny-all-blocks-probe.json');

async function run(sink: MemoryAuditSink | undefined, mode: 'observe' | 'fix') {
  const json = JSON.parse(readFileSync(DEMO, 'utf8')) as { expect: { loadBalancerId: string } };
  const sandbox = await startSandbox({ scenario: parseScenario(json) });
  try {
    const { report } = await runLocally({
      input: { loadBalancerId: json.expect.loadBalancerId, mode, alertId: 'alert-1' },
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
      config: loadConfig({}),
      remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      ...(sink ? { auditSink: sink } : {}),
      evidence: { runCommandAttempts: 2, runCommandRetryDelayMs: 1 },
    });
    const rules = sandbox.requestLog.filter((r) => r.method === 'PUT');
    return { report, writes: rules };
  } finally {
    await sandbox.stop();
  }
}

const names = (events: AuditEvent[]) =>
  events.map((e) => `${e.name.replace('ProbeDoctor.', '')}:${e.outcome}`);

describe('the audit trail of a run', () => {
  it('records every step of a fix run, the change before and after it, and the verdict', async () => {
    // Prepare
    const sink = new MemoryAuditSink();

    // Act
    const { report } = await run(sink, 'fix');

    // Assess
    expect(report.verdict).toBe('resolved');
    const seen = names(sink.events);
    expect(seen[0]).toBe('RunStarted:started');
    expect(seen.at(-1)).toBe('RunFinished:resolved');
    // The healthy backend is in the one BackendsHealthy event, not an event of its own.
    expect(seen.filter((n) => n.startsWith('BackendChecked') || n.startsWith('BackendsHealthy'))).toEqual([
      'BackendsHealthy:healthy',
      'BackendChecked:causes-found',
      'BackendChecked:causes-found',
    ]);
    const healthy = sink.events.find((e) => e.name === 'ProbeDoctor.BackendsHealthy');
    expect(healthy).toMatchObject({ count: '1', omitted: '0', healthReasons: '{"Up_Probe_Success":1}' });
    expect(seen.filter((n) => n.startsWith('CauseFound'))).toHaveLength(2);
    expect(seen.filter((n) => n.startsWith('Fix'))).toEqual([
      'FixPlanned:planned',
      'FixApplied:started',
      'FixApplied:applied',
    ]);
    expect(seen.indexOf('FixApplied:started')).toBeLessThan(seen.indexOf('FixApplied:applied'));
    expect(seen.filter((n) => n.startsWith('ValidationResult'))).toContain('ValidationResult:up');
    for (const e of sink.events) {
      expect(e).toMatchObject({
        runId: report.runId,
        alertId: 'alert-1',
        loadBalancerId: report.loadBalancerId,
        mode: 'fix',
      });
    }
    const applied = sink.events.find((e) => e.name === 'ProbeDoctor.FixApplied' && e.outcome === 'applied');
    const after = JSON.parse((applied as { after: string }).after) as Record<string, unknown>;
    expect(after).toMatchObject({ access: 'Allow', direction: 'Inbound', protocol: 'Tcp', priority: 3999 });
    expect(JSON.parse((applied as { before: string }).before)).toBeNull();
    // Both change records were confirmed by the sink, not only queued.
    expect(sink.confirmed).toBe(2);
  });

  it('makes no change when the record before it cannot be written', async () => {
    // Prepare: the sink refuses the before-change record, as a full disk or a refused ingestion would.
    const sink = new MemoryAuditSink({
      failWhen: (e) =>
        e.name === 'ProbeDoctor.FixApplied' && e.outcome === 'started' ? new Error('disk full') : undefined,
    });

    // Act
    const { report, writes } = await run(sink, 'fix');

    // Assess
    expect(writes).toEqual([]);
    expect(report.fixes.map((f) => f.status)).toEqual(['failed']);
    expect(report.fixes[0]?.reason).toContain(
      'the audit record could not be written, so nothing was changed',
    );
    expect([report.verdict, report.whoMustAct]).toEqual(['action-required', 'customer']);
  });

  it('records an observe run without any change record', async () => {
    // Prepare
    const sink = new MemoryAuditSink();

    // Act
    const { report, writes } = await run(sink, 'observe');

    // Assess
    expect(writes).toEqual([]);
    expect(
      names(sink.events).filter((n) => n.startsWith('FixApplied') || n.startsWith('FixRolledBack')),
    ).toEqual([]);
    expect(names(sink.events)).toContain('FixPlanned:planned');
    // The customer's own NSG rule: no ticket, and observe mode escalates nothing anyway.
    expect(names(sink.events).filter((n) => n.startsWith('Escalated'))).toEqual([]);
    expect(names(sink.events).at(-1)).toBe('RunFinished:action-required');
    expect(names(sink.events).at(-1)).toBe(`RunFinished:${report.verdict}`);
  });
  it('writes nothing in fix mode when no audit destination is configured', async () => {
    // Act: no sink given, so the run keeps no audit trail.
    const { report, writes } = await run(undefined, 'fix');

    // Assess
    expect(writes).toEqual([]);
    expect(report.fixes.map((f) => f.status)).toEqual(['skipped']);
    expect(report.fixes[0]?.reason).toBe(
      'not written: no audit destination is configured (set APPLICATIONINSIGHTS_CONNECTION_STRING or PROBE_DOCTOR_AUDIT_LOG_FILE)',
    );
    expect(report.verdict).toBe('action-required');
  });
});
