import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConfiguredAuditSink } from '../../src/app/auditSinks';
import { createTriggerAudit } from '../../src/app/triggerAudit';
import { DiscardAuditSink } from '../../src/audit/discardSink';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';

const LB =
  '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb';

describe('createTriggerAudit', () => {
  it.each([
    ['ignored', 'resolved-ignored'],
    ['forbidden', 'out-of-scope'],
    ['rejected', 'malformed'],
  ] as const)('records a %s alert as AlertRejected (%s)', async (decision, outcome) => {
    // Prepare
    const sink = new MemoryAuditSink();

    // Act
    await createTriggerAudit(
      sink,
      'observe',
      'inv-1',
    )({
      trigger: 'alert',
      decision,
      loadBalancerId: LB,
      alertId: 'a-1',
      detail: { reason: 'why' },
    });

    // Assess
    expect(sink.events).toMatchObject([
      {
        name: 'ProbeDoctor.AlertRejected',
        outcome,
        runId: 'inv-1',
        alertId: 'a-1',
        loadBalancerId: LB,
        reason: 'why',
      },
    ]);
  });

  it('records a malformed alert without a load balancer', async () => {
    // Prepare
    const sink = new MemoryAuditSink();

    // Act
    await createTriggerAudit(
      sink,
      'fix',
      'inv-2',
    )({ trigger: 'alert', decision: 'rejected', detail: { reason: 'not JSON' } });

    // Assess
    expect(sink.events).toMatchObject([
      { name: 'ProbeDoctor.AlertRejected', outcome: 'malformed', reason: 'not JSON' },
    ]);
    expect(sink.events[0]).not.toHaveProperty('loadBalancerId');
  });

  it('records a joined alert as RunStarted (joined) of the running instance, and a started one not at all', async () => {
    // Prepare
    const sink = new MemoryAuditSink();
    const audit = createTriggerAudit(sink, 'fix', 'inv-3');

    // Act
    await audit({ trigger: 'alert', decision: 'started', loadBalancerId: LB, instanceId: 'pd-1' });
    await audit({
      trigger: 'alert',
      decision: 'joined',
      loadBalancerId: LB,
      instanceId: 'pd-1',
      runId: '20261130T100000000Z-pd-1',
      alertId: 'a-2',
    });

    // Assess: the event belongs to the run joined (one run id per execution), not to the instance.
    expect(sink.events).toMatchObject([
      {
        name: 'ProbeDoctor.RunStarted',
        outcome: 'joined',
        runId: '20261130T100000000Z-pd-1',
        trigger: 'alert',
      },
    ]);
  });
});

describe('createTriggerAudit for approvals', () => {
  it('records who approved, and whether the platform vouched for it, before the event is raised', async () => {
    // Prepare
    const sink = new MemoryAuditSink();

    // Act
    await createTriggerAudit(
      sink,
      'fix',
      'inv-5',
    )({
      trigger: 'approval',
      decision: 'raised',
      instanceId: 'pd-1',
      loadBalancerId: LB,
      detail: { decision: 'reject', by: 'ops@example.com', verified: false },
    });

    // Assess
    expect(sink.events).toMatchObject([
      {
        name: 'ProbeDoctor.ApprovalReceived',
        runId: 'pd-1',
        by: 'ops@example.com',
        verified: 'false',
        outcome: 'reject',
      },
    ]);
    expect(sink.confirmed).toBe(1);
  });
});

describe('createConfiguredAuditSink', () => {
  it('refuses fix mode without an audit destination, naming the settings', async () => {
    // Act / Assess
    await expect(createConfiguredAuditSink(loadConfig({ PROBE_DOCTOR_MODE: 'fix' }))).rejects.toThrow(
      'Setting APPLICATIONINSIGHTS_CONNECTION_STRING or PROBE_DOCTOR_AUDIT_LOG_FILE is required when PROBE_DOCTOR_MODE is fix: every change must be audited.',
    );
  });

  it('keeps nothing in observe mode without a destination', async () => {
    // Act
    const sink = await createConfiguredAuditSink(loadConfig({}));

    // Assess
    expect(sink).toBeInstanceOf(DiscardAuditSink);
  });

  it('writes JSON lines to the configured file', async () => {
    // Prepare
    const file = join(mkdtempSync(join(tmpdir(), 'pd-')), 'audit.jsonl');
    const sink = await createConfiguredAuditSink(
      loadConfig({ PROBE_DOCTOR_MODE: 'fix', PROBE_DOCTOR_AUDIT_LOG_FILE: file }),
    );

    // Act
    await createTriggerAudit(
      sink,
      'fix',
      'inv-4',
    )({ trigger: 'alert', decision: 'forbidden', loadBalancerId: LB });
    await sink.close();

    // Assess
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      name: 'ProbeDoctor.AlertRejected',
      outcome: 'out-of-scope',
    });
  });
});
